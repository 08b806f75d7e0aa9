import { fixed, verdict } from './format.js';
import { round } from './load.js';

export const CLOUD_TARGETS = { leadShareMin: 0.4, expiredCopiesMax: 0 };

export interface CloudRefresh {
  index: number;
  /** GetAuthorizationToken calls answered with an injected error before this refresh's token. */
  failedCalls: number;
  /** From the first failed call to the call that minted the token. */
  mintDelayedMs: number;
  /** From the fake's answer with the new token until the watch saw every copy carry it. */
  mintToAllCopiesMs: number;
  /** Time left on the old token when every copy carried the new one; leadShare is that over the lifetime. */
  leadMs: number;
  leadShare: number;
  /** GetAuthorizationToken calls that minted a token for this refresh: the target is 1. */
  ecrCalls: number;
  /** regcred_distribution_writes_total of the distribution over the refresh (copies replaced). */
  writes: number;
  /** Copies the watch saw change token over the refresh. */
  copyTokenChanges: number;
}

export interface CloudPhase {
  namespaces: number;
  lifetimeSeconds: number;
  firstMint: { ecrCalls: number; mintToAllCopiesMs: number };
  refreshes: CloudRefresh[];
  leadShareMin: number;
  leadShareMedian: number;
  /** Copies that ever carried a token past its expiry: the target is 0. */
  expiredCopies: number;
  maxPastExpiryMs: number;
  regcredPeakRssMB: number;
}

export interface CloudWriteRate {
  copies: number;
  writesPerRefresh: number;
  refreshesPerHour: number;
  writesPerHour: number;
  /** Averaged over the hour; each refresh writes them in one burst. */
  writesPerSecond: number;
}

export interface CloudRun {
  server: string;
  kitStartedHere: boolean;
  harness: string;
  rollout: CloudPhase;
  failures: CloudPhase;
  /** A 15-minute token refreshed at 52.5 % of its life, from the writes measured per refresh. */
  writeRates: CloudWriteRate[];
  durationS: number;
}

export type CloudResults = { skipped: string } | CloudRun;

const FIFTEEN_MINUTES_S = 900;
const REFRESH_SHARE = 0.525;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The API writes a 15-minute token causes: the copies replaced per refresh as measured at `measuredAt`
 * copies, scaled per copy, plus the one write of the source Secret, times the refreshes an hour.
 */
export function cloudWriteRates(writesPerRefresh: number, measuredAt: number, copies: number[] = [1000, 50_000]): CloudWriteRate[] {
  const refreshesPerHour = 3600 / (REFRESH_SHARE * FIFTEEN_MINUTES_S);
  return copies.map((n) => {
    const perRefresh = (writesPerRefresh / measuredAt) * n + 1;
    const perHour = perRefresh * refreshesPerHour;
    return {
      copies: n,
      writesPerRefresh: round(perRefresh, 0),
      refreshesPerHour: round(refreshesPerHour, 2),
      writesPerHour: round(perHour, 0),
      writesPerSecond: round(perHour / 3600, 2),
    };
  });
}

export function cloudMet(run: CloudRun): { lead: boolean; expired: boolean } {
  const phases = [run.rollout, run.failures];
  return {
    lead: run.rollout.leadShareMin >= CLOUD_TARGETS.leadShareMin,
    expired: phases.every((p) => p.expiredCopies <= CLOUD_TARGETS.expiredCopiesMax),
  };
}

