import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { realClusterAvailable } from '../support/real-cluster.js';
import { memoryTarget, realTarget, type FuzzTarget } from './fuzz/apps.js';
import { Findings } from './fuzz/findings.js';
import { runLeg } from './fuzz/run-fuzz.js';

// In CI a bounded run; `npm run fuzz` sends 100,000. The seed is fixed so a failure reproduces:
// REGCRED_FUZZ_SEED=<printed seed> REGCRED_FUZZ_RUNS=<n> npx vitest run test/resilience/fuzz.test.ts
const RUNS = Number(process.env.REGCRED_FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.REGCRED_FUZZ_SEED ?? 20_250_110);
const FINDINGS_FILE = process.env.REGCRED_FUZZ_FINDINGS ?? '/tmp/fuzz-findings.txt';
const CONCURRENCY = 4;
const real = realClusterAvailable();

// Shares of the run: the real API server is slower per request, so it gets fewer.
const legs: { name: string; share: number; make: (seed: number) => Promise<FuzzTarget> }[] = [
  { name: 'in-memory cluster, auth none', share: real ? 0.3 : 0.5, make: (seed) => memoryTarget(seed, false) },
  { name: 'in-memory cluster, token auth', share: real ? 0.3 : 0.5, make: (seed) => memoryTarget(seed, true) },
  ...(real
    ? [
        { name: 'real kube-apiserver, auth none', share: 0.2, make: (seed: number) => realTarget(seed, false) },
        { name: 'real kube-apiserver, token auth', share: 0.2, make: (seed: number) => realTarget(seed, true) },
      ]
    : []),
];

const reports: string[] = [];
const totals: Record<string, number> = {};

describe(`fuzzing every operation of openapi.yaml over HTTP (seed ${SEED}, ${RUNS} requests${real ? '' : '; real API server SKIPPED: run with REGCRED_TEST_CLUSTER=required'})`, () => {
  afterAll(() => {
    const sent = Object.values(totals).reduce((a, b) => a + b, 0);
    const summary = `fuzz seed ${SEED}: ${sent} requests; statuses ${JSON.stringify(totals)}`;
    writeFileSync(FINDINGS_FILE, `${summary}\n\n${reports.join('\n\n')}\n`);
    console.log(`${summary}\nfindings written to ${FINDINGS_FILE}`);
  });

  it.each(legs.map((leg, i) => ({ ...leg, index: i })))(
    '$name: no 5xx, every 4xx problem+json, no dropped connection, no canary in answers or logs',
    async ({ name, share, make, index }) => {
      const seed = SEED + index * 100_003;
      const target = await make(seed);
      const findings = new Findings();
      try {
        const requests = Math.round(RUNS * share);
        const { statuses, byOperation } = await runLeg(
          {
            name,
            app: target.testApp.app,
            logLines: target.testApp.logLines,
            world: target.world,
            requests,
            seed,
            concurrency: CONCURRENCY,
          },
          findings,
        );
        for (const [status, count] of Object.entries(statuses)) totals[status] = (totals[status] ?? 0) + count;
        const perOperation = Object.entries(byOperation)
          .filter(([label]) => !label.includes(' '))
          .map(([label, counts]) => `  ${label} ${JSON.stringify(counts)}`);
        const report = `${findings.format(`${name} (seed ${seed}, ${requests} requests)`)}\nstatuses ${JSON.stringify(statuses)}\n${perOperation.sort().join('\n')}`;
        reports.push(report);
        console.log(
          report
            .split('\n')
            .filter((line) => !line.startsWith('  '))
            .join('\n'),
        );
        expect(findings.format(name)).toBe(`== ${name}: 0 kind(s) of failure`);
      } finally {
        await target.cleanUp();
      }
    },
    Math.max(60_000, RUNS * 30),
  );
});
