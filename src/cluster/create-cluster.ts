import { ConfigError, type Config } from '../config.js';
import type { AccessReviewer } from '../domain/access-policy.js';
import type { Cluster } from '../domain/cluster.js';
import { environmentOfProcess, findKubeconfig, loadKubeconfig, type ClusterEnvironment } from './kubeconfig-source.js';
import { KubernetesAccessReviewer } from './kubernetes-reviews.js';
import { KubernetesCluster } from './kubernetes.js';
import { MemoryCluster } from './memory.js';

export type { ClusterEnvironment } from './kubeconfig-source.js';

export interface SelectedCluster {
  cluster: Cluster;
  kind: 'kubernetes' | 'memory';
  /** Which cluster: context and server URL, or the embedded one. Never credentials. */
  description: string;
  /** Why this one was chosen, for the start-up log. */
  reason: string;
  /** TokenReview and SubjectAccessReview with the same identity; only a real cluster has them. */
  reviewer?: AccessReviewer;
}

/**
 * Picks the cluster adapter for config.cluster: `memory`, `kubernetes` (a kubeconfig or the pod's
 * service account must be found, else ConfigError), or `auto`: kubernetes when either is found,
 * memory otherwise.
 */
export function createCluster(config: Config, env: ClusterEnvironment = environmentOfProcess()): SelectedCluster {
  if (config.cluster === 'memory') return memoryCluster(config, 'REGCRED_CLUSTER=memory');
  const source = findKubeconfig(config.kubeconfig, env);
  if (source.kind === 'none') {
    if (config.cluster === 'kubernetes') {
      throw new ConfigError(`REGCRED_CLUSTER=kubernetes, but no cluster configuration was found: ${source.searched}`);
    }
    return memoryCluster(config, `REGCRED_CLUSTER=auto and no cluster configuration was found: ${source.searched}`);
  }
  const kubeConfig = loadKubeconfig(source);
  const cluster = new KubernetesCluster(kubeConfig, { timeoutMs: config.clusterTimeoutMs });
  const reviewer = new KubernetesAccessReviewer(kubeConfig, { timeoutMs: config.clusterTimeoutMs });
  const found = source.kind === 'files' ? `the kubeconfig from ${source.origin}` : "the pod's service account";
  return { cluster, kind: 'kubernetes', description: cluster.description, reason: `REGCRED_CLUSTER=${config.cluster}: using ${found}`, reviewer };
}

function memoryCluster(config: Config, reason: string): SelectedCluster {
  const cluster = new MemoryCluster({ namespaces: config.memoryNamespaces });
  return { cluster, kind: 'memory', description: cluster.description, reason };
}
