import { mkdirSync, writeFileSync } from 'node:fs';
import type { Measurement } from './load.js';

export const TARGETS = { renderRatioMin: 0.8, applyP50AddedMsMax: 2, peakRssMBMax: 120 };

export interface ApplyRun {
  connections: number;
  direct: Measurement;
  regcred: Measurement;
  p50AddedMs: number;
  p99AddedMs: number;
}

export interface Results {
  startedAt: string;
  environment: {
    node: string;
    cpus: number;
    loadAverage1mBefore: number;
    loadAverage1mAfter?: number;
    logging: string;
    seconds: number;
    rounds: number;
    warmupSeconds: number;
  };
  render: { bare: Measurement; regcred: Measurement; ratio: number; met: boolean };
  apply: { skipped: string } | { server: string; kitStartedHere: boolean; harness: string; runs: ApplyRun[]; met: boolean };
  memory: { regcredPeakMB: number; regcredSampledMaxMB: number; peaksMB: Record<string, number>; met: boolean };
}

/** A measurement counts only if every answer was a 2xx and, where bodies were checked, each passed. */
export function isClean(m: Measurement): boolean {
  return m.non2xx === 0 && m.errors === 0 && (m.checked === undefined || m.checked === m.requests);
}

const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');
const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function row(label: string, m: Measurement): string {
  const cells = [
    label.padEnd(34),
    String(m.connections).padStart(5),
    String(m.reqPerSec).padStart(8),
    fixed(m.p50Ms).padStart(8),
    fixed(m.p99Ms).padStart(8),
    fixed(m.cpuMsPerRequest, 3).padStart(9),
  ];
  const problems = m.non2xx + m.errors;
  const note = [
    problems ? `${m.non2xx} non-2xx, ${m.errors} errors` : '',
    m.checked !== undefined ? `${m.checked}/${m.requests} updated` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const warning = isClean(m) ? '' : '  <- WARNING: not every answer was a good one';
  return `${cells.join('  ')}  ${note}${warning}`.trimEnd();
}

export function printResults(r: Results): void {
  const e = r.environment;
  const lines = [
    '',
    `regcred bench: node ${e.node}, ${e.cpus} cores, 1-min load average ${fixed(e.loadAverage1mBefore)} before, ${fixed(e.loadAverage1mAfter ?? NaN)} after`,
    `each comparison: ${e.warmupSeconds} s warm-up per server, then ${e.seconds} s per server in ${e.rounds} alternating rounds`,
    `logging: ${e.logging}`,
    ...(e.loadAverage1mBefore > e.cpus / 4
      ? [
          `note: other work was already running (load average ${fixed(e.loadAverage1mBefore)} on ${e.cpus} cores): absolute req/s are lower and noisier than on a quiet machine; the alternating rounds keep the comparisons fair`,
        ]
      : []),
    '',
    `${'measurement'.padEnd(34)}  conns     req/s   p50 ms   p99 ms  CPU ms/req`,
    row('render: bare Express 5', r.render.bare),
    row('render: regcred POST /v1/render', r.render.regcred),
    `  regcred / bare req/s = ${fixed(r.render.ratio)} (target >= ${TARGETS.renderRatioMin}): ${verdict(r.render.met)}`,
  ];
  if ('skipped' in r.apply) {
    lines.push(`apply: SKIPPED: ${r.apply.skipped}`);
  } else {
    lines.push(
      `apply against ${r.apply.server}${r.apply.kitStartedHere ? ' (a kit the bench started and stopped)' : ''}`,
      `  harness: ${r.apply.harness}`,
    );
    for (const run of r.apply.runs) {
      lines.push(row(`apply: direct client-node (c=${run.connections})`, run.direct));
      lines.push(row(`apply: regcred PUT (c=${run.connections})`, run.regcred));
      const judged = run.connections === r.apply.runs[0]!.connections;
      const target = judged ? ` (target <= ${TARGETS.applyP50AddedMsMax} ms: ${verdict(r.apply.met)})` : ' (informative)';
      lines.push(`  regcred adds p50 ${fixed(run.p50AddedMs)} ms${target}, p99 ${fixed(run.p99AddedMs)} ms`);
    }
  }
  const peaks = Object.entries(r.memory.peaksMB)
    .map(([name, mb]) => `${name} ${fixed(mb, 1)} MB`)
    .join(', ');
  lines.push(
    `memory: regcred peak RSS (VmHWM) ${fixed(r.memory.regcredPeakMB, 1)} MB, max sampled under load ${fixed(r.memory.regcredSampledMaxMB, 1)} MB (target <= ${TARGETS.peakRssMBMax} MB): ${verdict(r.memory.met)}`,
    `  peak RSS of every server process (compiled JavaScript under plain node; regcred with the V8 flags of npm run start:prod): ${peaks}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function writeResults(r: Results, file: URL): void {
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ targets: TARGETS, ...r }, null, 2)}\n`);
}
