import { ALL_SERVICE_ACCOUNTS, type DistributionObject, type DistributionStatus } from '../domain/distributions/distribution.js';
import type { DistributionNamespaceOutcome } from '../domain/distributions/distribution-status.js';
import type { ReconcileDependencies } from './reconcile-dependencies.js';

/**
 * Pods admitted before their ServiceAccount was linked: a Pod copies its ServiceAccount's
 * imagePullSecrets only when created. Looked for where this pass linked, and where some were
 * reported before (to drop the ones re-created since); reported, never evicted.
 */
export async function podsLackingSecret(
  deps: Pick<ReconcileDependencies, 'caches' | 'distributions'>,
  distribution: DistributionObject,
  outcomes: readonly DistributionNamespaceOutcome[],
): Promise<DistributionStatus['podsLackingSecret']> {
  const { secretName } = distribution.spec;
  const linkedNow = outcomes.filter((o) => (o.linked?.length ?? 0) > 0).map((o) => o.namespace);
  const reportedBefore = (distribution.status?.podsLackingSecret ?? []).map((p) => p.namespace);
  const targeted = new Set(outcomes.filter((o) => o.state !== 'excluded').map((o) => o.namespace));
  const toCheck = [...new Set([...linkedNow, ...reportedBefore])].filter((ns) => targeted.has(ns)).slice(0, MAX_POD_NAMESPACES_PER_PASS);
  if (toCheck.length === 0 && reportedBefore.length === 0) return undefined;
  const lacking: NonNullable<DistributionStatus['podsLackingSecret']> = [];
  for (const namespace of toCheck) {
    const wanted = new Set(selectedNames(distribution, deps, namespace));
    try {
      for (const pod of await deps.distributions.listPods(namespace)) {
        if (wanted.has(pod.serviceAccountName) && !pod.imagePullSecrets.includes(secretName))
          lacking.push({ namespace, name: pod.name, serviceAccountName: pod.serviceAccountName });
      }
    } catch {
      // A namespace whose Pods cannot be read keeps its earlier report.
      lacking.push(...(distribution.status?.podsLackingSecret ?? []).filter((p) => p.namespace === namespace));
    }
  }
  lacking.sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  return lacking.slice(0, MAX_PODS_REPORTED);
}

const MAX_POD_NAMESPACES_PER_PASS = 20;
export const MAX_PODS_REPORTED = 100;

function selectedNames(distribution: DistributionObject, deps: Pick<ReconcileDependencies, 'caches'>, namespace: string): string[] {
  const wanted = distribution.spec.serviceAccounts;
  return wanted.includes(ALL_SERVICE_ACCOUNTS) ? deps.caches.serviceAccountsIn(namespace).map((sa) => sa.name) : wanted;
}
