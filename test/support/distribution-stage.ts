import { Buffer } from 'node:buffer';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { ControllerObserver } from '../../src/controller/distribution-controller.js';
import type { Cluster } from '../../src/domain/cluster.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL, DISTRIBUTION_VERSION } from '../../src/domain/distributions/distribution.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import { createServiceAccountDirectly, removeNamespace } from '../cluster/real-service-accounts.js';
import { adminKubeConfig, kitKubeconfigPath, realClusterAvailable, uniqueName } from './real-cluster.js';
import { applyDistributionCrd } from './regcred-replicas.js';

/** One cluster to run the distribution controller against, and what a test does to it behind the controller's back. */
export interface Stage {
  cluster: Cluster;
  distributions: DistributionCluster;
  /** A fresh namespace standing for regcred's own. */
  ownNamespace: string;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  setNamespaceLabels(name: string, labels: Record<string, string>): Promise<void>;
  createServiceAccount(namespace: string, name: string, imagePullSecrets?: string[]): Promise<void>;
  /** Removes the namespaces it made and the distributions named (finalizers first). */
  cleanup(distributionNames?: readonly string[]): Promise<void>;
}

export const STAGE_CANARY = 'canary-pw-7f3a';

/** A config.json for registry.example.com with this password, base64-encoded as a Secret's data. */
export const stageConfigJson = (password: string): string =>
  Buffer.from(
    JSON.stringify({
      auths: { 'registry.example.com': { username: 'ci', password, auth: Buffer.from(`ci:${password}`).toString('base64') } },
    }),
  ).toString('base64');

export function memoryStage(): Stage {
  const ownNamespace = uniqueName('regcred-own');
  const cluster = new MemoryCluster({ namespaces: [ownNamespace, 'kube-system'] });
  return {
    cluster,
    distributions: new MemoryDistributions(cluster),
    ownNamespace,
    createNamespace: async (name, labels = {}) => cluster.addNamespace(name, labels),
    setNamespaceLabels: async (name, labels) => cluster.addNamespace(name, labels),
    createServiceAccount: async (namespace, name, imagePullSecrets = []) =>
      void cluster.seedServiceAccount({ namespace, name, imagePullSecrets }),
    cleanup: async () => undefined,
  };
}

export async function kitStage(): Promise<Stage> {
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const namespaces: string[] = [];
  const createNamespace = async (name: string, labels: Record<string, string> = {}) => {
    await core.createNamespace({ body: { metadata: { name, labels } } });
    namespaces.push(name);
  };
  const ownNamespace = uniqueName('regcred-own');
  await createNamespace(ownNamespace);
  return {
    cluster: new KubernetesCluster(admin, { timeoutMs: 5000 }),
    distributions: new KubernetesDistributions(admin, { timeoutMs: 5000 }),
    ownNamespace,
    createNamespace,
    setNamespaceLabels: async (name, labels) =>
      void (await core.patchNamespace({ name, body: [{ op: 'replace', path: '/metadata/labels', value: labels }] })),
    createServiceAccount: async (namespace, name, imagePullSecrets = []) =>
      void (await createServiceAccountDirectly({ namespace, name, imagePullSecrets })),
    cleanup: async (distributionNames = []) => {
      const custom = admin.makeApiClient(CustomObjectsApi);
      const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
      for (const name of distributionNames) {
        await custom
          .patchClusterCustomObject({ ...CR, name, body: [{ op: 'add', path: '/metadata/finalizers', value: [] }] })
          .catch(() => undefined);
        await custom.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
      }
      for (const name of namespaces) await removeNamespace(name).catch(() => undefined);
    },
  };
}

/** The in-memory cluster, and the kit when the real-cluster suites run: for `describe.each`. */
export function distributionStages(): Array<[string, () => Promise<Stage>]> {
  const stages: Array<[string, () => Promise<Stage>]> = [['the in-memory cluster', async () => memoryStage()]];
  if (realClusterAvailable()) stages.push(['kube-apiserver v1.20 (kit)', kitStage]);
  return stages;
}

/** The CRD on the shared kit (a no-op without it). */
export async function applyCrdWhenOnKit(): Promise<void> {
  if (realClusterAvailable()) await applyDistributionCrd(kitKubeconfigPath());
}

/** An observer that records what the controller reports (`unexpected` errors into the array given, if one is). */
export function recordingObserver(into: { unexpected?: unknown[] } = {}) {
  const seen = {
    restored: [] as string[],
    failed: [] as string[],
    refused: [] as string[],
    rolledOut: 0,
    unexpected: into.unexpected ?? ([] as unknown[]),
    errors: [] as unknown[],
    reconciles: 0,
    /** By distribution: on the shared kit the controller also sees other suites' distributions. */
    reconcilesOf: new Map<string, number>(),
  };
  const observer: ControllerObserver = {
    restored: (_d, namespace, how) => seen.restored.push(`${namespace}:${how}`),
    failed: (_d, namespace, reason) => seen.failed.push(`${namespace}:${reason}`),
    refused: (d, problem) => seen.refused.push(`${d.name}:${problem}`),
    rolledOut: () => void seen.rolledOut++,
    unexpected: (error) => seen.unexpected.push(error),
    reconciled: (_d, name, result) => {
      seen.reconciles++;
      seen.reconcilesOf.set(name, (seen.reconcilesOf.get(name) ?? 0) + 1);
      if ('error' in result) seen.errors.push(result.error);
    },
    informer: () => undefined,
  };
  return { observer, seen };
}
