import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { RegcredProcess } from './children.js';
import { round } from './load.js';
import type { RegcredClient } from './regcred-client.js';

const CR = { group: 'regcred.io', version: 'v1alpha1', plural: 'pullsecretdistributions' };
const RECONCILES = 'regcred_distribution_reconcile_duration_seconds_count';
const WRITES = 'regcred_distribution_writes_total';

/** From now until the restarted regcred ended its first reconcile, and that reconcile's writes. */
export async function firstReconcile(
  client: RegcredClient,
  name: string,
  waitMs: number,
  died: () => boolean,
): Promise<{ ms: number | null; writes: number }> {
  const started = performance.now();
  while ((await client.metric(RECONCILES)) < 1) {
    if (died() || performance.now() - started > waitMs) return { ms: null, writes: await client.metric(WRITES, { distribution: name }) };
    await sleep(100);
  }
  return { ms: round(performance.now() - started, 0), writes: await client.metric(WRITES, { distribution: name }) };
}

/**
 * Over a window of two resyncs and a second, nothing changing: the distribution's writes, the copies
 * with a new resourceVersion, whether its status was written, and regcred's CPU per reconcile less
 * what it spends idle (`idleCpuPerSecond`, measured before there was any distribution).
 */
export async function resyncWindow(
  client: RegcredClient,
  server: RegcredProcess,
  core: CoreV1Api,
  custom: CustomObjectsApi,
  name: string,
  resyncSeconds: number,
  idleCpuPerSecond: number | undefined,
) {
  const windowSeconds = 2 * resyncSeconds + 1;
  const snapshot = async () => {
    const listing = await core.listSecretForAllNamespaces({ labelSelector: `regcred.io/distribution=${name}` });
    const cr = (await custom.getClusterCustomObject({ ...CR, name })) as { metadata?: { resourceVersion?: string } };
    return {
      at: performance.now(),
      cpu: server.cpuSeconds(),
      writes: await client.metric(WRITES, { distribution: name }),
      reconciles: await client.metric(RECONCILES),
      versions: new Map(listing.items.map((s) => [s.metadata!.namespace!, s.metadata!.resourceVersion])),
      crVersion: cr.metadata?.resourceVersion,
    };
  };
  const before = await snapshot();
  await sleep(windowSeconds * 1000);
  const after = await snapshot();
  const reconciles = after.reconciles - before.reconciles;
  const idleCpu = (idleCpuPerSecond ?? 0) * ((after.at - before.at) / 1000);
  return {
    windowSeconds,
    reconciles,
    writes: after.writes - before.writes,
    copiesRewritten: [...after.versions].filter(([key, version]) => before.versions.get(key) !== version).length,
    statusWritten: after.crVersion !== before.crVersion,
    cpuSecondsPerResync: reconciles > 0 ? round((after.cpu - before.cpu) / reconciles, 3) : null,
    cpuSecondsPerResyncLessIdle: reconciles > 0 ? round((after.cpu - before.cpu - idleCpu) / reconciles, 3) : null,
  };
}
