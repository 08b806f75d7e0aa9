import { mkdirSync, writeFileSync } from 'node:fs';
import { fixed, verdict } from './format.js';
import type { Measurement } from './load.js';
import { distributionLines, outageLines, type DistributionResults, type OutageResults } from './report-distributions.js';
import { fanOutLines, type FanOutResults } from './report-fan-out.js';

/** fanOutSpeedupMin: kubectl's ms per namespace over regcred's, for creating one pull secret in each of 500 namespaces. */
export const TARGETS = {
  renderRatioMin: 0.7,
  renderLimitsLiftedRatioMin: 0.8,
  applyP50AddedMsMax: 2,
  peakRssMBMax: 120,
  fanOutSpeedupMin: 10,
  distributions: { coldStartMsMax: 10_000, newNamespaceP99MsMax: 2000, restoreP99MsMax: 2000, noOpWritesMax: 0, missingMax: 0 },
};

/** One render comparison: regcred's req/s over the bare app's, in the same alternating rounds. */
export interface RenderRun {
  bare: Measurement;
  regcred: Measurement;
  ratio: number;
  met: boolean;
}

export interface ApplyRun {
  connections: number;
  direct: Measurement;
  regcred: Measurement;
  p50AddedMs: number;
  p99AddedMs: number;
}

/** What a run measured: all parts, or those BENCH_ONLY named. */
export interface Results {
  only?: string[];
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
  /** As deployed, and with the rate limiters switched off (`limitsLifted`). */
  render?: RenderRun & { limitsLifted?: RenderRun };
  apply?: { skipped: string } | { server: string; kitStartedHere: boolean; harness: string; runs: ApplyRun[]; met: boolean };
  /** Under the render and apply loads (the fan-out reports its own peaks). */
  memory?: { regcredPeakMB: number; regcredSampledMaxMB: number; peaksMB: Record<string, number>; met: boolean };
  fanOut?: FanOutResults;
  distributions?: DistributionResults;
  distributionsOutage?: OutageResults;
}

/** A measurement counts only if every answer was a 2xx and, where bodies were checked, each passed. */
export function isClean(m: Measurement): boolean {
  return m.non2xx === 0 && m.errors === 0 && (m.checked === undefined || m.checked === m.requests);
}

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
    `regcred bench: node ${e.node}, ${e.cpus} cores, 1-min load average ${fixed(e.loadAverage1mBefore)} before, ${fixed(e.loadAverage1mAfter ?? NaN)} after${r.only ? `; only ${r.only.join(', ')} (BENCH_ONLY)` : ''}`,
    ...(r.render || r.apply
      ? [
          `each comparison: ${e.warmupSeconds} s warm-up per server, then ${e.seconds} s per server in ${e.rounds} alternating rounds`,
          `logging: ${e.logging}`,
        ]
      : []),
    ...(e.loadAverage1mBefore > e.cpus / 4
      ? [
          `note: other work was already running (load average ${fixed(e.loadAverage1mBefore)} on ${e.cpus} cores): absolute figures are lower and noisier than on a quiet machine${r.render || r.apply ? '; the alternating rounds keep the comparisons fair' : ''}`,
        ]
      : []),
    ...(r.render || r.apply ? ['', `${'measurement'.padEnd(34)}  conns     req/s   p50 ms   p99 ms  CPU ms/req`] : []),
    ...(r.render ? renderLines(r.render) : []),
    ...(r.apply ? applyLines(r.apply) : []),
    ...(r.memory ? memoryLines(r.memory) : []),
    ...(r.fanOut ? fanOutLines(r.fanOut, TARGETS.fanOutSpeedupMin) : []),
    ...(r.distributions ? distributionLines(r.distributions, TARGETS.distributions) : []),
    ...(r.distributionsOutage ? outageLines(r.distributionsOutage, TARGETS.distributions) : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function renderLines(render: NonNullable<Results['render']>): string[] {
  const lifted = render.limitsLifted;
  return [
    row('render: bare Express 5', render.bare),
    row('render: regcred POST /v1/render', render.regcred),
    `  regcred / bare req/s = ${fixed(render.ratio)} (target >= ${TARGETS.renderRatioMin}): ${verdict(render.met)}`,
    ...(lifted
      ? [
          row('render: bare Express 5', lifted.bare),
          row('render: regcred, limits lifted', lifted.regcred),
          `  regcred (limits lifted) / bare req/s = ${fixed(lifted.ratio)} (target >= ${TARGETS.renderLimitsLiftedRatioMin}): ${verdict(lifted.met)}`,
        ]
      : []),
  ];
}

function applyLines(apply: NonNullable<Results['apply']>): string[] {
  if ('skipped' in apply) return [`apply: SKIPPED: ${apply.skipped}`];
  const lines = [
    `apply against ${apply.server}${apply.kitStartedHere ? ' (a kit the bench started and stopped)' : ''}`,
    `  harness: ${apply.harness}`,
  ];
  for (const run of apply.runs) {
    lines.push(row(`apply: direct client-node (c=${run.connections})`, run.direct));
    lines.push(row(`apply: regcred PUT (c=${run.connections})`, run.regcred));
    const judged = run.connections === apply.runs[0]!.connections;
    const target = judged ? ` (target <= ${TARGETS.applyP50AddedMsMax} ms: ${verdict(apply.met)})` : ' (informative)';
    lines.push(`  regcred adds p50 ${fixed(run.p50AddedMs)} ms${target}, p99 ${fixed(run.p99AddedMs)} ms`);
  }
  return lines;
}

function memoryLines(memory: NonNullable<Results['memory']>): string[] {
  const peaks = Object.entries(memory.peaksMB)
    .map(([name, mb]) => `${name} ${fixed(mb, 1)} MB`)
    .join(', ');
  return [
    `memory: regcred peak RSS (VmHWM) ${fixed(memory.regcredPeakMB, 1)} MB, max sampled under load ${fixed(memory.regcredSampledMaxMB, 1)} MB (target <= ${TARGETS.peakRssMBMax} MB): ${verdict(memory.met)}`,
    `  peak RSS of every server process (compiled JavaScript under plain node; regcred with the V8 flags of npm run start:prod): ${peaks}`,
  ];
}

export function writeResults(r: Results, file: URL): void {
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ targets: TARGETS, ...r }, null, 2)}\n`);
}
