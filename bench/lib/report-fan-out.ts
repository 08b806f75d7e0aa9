import type { KubectlLoopResult } from './kubectl.js';
import { fixed, verdict } from './format.js';

export type FanOutCase = 'created' | 'updated' | 'unchanged';

export interface FanOutPut {
  case: FanOutCase;
  status: number;
  wallMs: number;
  perNamespaceMs: number;
  /** CPU regcred's process used for this request. */
  serverCpuMs: number;
  summary: Record<FanOutCase | 'forbidden' | 'failed', number>;
  /** 200, and every namespace ended as `case`. */
  ok: boolean;
  firstUnexpected?: string;
}

export interface FanOutRun {
  concurrency: number;
  /** The discarded dry run before the timed PUTs. */
  warmUp: { namespaces: number; dryRunMs: number };
  /** Each a created, updated and unchanged PUT to a secret of its own. */
  rounds: Array<{ secret: string; puts: FanOutPut[] }>;
  /** Per case, the median over the rounds. */
  median: Record<FanOutCase, { wallMs: number; perNamespaceMs: number; serverCpuMs: number }>;
  peakRssMB: number;
}

export interface SpotCheck {
  namespaces: string[];
  secretsRead: number;
  problems: string[];
}

export type FanOutResults =
  | { skipped: string }
  | {
      server: string;
      kitStartedHere: boolean;
      harness: string;
      namespaces: number;
      setup: { concurrency: number; createMs: number; removeMs: number };
      judgedConcurrency: number;
      runs: FanOutRun[];
      kubectl: KubectlLoopResult;
      spotCheck: SpotCheck;
      /** kubectl's ms per namespace over regcred's (created, at `judgedConcurrency`). */
      speedup: number;
      met: boolean;
      durationS: number;
    };

const CASES: FanOutCase[] = ['created', 'updated', 'unchanged'];

/** One case at one concurrency: the median of the rounds, and every round's wall time. */
function caseRow(run: FanOutRun, c: FanOutCase, namespaces: number): string {
  const puts = run.rounds.map((r) => r.puts.find((p) => p.case === c)!);
  const median = run.median[c];
  const cells = [
    `fan-out: regcred PUT, ${c}`.padEnd(36),
    String(run.concurrency).padStart(4),
    [...new Set(puts.map((p) => p.status))].join(',').padStart(6),
    fixed(median.wallMs / 1000).padStart(8),
    fixed(median.perNamespaceMs).padStart(7),
    String(median.serverCpuMs).padStart(7),
  ];
  const counts = puts.every((p) => p.summary[c] === namespaces)
    ? `${namespaces}/${namespaces} ${c}${puts.length > 1 ? ` in each of ${puts.length} rounds` : ''}`
    : `${puts.map((p) => p.summary[c]).join(', ')} of ${namespaces} ${c}`;
  const note = puts.length > 1 ? `${counts}; rounds: ${puts.map((p) => fixed(p.wallMs / 1000)).join(', ')} s` : counts;
  const bad = puts.find((p) => !p.ok);
  const warning = bad ? `  <- WARNING: ${JSON.stringify(bad.summary)}${bad.firstUnexpected ? `, e.g. ${bad.firstUnexpected}` : ''}` : '';
  return `${cells.join('  ')}  ${note}${warning}`;
}

function kubectlRow(k: KubectlLoopResult): string {
  const cells = [
    'fan-out: kubectl loop'.padEnd(36),
    '1'.padStart(4),
    '-'.padStart(6),
    fixed(k.totalMs / 1000).padStart(8),
    fixed(k.perNamespaceMs).padStart(7),
    '-'.padStart(7),
  ];
  const note = k.extrapolated
    ? `${k.timed}/${k.namespaces} timed in ${fixed(k.wallMs / 1000)} s (budget ${k.budgetSeconds} s); wall time extrapolated to ${k.namespaces}`
    : `${k.timed}/${k.namespaces} timed`;
  const warning = k.failures ? `  <- WARNING: ${k.failures} failed, e.g. ${k.firstFailure}` : '';
  return `${cells.join('  ')}  ${note}${warning}`;
}

/** The fan-out section of the printed table. */
export function fanOutLines(f: FanOutResults, speedupMin: number): string[] {
  if ('skipped' in f) return ['', `fan-out: SKIPPED: ${f.skipped}`];
  const others = f.runs.filter((run) => run.concurrency !== f.judgedConcurrency);
  const check = f.spotCheck;
  return [
    '',
    `fan-out against ${f.server}${f.kitStartedHere ? ' (a kit the bench started and stopped)' : ''}: ${f.namespaces} fresh namespaces, ` +
      `created ${f.setup.concurrency} at a time in ${fixed(f.setup.createMs / 1000, 1)} s, removed in ${fixed(f.setup.removeMs / 1000, 1)} s; ${f.durationS} s in all`,
    `  harness: ${f.harness}`,
    `  kubectl: ${f.kubectl.client}: ${f.kubectl.command}`,
    `${'measurement'.padEnd(36)}  conc  status   wall s    ms/ns  CPU ms  (wall s, ms per namespace and regcred's CPU ms: medians)`,
    ...f.runs.flatMap((run) => CASES.map((c) => caseRow(run, c, f.namespaces))),
    kubectlRow(f.kubectl),
    `  kubectl ms/ns / regcred ms/ns (created, REGCRED_FANOUT_CONCURRENCY=${f.judgedConcurrency}) = ${fixed(f.speedup, 1)}x (target >= ${speedupMin}x): ${verdict(f.met)}`,
    ...(others.length
      ? [
          `  at other concurrencies (informative): ${others.map((run) => `c=${run.concurrency} ${fixed(f.kubectl.perNamespaceMs / run.median.created.perNamespaceMs, 1)}x`).join(', ')}`,
        ]
      : []),
    `  spot check: ${check.namespaces.length} random namespaces, ${check.secretsRead} secrets read back: ${check.problems.length ? `PROBLEMS: ${check.problems.join('; ')}` : 'each holds the credential last written'}`,
    `  regcred peak RSS (VmHWM): ${f.runs.map((run) => `c=${run.concurrency} ${fixed(run.peakRssMB, 1)} MB`).join(', ')}; dry-run warm-up (discarded): ${f.runs.map((run) => `c=${run.concurrency} ${run.warmUp.namespaces} namespaces in ${fixed(run.warmUp.dryRunMs / 1000)} s`).join(', ')}`,
  ];
}
