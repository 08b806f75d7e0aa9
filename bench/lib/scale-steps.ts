import { performance } from 'node:perf_hooks';
import type { CoreV1Api } from '@kubernetes/client-node';
import { spaced, statusOf, type DistributionWatches } from './distribution-watches.js';
import { round } from './load.js';
import type { NamespaceBatch } from './namespace.js';
import type { RegcredClient } from './regcred-client.js';

export const SECRET = 'regcred';
export const ACCOUNT = 'default';

/** PUT the distribution; from the answer until its status counts `namespaces` current, and until the watch saw as many copies. */
export async function coldStart(
  client: RegcredClient,
  watches: DistributionWatches,
  name: string,
  body: object,
  namespaces: number,
  waitMs: number,
): Promise<{ statusCurrentMs: number | null; lastCopySeenMs: number | null }> {
  await client.putDistribution(name, body);
  const t = performance.now();
  const [statusAt, lastCopyAt] = await Promise.all([
    watches.cr.until(() => statusOf(watches.cr, name)?.counts?.current === namespaces, waitMs),
    watches.copies.until(() => watches.copies.objects.size >= namespaces, waitMs),
  ]);
  return {
    statusCurrentMs: statusAt === undefined ? null : round(statusAt - t, 0),
    lastCopySeenMs: lastCopyAt === undefined ? null : round(lastCopyAt - t, 0),
  };
}

/**
 * `events` new matching namespaces, one every `spacingMs`, each followed at once by its `default`
 * ServiceAccount (as the controller-manager makes it); per namespace, from the namespace create's
 * answer until the copy exists and `default` lists it. The namespaces are added to `names`.
 */
export function newNamespaces(
  batch: NamespaceBatch,
  core: CoreV1Api,
  watches: DistributionWatches,
  names: string[],
  settings: { events: number; spacingMs: number; tag: string; waitMs: number },
): Promise<Array<number | undefined>> {
  return spaced(settings.events, settings.spacingMs, async (i) => {
    const namespace = await batch.add(`new-${settings.tag}-${i}`);
    const created = performance.now();
    names.push(namespace);
    const copied = watches.copies.until(() => watches.copies.get(namespace, SECRET) !== undefined, settings.waitMs);
    const linked = watches.accounts.until(() => {
      const pullSecrets = (watches.accounts.get(namespace, ACCOUNT)?.imagePullSecrets ?? []) as Array<{ name?: string }>;
      return pullSecrets.some((s) => s.name === SECRET);
    }, settings.waitMs);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: ACCOUNT } } });
    const latency = Promise.all([copied, linked]).then(([a, b]) =>
      a === undefined || b === undefined ? undefined : Math.max(a, b) - created,
    );
    return { latency };
  });
}
