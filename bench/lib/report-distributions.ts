import { fixed, verdict } from './format.js';
import { round } from './load.js';

/** Latencies in ms over `count` events; those that never happened within the wait are `timedOut` (and make p99 infinite). */
export interface LatencySummary {
  count: number;
  timedOut: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface DistributionTargets {
  coldStartMsMax: number;
  newNamespaceP99MsMax: number;
  restoreP99MsMax: number;
  noOpWritesMax: number;
  missingMax: number;
}

export interface OutageRun {
  server: string;
  harness: string;
  /** How long apiserver.sh start took, until /readyz answered (regcred may reconnect before). */
  restartMs: number;
  /** Matching namespaces created (answered), and creations that failed (the API server was down), over the churn. */
  created: number;
  failedCreates: number;
  /** Matching namespaces the API server lists at the end. */
  matching: number;
  /** Of those, without their copy once the wait ended: the target is 0. */
  missing: number;
  /** From the API server being ready again until every matching namespace existing then had its copy. */
  backlogClearedAfterRestartMs: number | null;
  /** From the churn's last namespace (created after the restart) until every matching namespace had its copy. */
  allPresentAfterLastCreateMs: number | null;
  /** Whether regcred_controller_leader read other than 1 at any time from the stop on (sampled every 200 ms). */
  leaderLost: boolean;
  /** From the API server being ready again until regcred_controller_leader read 1. */
  leaderAfterRestartMs: number | null;
  met: boolean;
  durationS: number;
}

export type OutageResults = { skipped: string } | OutageRun;

export interface DistributionRun {
  server: string;
  kitStartedHere: boolean;
  harness: string;
  namespaces: number;
  setup: { createNamespacesMs: number; concurrency: number; leaderAfterStartMs: number };
  coldStart: { statusCurrentMs: number | null; lastCopySeenMs: number | null; met: boolean };
  newNamespace: LatencySummary & { met: boolean };
  serviceAccountLink: LatencySummary;
  restore: LatencySummary & { met: boolean };
  rotation: {
    copies: number;
    rolledOutMs: number | null;
    lastCopySeenMs: number | null;
    reads: number;
    /** Reads that found no secret: the target is 0. */
    missingReads: number;
    /** Reads of a secret holding neither the old nor the new credential. */
    invalidReads: number;
    oldReads: number;
    newReads: number;
    met: boolean;
  };
  noOp: {
    windowSeconds: number;
    resyncSeconds: number;
    /** Reconciles that ran in the window (regcred_distribution_reconcile_duration_seconds_count). */
    reconciles: number;
    /** regcred_distribution_writes_total over the window: the target is 0. */
    writes: number;
    /** Copies whose resourceVersion changed over the window. */
    copiesRewritten: number;
    /** Whether the distribution object itself (its status) was written in the window. */
    statusWritten: boolean;
    met: boolean;
  };
  cleanup: { deleteDistributionsMs: number };
  regcredPeakRssMB: number;
  regcredCpuSeconds: number;
  /**
   * Distributions of others (tests on a shared kit) seen during the run: this run's regcred
   * reconciled them too, and their controllers this run's (see docs/benchmarks.md).
   */
  otherDistributions: number;
  met: boolean;
  durationS: number;
}

export type DistributionResults = { skipped: string } | DistributionRun;

/** Nearest-rank percentiles; an event that never came counts as infinitely late. */
export function summarizeLatencies(samples: ReadonlyArray<number | undefined>): LatencySummary {
  const sorted = samples.map((s) => s ?? Infinity).sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
  const ms = (v: number) => (Number.isFinite(v) ? round(v, 1) : v);
  return {
    count: sorted.length,
    timedOut: samples.filter((s) => s === undefined).length,
    p50Ms: ms(at(50)),
    p95Ms: ms(at(95)),
    p99Ms: ms(at(99)),
    maxMs: ms(sorted.at(-1) ?? NaN),
  };
}

const seconds = (ms: number | null) => (ms === null ? 'never (timed out)' : `${fixed(ms / 1000)} s`);

function latencyLine(label: string, s: LatencySummary, target?: { maxMs: number; met: boolean }): string {
  const timedOut = s.timedOut ? `, ${s.timedOut} timed out` : '';
  const judged = target ? ` (target p99 <= ${target.maxMs} ms: ${verdict(target.met)})` : '';
  return `  ${label}: ${s.count} events, p50 ${fixed(s.p50Ms, 0)} ms, p95 ${fixed(s.p95Ms, 0)} ms, p99 ${fixed(s.p99Ms, 0)} ms, max ${fixed(s.maxMs, 0)} ms${timedOut}${judged}`;
}

export function distributionLines(r: DistributionResults, t: DistributionTargets): string[] {
  if ('skipped' in r) return ['', `distributions: SKIPPED: ${r.skipped}`];
  const { coldStart: c, rotation: rot, noOp } = r;
  return [
    '',
    `distributions against ${r.server}${r.kitStartedHere ? ' (a kit the bench started and stopped)' : ''}, ${r.namespaces} namespaces (${fixed(r.durationS, 0)} s in all)`,
    `  harness: ${r.harness}`,
    `  setup: ${r.namespaces} namespaces created in ${fixed(r.setup.createNamespacesMs / 1000)} s (${r.setup.concurrency} at a time); regcred led ${fixed(r.setup.leaderAfterStartMs / 1000)} s after its start`,
    `  cold start: status.counts.current = ${r.namespaces} ${seconds(c.statusCurrentMs)} after the PUT's answer (target <= ${t.coldStartMsMax / 1000} s: ${verdict(c.met)}); last copy seen by the watch after ${seconds(c.lastCopySeenMs)}`,
    latencyLine('new namespace -> secret', r.newNamespace, { maxMs: t.newNamespaceP99MsMax, met: r.newNamespace.met }),
    latencyLine('new ServiceAccount -> linked (informative)', r.serviceAccountLink),
    latencyLine('deleted copy -> restored', r.restore, { maxMs: t.restoreP99MsMax, met: r.restore.met }),
    `  rotation of ${rot.copies} copies: status.rolledOutAt for the new hash ${seconds(rot.rolledOutMs)} after the PUT's answer; last copy with the new hash seen after ${seconds(rot.lastCopySeenMs)}`,
    `    reader during it: ${rot.reads} reads, ${rot.oldReads} old, ${rot.newReads} new, ${rot.missingReads} found no secret, ${rot.invalidReads} held neither credential (target 0: ${verdict(rot.met)})`,
    `  no-op: ${noOp.writes} writes (regcred_distribution_writes_total) and ${noOp.copiesRewritten} copies with a new resourceVersion over ${noOp.windowSeconds} s (resync every ${noOp.resyncSeconds} s, ${noOp.reconciles} reconciles); status ${noOp.statusWritten ? 'rewritten' : 'untouched'} (target ${t.noOpWritesMax}: ${verdict(noOp.met)})`,
    `  clean-up: DELETE ?orphan=false until gone ${fixed(r.cleanup.deleteDistributionsMs / 1000)} s; regcred peak RSS ${fixed(r.regcredPeakRssMB, 1)} MB, CPU ${fixed(r.regcredCpuSeconds, 1)} s`,
    ...(r.otherDistributions
      ? [
          `  note: ${r.otherDistributions} other distribution(s) on the kit during the run (tests?): every controller reconciles every distribution, so the figures include that work and the status may flap (BENCH_DISTRIBUTION_KIT=private avoids it)`,
        ]
      : []),
  ];
}

export function outageLines(r: OutageResults, t: DistributionTargets): string[] {
  if ('skipped' in r) return ['', `distributions-outage: SKIPPED: ${r.skipped}`];
  return [
    '',
    `distributions-outage against ${r.server} (a private kit, started and stopped here; ${fixed(r.durationS, 0)} s in all)`,
    `  harness: ${r.harness}`,
    `  ${r.created} matching namespaces created, ${r.failedCreates} creations failed while the API server was down; ${r.matching} match at the end, ${r.missing} without their copy (target ${t.missingMax}: ${verdict(r.met)})`,
    `  after the restart (apiserver.sh start took ${seconds(r.restartMs)}, until /readyz): ${r.leaderLost ? 'leadership was lost during the outage; ' : 'leadership kept; '}leader after ${seconds(r.leaderAfterRestartMs)}, the outage's backlog had its copies after ${seconds(r.backlogClearedAfterRestartMs)}; every copy present ${seconds(r.allPresentAfterLastCreateMs)} after the last creation`,
  ];
}
