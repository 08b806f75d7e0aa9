import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../config.js';
import type { AccessReviewer } from '../../domain/access/access-policy.js';
import type { DistributionCluster } from '../../domain/distributions/distribution-cluster.js';
import type { KubeconfigSource } from './kubeconfig-source.js';
import { KubernetesAccessReviewer } from './reviews.js';
import { KeepAliveAgents } from './keep-alive-agent.js';
import { KubernetesDistributions } from './distributions.js';
import { KubernetesCluster } from './cluster.js';

// This module is the only way in to @kubernetes/client-node at start-up, and create-cluster loads
// it only for a real cluster: importing the client costs about 80 MB of memory, which the embedded
// cluster (`npm start` on a fresh machine) never needs.

export interface KubernetesConnection {
  cluster: KubernetesCluster;
  reviewer: AccessReviewer;
  /** The distribution controller's port, same identity and connection pool. */
  distributions: DistributionCluster;
}

/** The cluster adapter and the access reviewer for what findKubeconfig found, sharing one identity. */
export function connectToKubernetes(source: Exclude<KubeconfigSource, { kind: 'none' }>, timeoutMs: number): KubernetesConnection {
  const kubeConfig = loadKubeconfig(source);
  const agents = new KeepAliveAgents();
  return {
    cluster: new KubernetesCluster(kubeConfig, { timeoutMs, agents }),
    reviewer: new KubernetesAccessReviewer(kubeConfig, { timeoutMs, agents }),
    distributions: new KubernetesDistributions(kubeConfig, { timeoutMs, agents }),
  };
}

/** Loads what findKubeconfig found; throws ConfigError with a message that never quotes the file. */
export function loadKubeconfig(source: Exclude<KubeconfigSource, { kind: 'none' }>): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (source.kind === 'in-cluster') {
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'in-cluster',
          server: source.server,
          caFile: join(source.serviceAccountDir, 'ca.crt'),
          // client-node refuses a plain-http server unless told to skip TLS verification, and there is no TLS to verify.
          skipTLSVerify: source.server.startsWith('http:'),
        },
      ],
      users: [
        { name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: join(source.serviceAccountDir, 'token') } } },
      ],
      contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
      currentContext: 'in-cluster',
    });
    return kubeConfig;
  }
  const [first, ...rest] = source.files;
  loadFile(kubeConfig, first);
  for (const file of rest) {
    const next = new KubeConfig();
    loadFile(next, file);
    // Like kubectl, the first file that sets current-context wins.
    kubeConfig.mergeConfig(next, Boolean(kubeConfig.currentContext));
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError(
      `the kubeconfig from ${source.origin} has no usable current context ("${kubeConfig.getCurrentContext() ?? ''}" names no context with a cluster)`,
    );
  }
  return kubeConfig;
}

function loadFile(kubeConfig: KubeConfig, file: string): void {
  try {
    kubeConfig.loadFromFile(file);
  } catch (error) {
    // A YAML parser's message quotes the offending lines, which may hold a token: report the line only.
    const { code, mark } = error as { code?: unknown; mark?: { line?: number } };
    const why =
      typeof code === 'string' ? code : mark?.line !== undefined ? `invalid YAML at line ${mark.line + 1}` : 'not a valid kubeconfig';
    throw new ConfigError(`cannot load kubeconfig ${file}: ${why}`);
  }
}