/** The figure | goal | measured table, as markdown (also written to bench/results/latest-cloud.md). */
export function cloudMarkdown(run: CloudRun): string {
  const { rollout: r, failures: f } = run;
  const met = cloudMet(run);
  const pct = (x: number) => `${fixed(x * 100, 1)} %`;
  const s = (ms: number) => `${fixed(ms / 1000, 2)} s`;
  const rollouts = r.refreshes.map((x) => x.mintToAllCopiesMs);
  const failed = f.refreshes.filter((x) => x.failedCalls > 0);
  const rate = (n: number) => run.writeRates.find((w) => w.copies === n)!;
  const rows = [
    '| figure | goal | measured |',
    '|---|---|---|',
    `| mint → all ${r.namespaces} copies carry the token (first mint) | informative | ${s(r.firstMint.mintToAllCopiesMs)} (${r.firstMint.ecrCalls} GetAuthorizationToken call) |`,
    `| mint → all ${r.namespaces} copies, at each refresh (${r.refreshes.length}), min / median / max | informative | ${s(Math.min(...rollouts))} / ${s(median(rollouts))} / ${s(Math.max(...rollouts))} |`,
    `| lead kept: life left on the old token when all ${r.namespaces} copies carry the new one (${r.lifetimeSeconds} s tokens), min / median | ≥ 40 % — ${verdict(met.lead)} | ${pct(r.leadShareMin)} / ${pct(r.leadShareMedian)} |`,
    `| GetAuthorizationToken calls per refresh (${r.namespaces} copies) | 1 | ${[...new Set(r.refreshes.map((x) => x.ecrCalls))].join(', ')} |`,
    `| copies that ever carried an expired token: ${f.refreshes.length} refreshes of ${f.lifetimeSeconds} s tokens over ${f.namespaces} namespaces, ${failed.length} of them after ${failed.map((x) => x.failedCalls).join('/')} failed calls (mint delayed ${failed.map((x) => fixed(x.mintDelayedMs / 1000, 1)).join('/')} s) | 0 — ${verdict(met.expired)} | ${f.expiredCopies} (and ${r.expiredCopies} in the ${r.namespaces}-namespace run) |`,
    `| lead kept in that run, min / median | informative | ${pct(f.leadShareMin)} / ${pct(f.leadShareMedian)} |`,
    `| writes per refresh at ${r.namespaces} copies (regcred_distribution_writes_total; copies the watch saw change) | informative | ${median(r.refreshes.map((x) => x.writes))} (+1 source Secret); ${median(r.refreshes.map((x) => x.copyTokenChanges))} |`,
    `| API writes a 15-minute token causes at 1,000 copies (${rate(1000).refreshesPerHour} refreshes/h at 52.5 %) | informative | ${rate(1000).writesPerHour}/h (${fixed(rate(1000).writesPerSecond)}/s averaged; ${rate(1000).writesPerRefresh} in a burst per refresh) |`,
    `| the same at 50,000 copies (computed) | informative | ${rate(50_000).writesPerHour}/h (${fixed(rate(50_000).writesPerSecond)}/s averaged; ${rate(50_000).writesPerRefresh} in a burst per refresh) |`,
    `| regcred peak RSS (${r.namespaces} copies) | informative | ${fixed(r.regcredPeakRssMB, 1)} MB |`,
  ];
  return `${rows.join('\n')}\n`;
}

export function cloudLines(cloud: CloudResults): string[] {
  if ('skipped' in cloud) return [`cloud: SKIPPED: ${cloud.skipped}`];
  return [
    '',
    `cloud tokens against ${cloud.server}${cloud.kitStartedHere ? ' (a kit the bench started and stopped)' : ''}, ${cloud.durationS} s`,
    `  harness: ${cloud.harness}`,
    ...cloudMarkdown(cloud)
      .trimEnd()
      .split('\n')
      .map((line) => `  ${line}`),
    ...[cloud.rollout, cloud.failures].flatMap((phase) =>
      phase.refreshes.map(
        (x) =>
          `  ${phase.namespaces} ns, ${phase.lifetimeSeconds} s tokens, refresh ${x.index}: ${x.failedCalls} failed calls, ` +
          `mint → all copies ${fixed(x.mintToAllCopiesMs / 1000)} s, lead ${fixed(x.leadShare * 100, 1)} %, ${x.ecrCalls} mint call(s), ${x.writes} writes`,
      ),
    ),
  ];
}
