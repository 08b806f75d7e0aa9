import { fixed } from './format.js';

/** Calls the registry logged (its access log) and the token server answered during one measurement. */
export interface RegistryCalls {
  registry: number;
  token: number;
}

/** Sequential POST /v1/namespaces/{ns}/pullcheck of one workload. */
export interface WorkloadLatency {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 200 with `willPull: true`. */
  failed: number;
  /** regcred's CPU (user + system, all threads) per request. */
  cpuMsPerRequest: number;
  calls: RegistryCalls;
  callsPerRequest: RegistryCalls;
  loadAverage1m: number;
}

/** Every page of GET /v1/namespaces/{ns}/pullcheck, one after the other. */
export interface ScanMeasure {
  ms: number;
  /** regcred's CPU over the whole scan. */
  cpuMs: number;
  pages: number;
  scanned: number;
  diagnosed: number;
  /** Verdicts of the diagnosed containers. */
  verdicts: Record<string, number>;
  calls: RegistryCalls;
  loadAverage1m: number;
}

export interface PullcheckRun {
  server: string;
  kitStartedHere: boolean;
  harness: string;
  containers: number;
  cold: WorkloadLatency;
  warm: WorkloadLatency;
  scan: {
    pods: number;
    failing: number;
    pageLimit: number;
    /** Distinct (credential, repository, reference) among the failing Pods' containers. */
    distinctTargets: number;
    /** The registry and token calls those targets need once each (by what the registry holds). */
    expectedCalls: RegistryCalls;
    /** Each round on a fresh regcred process (empty cache), then the same scan again on it. */
    rounds: Array<{ cold: ScanMeasure; warm: ScanMeasure }>;
  };
  durationS: number;
}

export type PullcheckResults = { skipped: string } | PullcheckRun;

/** Nearest-rank percentile of ascending `sorted`. */
export function nearestRank(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const calls = (c: RegistryCalls) => `${c.registry} registry + ${c.token} token`;

export function pullcheckLines(r: PullcheckResults): string[] {
  if ('skipped' in r) return ['', `pull check: SKIPPED (${r.skipped})`];
  const workload = (label: string, w: WorkloadLatency) =>
    `  ${label}: p50 ${fixed(w.p50Ms, 1)} ms, p99 ${fixed(w.p99Ms, 1)} ms, max ${fixed(w.maxMs, 1)} ms over ${w.requests} requests (${w.failed} failed), regcred CPU ${fixed(w.cpuMsPerRequest, 1)} ms/request; ` +
    `calls ${calls(w.calls)} = ${fixed(w.callsPerRequest.registry, 2)} + ${fixed(w.callsPerRequest.token, 2)} per request; load ${fixed(w.loadAverage1m)}`;
  const scan = (m: ScanMeasure) =>
    `${fixed(m.ms / 1000, 2)} s (regcred CPU ${m.cpuMs} ms), ${m.pages} pages, ${m.scanned} scanned, ${m.diagnosed} diagnosed (${Object.entries(
      m.verdicts,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), calls ${calls(m.calls)}, load ${fixed(m.loadAverage1m)}`;
  return [
    '',
    `pull check (${r.durationS} s): ${r.harness}`,
    workload(`POST, ${r.containers}-container Deployment, cold (new tags every request)`, r.cold),
    workload(`POST, the same, warm (cached answers)`, r.warm),
    `  scan of ${r.scan.pods} Pods (${r.scan.failing} failing, limit ${r.scan.pageLimit}): ${r.scan.distinctTargets} distinct (credential, repository, reference), needing ${calls(r.scan.expectedCalls)} calls once each`,
    ...r.scan.rounds.flatMap((round, i) => [
      `    round ${i + 1} cold: ${scan(round.cold)}`,
      `    round ${i + 1} warm: ${scan(round.warm)}`,
    ]),
  ];
}
