import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { spaced, type DistributionWatches } from './distribution-watches.js';
import type { NamespaceBatch } from './namespace.js';
import type { RegcredClient } from './regcred-client.js';
import type { DistributionRun } from './report-distributions.js';

const SECRET = 'regcred';

/** A second distribution linking `default`: per namespace, from the ServiceAccount's creation to the link seen. */
export async function measureLinks(
  client: RegcredClient,
  name: string,
  batch: NamespaceBatch,
  watches: DistributionWatches,
  core: CoreV1Api,
  settings: { links: number; spacingMs: number },
  body: object,
  waitMs: number,
): Promise<Array<number | undefined>> {
  await client.putDistribution(name, body);
  const deadline = performance.now() + waitMs;
  while (!(await client.distributionStatus(name))?.counts && performance.now() < deadline) await sleep(100);
  return spaced(settings.links, settings.spacingMs, async (i) => {
    const namespace = await batch.add(`sa-${i}`);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
    const linked = () => {
      const pullSecrets = (watches.accounts.get(namespace, 'default')?.imagePullSecrets ?? []) as Array<{ name?: string }>;
      return pullSecrets.some((s) => s.name === SECRET);
    };
    return { latency: watches.accounts.when(linked, waitMs) };
  });
}

/** Writes over a window of two resyncs and a second, once the last changes have settled (one resync period). */
export async function measureNoOp(
  client: RegcredClient,
  core: CoreV1Api,
  custom: CustomObjectsApi,
  names: string[],
  resyncSeconds: number,
): Promise<Omit<DistributionRun['noOp'], 'met'>> {
  const windowSeconds = 2 * resyncSeconds + 1;
  process.stderr.write(`  no-op: ${resyncSeconds} s to settle, then ${windowSeconds} s of resyncs\n`);
  await sleep(resyncSeconds * 1000);
  const snapshot = async () => {
    const writes = await Promise.all(names.map((n) => client.metric('regcred_distribution_writes_total', { distribution: n })));
    const listing = await core.listSecretForAllNamespaces({ labelSelector: `regcred.io/distribution in (${names.join(',')})` });
    const crs = await Promise.all(
      names.map((n) =>
        custom.getClusterCustomObject({ group: 'regcred.io', version: 'v1alpha1', plural: 'pullsecretdistributions', name: n }),
      ),
    );
    return {
      writes: writes.reduce((a, b) => a + b, 0),
      reconciles: await client.metric('regcred_distribution_reconcile_duration_seconds_count'),
      versions: new Map(listing.items.map((s) => [`${s.metadata!.namespace}/${s.metadata!.name}`, s.metadata!.resourceVersion])),
      crVersions: crs.map((o) => (o as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion).join(','),
    };
  };
  const before = await snapshot();
  await sleep(windowSeconds * 1000);
  const after = await snapshot();
  const copiesRewritten = [...after.versions].filter(([key, version]) => before.versions.get(key) !== version).length;
  return {
    windowSeconds,
    resyncSeconds,
    reconciles: after.reconciles - before.reconciles,
    writes: after.writes - before.writes,
    copiesRewritten,
    statusWritten: after.crVersions !== before.crVersions,
  };
}
