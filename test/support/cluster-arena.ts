import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster, type MemoryClusterOptions, type SeedSecret } from '../../src/cluster/memory/cluster.js';
import type { SeedServiceAccount } from '../../src/cluster/memory/service-accounts.js';
import type { PodContainerState, SeedPod } from '../../src/cluster/memory/pods.js';
import { kubernetesGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import type { Cluster, ServiceAccountObject } from '../../src/domain/cluster.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL, DISTRIBUTION_VERSION } from '../../src/domain/distributions/distribution.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import type { SecretObject } from '../../src/domain/kubernetes/secret.js';
import { applyDistributionCrd } from './distribution-crd.js';
import {
  adminKubeConfig,
  createSecretDirectly,
  createServiceAccountDirectly,
  readServiceAccountDirectly,
  realClusterAvailable,
  removeNamespace,
  uniqueName,
} from './real-cluster.js';
import { apiStored, portStored, type Stored } from './stored-object.js';

// The clusters the suites run against, one interface for both: the in-memory one, and the shared
// kit's kube-apiserver when the real-cluster suites run. Use it as `describe.each(clusterArenas())`.

export type { Stored } from './stored-object.js';

/** One cluster, and what a test does to it behind the back of the code under test. */
export interface ClusterArena {
  kind: 'memory' | 'kit';
  /** The cluster as its admin sees it: to arrange and inspect, and for the code under test. */
  cluster: Cluster;
  /** A client of its own for the same cluster, as a second regcred replica has (on memory the same cluster). */
  connect(timeoutMs?: number): Cluster;
  distributions: DistributionCluster;
  /** A namespace standing for regcred's own: the source Secrets go there. */
  ownNamespace: string;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  setNamespaceLabels(name: string, labels: Record<string, string>): Promise<void>;
  /** Marks it Terminating, removes its Secrets and ServiceAccounts, then the namespace. */
  deleteNamespace(name: string): Promise<void>;
  /** Stores a ServiceAccount with every field given, bypassing the code under test. */
  seedServiceAccount(seed: SeedServiceAccount): Promise<ServiceAccountObject>;
  /** Every field a seed can set, as stored, or undefined when there is no such ServiceAccount. */
  readServiceAccountFields(namespace: string, name: string): Promise<Required<SeedServiceAccount> | undefined>;
  deleteServiceAccount(namespace: string, name: string): Promise<void>;
  /** A Pod that is never scheduled (its ServiceAccount must exist); absent containers: one `app`. Ephemeral containers: memory only. */
  createPod(pod: SeedPod): Promise<void>;
  /** Sets its containers' states as the kubelet would, through the Pod's /status (a container not named: running). */
  setContainerStates(namespace: string, pod: string, states: PodContainerState[]): Promise<void>;
  /** The Events recorded about a distribution. */
  eventsAbout(name: string): Promise<{ type: string; reason: string; message: string; uid?: string }[]>;
  /** Stores a Secret as given, bypassing the code under test (an immutable one, say). */
  seedSecret(secret: SeedSecret): Promise<SecretObject>;
  /** The stored Secret in the own namespace, or undefined. */
  storedSource(name: string): Promise<Stored | undefined>;
  /** The stored PullSecretDistribution, or undefined. */
  storedDistribution(name: string): Promise<Stored | undefined>;
  /** A distribution name no other test (or run) uses; removed at cleanup, finalizers and all. */
  unique(prefix: string): string;
  /** A gatekeeper in kubernetes mode (the kit only). */
  kubernetesGatekeeper?: () => Gatekeeper;
  /** Removes the namespaces it made, the distributions `unique` named and those given (finalizers first). */
  cleanup(distributionNames?: readonly string[]): Promise<void>;
}

/** How the in-memory cluster starts. */
export interface MemoryArenaOptions extends Partial<MemoryClusterOptions> {
  /** regcred's own namespace: a fresh name unless given. */
  ownNamespace?: string;
  /** The namespaces it holds at the start, in order: the own one and kube-system unless given. */
  namespaces?: MemoryClusterOptions['namespaces'];
}

const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
const TIMEOUT = { timeoutMs: 5000 };

export function memoryArena(options: MemoryArenaOptions = {}): ClusterArena {
  const ownNamespace = options.ownNamespace ?? uniqueName('regcred-own');
  const { ownNamespace: _, namespaces, ...rest } = options;
  const cluster = new MemoryCluster({ ...rest, namespaces: namespaces ?? [ownNamespace, 'kube-system'] });
  const distributions = new MemoryDistributions(cluster);
  let n = 0;
  return {
    kind: 'memory',
    cluster,
    connect: () => cluster,
    distributions,
    ownNamespace,
    createNamespace: async (name, labels = {}) => cluster.addNamespace(name, labels),
    setNamespaceLabels: async (name, labels) => cluster.addNamespace(name, labels),
    deleteNamespace: async (name) => cluster.deleteNamespace(name),
    deleteServiceAccount: async (namespace, name) => void cluster.deleteServiceAccount(namespace, name),
    createPod: async (pod) => void cluster.seedPod(pod),
    setContainerStates: async (namespace, pod, states) => void cluster.setPodContainerStates(namespace, pod, states),
    eventsAbout: async (name) =>
      distributions.events
        .filter((e) => e.distribution.name === name)
        .map((e) => ({ type: e.type, reason: e.reason, message: e.message, uid: e.distribution.uid })),
    seedServiceAccount: async (seed) => cluster.seedServiceAccount(seed),
    readServiceAccountFields: async (namespace, name) => cluster.readServiceAccountFields(namespace, name),
    seedSecret: async (secret) => cluster.seedSecret(secret),
    storedSource: async (name) => portStored(await cluster.readSecret(ownNamespace, name)),
    storedDistribution: async (name) => portStored(await distributions.readDistribution(name)),
    unique: (prefix) => `${prefix}-${++n}`,
    cleanup: async () => undefined,
  };
}

let crdApplied: Promise<void> | undefined;

/** The shared kit through its admin, with a fresh own namespace; the CRD is applied once per worker. */
export async function kitArena(): Promise<ClusterArena> {
  crdApplied ??= applyDistributionCrd();
  await crdApplied;
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const custom = admin.makeApiClient(CustomObjectsApi);
  const namespaces: string[] = [];
  const named: string[] = [];
  const createNamespace = async (name: string, labels: Record<string, string> = {}) => {
    await core.createNamespace({ body: { metadata: { name, labels } } });
    namespaces.push(name);
  };
  const ownNamespace = uniqueName('regcred-own');
  await createNamespace(ownNamespace);
  return {
    kind: 'kit',
    cluster: new KubernetesCluster(admin, TIMEOUT),
    connect: (timeoutMs = TIMEOUT.timeoutMs) => new KubernetesCluster(adminKubeConfig(), { timeoutMs }),
    distributions: new KubernetesDistributions(admin, TIMEOUT),
    ownNamespace,
    createNamespace,
    setNamespaceLabels: async (name, labels) =>
      void (await core.patchNamespace({ name, body: [{ op: 'add', path: '/metadata/labels', value: labels }] })),
    deleteNamespace: removeNamespace,
    deleteServiceAccount: async (namespace, name) => void (await core.deleteNamespacedServiceAccount({ namespace, name })),
    createPod: async ({ namespace, name, serviceAccountName, imagePullSecrets = [], containers }) => {
      // No token controller in the kit: without automountServiceAccountToken the admission waits for a token Secret.
      const spec = {
        ...(serviceAccountName ? { serviceAccountName } : {}),
        automountServiceAccountToken: false,
        imagePullSecrets: imagePullSecrets.map((n) => ({ name: n })),
      };
      const given = containers ?? [{ kind: 'container', name: 'app', image: 'registry.example.com/app:1' }];
      if (given.some((c) => c.kind === 'ephemeralContainer')) throw new Error('the kit (v1.20) cannot create ephemeral containers');
      const of = (kind: string) =>
        given.filter((c) => c.kind === kind).map(({ name: n, image, imagePullPolicy }) => ({ name: n, image, imagePullPolicy }));
      const pod = { ...spec, initContainers: of('initContainer'), containers: of('container') };
      await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: pod } });
    },
    setContainerStates: async (namespace, name, states) => {
      const pod = await core.readNamespacedPod({ namespace, name });
      const statusOf = ({ name: n, image }: { name: string; image?: string }) => {
        const reason = states.find((s) => s.name === n)?.waiting;
        const state = reason ? { waiting: { reason, message: 'set by the test' } } : { running: { startedAt: new Date() } };
        return { name: n, image: image ?? '', imageID: '', ready: !reason, restartCount: 0, state };
      };
      pod.status = {
        ...pod.status,
        initContainerStatuses: (pod.spec?.initContainers ?? []).map(statusOf),
        containerStatuses: (pod.spec?.containers ?? []).map(statusOf),
      };
      await core.replaceNamespacedPodStatus({ namespace, name, body: pod });
    },
    eventsAbout: async (name) => {
      const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
      return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', uid: e.involvedObject.uid }));
    },
    seedServiceAccount: createServiceAccountDirectly,
    readServiceAccountFields: readServiceAccountDirectly,
    seedSecret: createSecretDirectly,
    storedSource: (name) => core.readNamespacedSecret({ namespace: ownNamespace, name }).then(apiStored, () => undefined),
    storedDistribution: (name) => custom.getClusterCustomObject({ ...CR, name }).then(apiStored, () => undefined),
    unique: (prefix) => {
      const name = uniqueName(prefix);
      named.push(name);
      return name;
    },
    kubernetesGatekeeper: () => kubernetesGatekeeper(new KubernetesAccessReviewer(admin, TIMEOUT), { ttlMs: 0 }),
    cleanup: async (distributionNames = []) => {
      for (const name of [...named.splice(0), ...distributionNames]) {
        await custom
          .patchClusterCustomObject({ ...CR, name, body: [{ op: 'add', path: '/metadata/finalizers', value: [] }] })
          .catch(() => undefined);
        await custom.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
      }
      for (const name of namespaces.splice(0)) await removeNamespace(name).catch(() => undefined);
    },
  };
}

/** The title of the kit's arena in `describe.each`. */
export const KIT_ARENA = 'a real kube-apiserver (kit)';

/** [title, make]: the in-memory cluster, and the kit when the real-cluster suites run (no suite is loaded that cannot run). */
export function clusterArenas(memory: MemoryArenaOptions = {}): Array<[string, () => Promise<ClusterArena>]> {
  const arenas: Array<[string, () => Promise<ClusterArena>]> = [['the in-memory cluster', async () => memoryArena(memory)]];
  if (realClusterAvailable()) arenas.push([KIT_ARENA, kitArena]);
  return arenas;
}

/** The in-memory cluster as the HTTP suites know it: regcred's own namespace is `regcred`, beside default and team-a. */
export const HTTP_MEMORY_ARENA: MemoryArenaOptions = {
  ownNamespace: 'regcred',
  namespaces: ['default', 'team-a', 'kube-system', 'regcred'],
};
