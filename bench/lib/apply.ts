import { productionNodeFlags, startServer, type ServerProcess } from './children.js';
import { applyRequest } from './fixtures.js';
import type { Kit } from './kit.js';
import { compare, type MemoryWatch, type Settings } from './measure.js';
import { createBenchNamespace } from './namespace.js';
import { isClean, TARGETS, type ApplyRun, type Results } from './report.js';

const HARNESS =
  'both sides are HTTP servers in child processes driven identically by autocannon (alternating rounds): regcred (KubernetesCluster from the kit kubeconfig) ' +
  'vs a bare Express 5 app making the calls regcred makes for an update, directly (readNamespacedSecret, then patchNamespacedSecret with the same JSON patch and resourceVersion precondition, over the same keep-alive agent); ' +
  'every request a real update (password varies per request), one secret per connection; the target is judged at 1 connection';

// Well above the slowest PUTs seen (p99 about 200 ms at 4 connections on a busy 2-core machine).
const SETTLE_MS = 500;

const updated = (body: string) => body.includes('"result":"updated"');

/**
 * PUT on regcred against the real API server vs the same API calls made directly, at each
 * concurrency. Registers its clean-up (servers, namespace) in `cleanups`.
 */
export async function benchApply(
  kit: Kit,
  settings: Settings,
  concurrencies: number[],
  watch: MemoryWatch,
  cleanups: Array<() => Promise<void>>,
): Promise<NonNullable<Results['apply']>> {
  const namespace = await createBenchNamespace(kit.kubeconfig);
  cleanups.push(namespace.remove);
  const maxConnections = Math.max(...concurrencies);
  for (let i = 0; i < maxConnections; i++) {
    await namespace.seedSecret(`direct-${i}`);
    await namespace.seedSecret(`regcred-${i}`);
  }
  const [direct, regcred] = await Promise.all([
    startServer('direct client-node (apply)', 'direct-apply-server.ts', [kit.kubeconfig]),
    startServer('regcred (apply)', 'regcred-server.ts', ['kubernetes', kit.kubeconfig], productionNodeFlags()),
  ]);
  cleanups.push(direct.stop, regcred.stop);

  const runs: ApplyRun[] = [];
  for (const connections of concurrencies) {
    const [d, r] = await compare(
      { server: direct, request: applyRequest(namespace.name, 'direct') },
      { server: regcred, request: applyRequest(namespace.name, 'regcred'), watch },
      settings,
      { connections, bodyCheck: updated, settleMs: SETTLE_MS },
    );
    runs.push({ connections, direct: d, regcred: r, p50AddedMs: diff(r.p50Ms, d.p50Ms), p99AddedMs: diff(r.p99Ms, d.p99Ms) });
  }
  recordPeaks(watch, direct, regcred);
  return {
    server: kit.server,
    kitStartedHere: kit.startedHere,
    harness: HARNESS,
    runs,
    met: runs[0]!.p50AddedMs <= TARGETS.applyP50AddedMsMax && clean(runs[0]!),
  };
}

function recordPeaks(watch: MemoryWatch, ...servers: ServerProcess[]): void {
  for (const server of servers) watch.recordPeak(server);
}

function clean(run: ApplyRun): boolean {
  return isClean(run.direct) && isClean(run.regcred);
}

function diff(a: number, b: number): number {
  return Math.round((a - b) * 100) / 100;
}
