import { ConfigError, type Config } from '../config.js';
import type { AccessReviewer } from '../domain/access/access-policy.js';
import type { Cluster } from '../domain/cluster.js';
import type { DistributionCluster } from '../domain/distributions/distribution-cluster.js';
import { environmentOfProcess, findKubeconfig, type ClusterEnvironment } from './kubernetes/kubeconfig-source.js';
import { MemoryDistributions } from './memory/distributions.js';
import { MemoryCluster } from './memory/cluster.js';

export type { ClusterEnvironment } from './kubernetes/kubeconfig-source.js';

export interface SelectedCluster {
  cluster: Cluster;
  kind: 'kubernetes' | 'memory';
  /** Which cluster: context and server URL, or the embedded one. Never credentials. */
  description: string;
  /** Why this one was chosen, for the start-up log. */
  reason: string;
  /** TokenReview and SubjectAccessReview with the same identity; only a real cluster has them. */
  reviewer?: AccessReviewer;
  /** The distribution controller's port over the same cluster (and identity). */
  distributions?: DistributionCluster;
}

/**
 * Picks the cluster adapter for config.cluster: `memory`, `kubernetes` (a kubeconfig or the pod's
 * service account must be found, else ConfigError), or `auto`: kubernetes when either is found,
 * memory otherwise.
 */
export async function createCluster(config: Config, env: ClusterEnvironment = environmentOfProcess()): Promise<SelectedCluster> {
  if (config.cluster === 'memory') return memoryCluster(config, 'REGCRED_CLUSTER=memory');
  const source = findKubeconfig(config.kubeconfig, env);
  if (source.kind === 'none') {
    if (config.cluster === 'kubernetes') {
      throw new ConfigError(`REGCRED_CLUSTER=kubernetes, but no cluster configuration was found: ${source.searched}`);
    }
    return memoryCluster(config, `REGCRED_CLUSTER=auto and no cluster configuration was found: ${source.searched}`);
  }
  // Loaded only now: the embedded cluster never pays for the Kubernetes client.
  const { connectToKubernetes } = await import('./kubernetes/connect.js');
  const { cluster, reviewer, distributions } = connectToKubernetes(source, config.clusterTimeoutMs);
  const found = source.kind === 'files' ? `the kubeconfig from ${source.origin}` : "the pod's service account";
  return {
    cluster,
    kind: 'kubernetes',
    description: cluster.description,
    reason: `REGCRED_CLUSTER=${config.cluster}: using ${found}`,
    reviewer,
    distributions,
  };
}

function memoryCluster(config: Config, reason: string): SelectedCluster {
  // regcred's own namespace holds distributions' source Secrets and the leader Lease.
  const namespaces = [...new Set([...config.memoryNamespaces, config.namespace])];
  const cluster = new MemoryCluster({ namespaces });
  return { cluster, kind: 'memory', description: cluster.description, reason, distributions: new MemoryDistributions(cluster) };
}
