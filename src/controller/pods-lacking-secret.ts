import { ALL_SERVICE_ACCOUNTS, type DistributionObject, type PodLackingSecret } from '../domain/distributions/distribution.js';
import type { ReconcileDependencies } from './reconcile-dependencies.js';

/**
 * Pods admitted before their ServiceAccount was linked: a Pod copies its ServiceAccount's
 * imagePullSecrets only when created. Looked for in `namespaces` (where a pass linked, and where
 * some were reported before, to drop the ones re-created since), at most a few per pass; reported,
 * never evicted. `checked`: the namespaces whose findings replace what was known there.
 */
export async function podsLackingSecret(
  deps: Pick<ReconcileDependencies, 'caches' | 'distributions'>,
  distribution: DistributionObject,
  reportedBefore: readonly PodLackingSecret[],
  namespaces: readonly string[],
): Promise<{ checked: Set<string>; found: PodLackingSecret[] }> {
  const { secretName } = distribution.spec;
  const checked = new Set([...new Set(namespaces)].slice(0, MAX_POD_NAMESPACES_PER_PASS));
  const found: PodLackingSecret[] = [];
  for (const namespace of checked) {
    const wanted = new Set(selectedNames(distribution, deps, namespace));
    try {
      for (const pod of await deps.distributions.listPods(namespace)) {
        if (wanted.has(pod.serviceAccountName) && !pod.imagePullSecrets.includes(secretName))
          found.push({ namespace, name: pod.name, serviceAccountName: pod.serviceAccountName });
      }
    } catch {
      // A namespace whose Pods cannot be read keeps its earlier report.
      found.push(...reportedBefore.filter((p) => p.namespace === namespace));
    }
  }
  return { checked, found };
}

const MAX_POD_NAMESPACES_PER_PASS = 20;
export const MAX_PODS_REPORTED = 100;

function selectedNames(distribution: DistributionObject, deps: Pick<ReconcileDependencies, 'caches'>, namespace: string): string[] {
  const wanted = distribution.spec.serviceAccounts;
  return wanted.includes(ALL_SERVICE_ACCOUNTS) ? deps.caches.serviceAccountsIn(namespace).map((sa) => sa.name) : wanted;
}
