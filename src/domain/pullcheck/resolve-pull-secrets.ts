import type { WorkloadPodSpec } from './pullcheck-model.js';

/** The ServiceAccount a Pod runs as when its spec names none. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ResolvedPullSecrets {
  serviceAccount: string;
  from: 'pod' | 'serviceAccount';
  /** In the order the kubelet reads them, duplicates kept. */
  names: string[];
}

/**
 * The ServiceAccount admission plugin's rule for a Pod about to be created: its own imagePullSecrets,
 * or — only when it lists none — those of its ServiceAccount (`default` when unnamed). A missing
 * ServiceAccount (`undefined`) adds none; the Pod itself would be refused (verdict `no-serviceaccount`).
 */
export function resolvePullSecrets(pod: WorkloadPodSpec, account: { imagePullSecrets: string[] } | undefined): ResolvedPullSecrets {
  const serviceAccount = pod.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT;
  if (pod.imagePullSecrets.length > 0 || !account) return { serviceAccount, from: 'pod', names: pod.imagePullSecrets };
  return { serviceAccount, from: 'serviceAccount', names: account.imagePullSecrets };
}
