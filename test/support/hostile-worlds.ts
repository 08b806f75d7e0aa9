import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { toSecretObject } from '../../src/cluster/kubernetes/secrets.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { AccessReviewer, Permission } from '../../src/domain/access/access-policy.js';
import { kubernetesGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import type { Cluster, ServiceAccountObject } from '../../src/domain/cluster.js';
import {
  DISTRIBUTION_GROUP,
  DISTRIBUTION_KIND,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_VERSION,
  type DistributionDraft,
} from '../../src/domain/distributions/distribution.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import type { SecretObject } from '../../src/domain/kubernetes/secret.js';
import { applyDistributionCrd } from './distribution-crd.js';
import { kubectl, type KubectlResult } from './kubectl.js';
import { startPrivateKit } from './private-kit.js';

// The two clusters the hostile-tenant suite attacks: the in-memory one, and a kube-apiserver of its
// own (on the shared kit other suites' controllers would claim its unclaimed objects and write
// copies, and the suite asserts that nothing it did not expect changes anywhere).

/** Where the suite's actors live: regcred's two installations and the tenants' namespaces. */
export interface HostileNames {
  /** regcred's own namespace (installation one) and the second installation's. */
  own: string;
  other: string;
  /** alice's namespace: she may use Secrets there. */
  teamA: string;
  /** Every namespace to create besides (kube-system exists on both clusters). */
  namespaces: readonly string[];
}

export type KubernetesUser = 'platform' | 'alice' | 'bob';

export interface HostileWorld {
  /** The cluster as its admin sees it: to arrange and inspect, never the code under test's rights. */
  cluster: Cluster;
  distributions: DistributionCluster;
  /** Ports of their own for one more regcred installation (on memory the same cluster, of course). */
  connect(): { cluster: Cluster; distributions: DistributionCluster };
  createServiceAccount(namespace: string, name: string, imagePullSecrets: string[]): Promise<void>;
  /** Every Secret in the cluster, data included. */
  secrets(): Promise<SecretObject[]>;
  serviceAccounts(): Promise<ServiceAccountObject[]>;
  /** Every Event the cluster holds, as text. */
  eventsText(): Promise<string>;
  /** Stored as a user with rights on pullsecretdistributions alone would: kubectl as alice (kit), the port (memory). */
  applyAsCrdUser(objects: DistributionDraft[]): Promise<void>;
  /** kubectl as a kit user, to show what that user may do without regcred (undefined on memory). */
  kubectlAs?: (user: 'alice' | 'bob', args: string[]) => Promise<KubectlResult>;
  /** Kubernetes mode: platform may do everything; alice has CRD rights cluster-wide and Secrets in teamA; bob Secrets in `own`. */
  gatekeeper: Gatekeeper;
  tokens: Record<KubernetesUser, string>;
  destroy(): Promise<void>;
}

/** What RBAC grants each kubernetes-mode user, as rules (kit) and as a decision (memory). */
function grants(names: HostileNames) {
  const psd: V1PolicyRule = { apiGroups: [DISTRIBUTION_GROUP], resources: [DISTRIBUTION_PLURAL], verbs: ['*'] };
  const secrets: V1PolicyRule = { apiGroups: [''], resources: ['secrets'], verbs: ['*'] };
  const allows = (user: string, permission: Permission, namespace: string): boolean =>
    user === 'platform' ||
    (user === 'alice' &&
      (permission.resource === DISTRIBUTION_PLURAL || (permission.resource === 'secrets' && namespace === names.teamA))) ||
    (user === 'bob' && permission.resource === 'secrets' && namespace === names.own);
  return { psd, secrets, allows };
}

export function memoryWorld(names: HostileNames): HostileWorld {
  const cluster = new MemoryCluster({ namespaces: [names.own, names.other, 'kube-system', ...names.namespaces] });
  const distributions = new MemoryDistributions(cluster);
  const { allows } = grants(names);
  const users: Record<string, KubernetesUser> = { 'platform-k8s-token': 'platform', 'alice-k8s-token': 'alice', 'bob-k8s-token': 'bob' };
  const reviewer: AccessReviewer = {
    reviewToken: async (token) => (users[token] ? { username: users[token], groups: [] } : undefined),
    reviewAccess: async (identity, permission, namespace) => allows(identity.username, permission, namespace),
  };
  return {
    cluster,
    distributions,
    connect: () => ({ cluster, distributions }),
    createServiceAccount: async (namespace, name, imagePullSecrets) =>
      void cluster.seedServiceAccount({ namespace, name, imagePullSecrets }),
    secrets: async () => cluster.listAllSecrets(),
    serviceAccounts: async () => cluster.listAllServiceAccounts(),
    eventsText: async () => JSON.stringify(distributions.events),
    applyAsCrdUser: async (objects) => {
      for (const object of objects) await distributions.createDistribution(object);
    },
    gatekeeper: kubernetesGatekeeper(reviewer, { ttlMs: 0 }),
    tokens: { platform: 'platform-k8s-token', alice: 'alice-k8s-token', bob: 'bob-k8s-token' },
    destroy: async () => undefined,
  };
}

/** A kube-apiserver of its own (about 8 s), the CRD, the namespaces, and RBAC for alice and bob. */
export async function privateKitWorld(names: HostileNames): Promise<HostileWorld> {
  const kit = await startPrivateKit();
  try {
    const admin = kit.kubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const userConfig = (user: 'alice' | 'bob') => join(dirname(kit.kubeconfigPath), `kubeconfig-${user}`);
    const tokenOf = (path: string) => {
      const config = new KubeConfig();
      config.loadFromFile(path);
      return config.getCurrentUser()?.token ?? '';
    };
    await Promise.all([
      applyDistributionCrd(kit.kubeconfigPath),
      ...[names.own, names.other, ...names.namespaces].map((name) => core.createNamespace({ body: { metadata: { name } } })),
    ]);
    const { psd, secrets } = grants(names);
    const bind = async (user: string, rule: V1PolicyRule, namespace?: string) => {
      const name = `hostile-${user}-${rule.resources![0]}`;
      const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }];
      if (namespace === undefined) {
        await rbac.createClusterRole({ body: { metadata: { name }, rules: [rule] } });
        await rbac.createClusterRoleBinding({
          body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects },
        });
        return;
      }
      await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: [rule] } });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects },
      });
    };
    await Promise.all([bind('alice', psd), bind('alice', secrets, names.teamA), bind('bob', secrets, names.own)]);
    const connect = () => ({
      cluster: new KubernetesCluster(admin, { timeoutMs: 5000 }),
      distributions: new KubernetesDistributions(admin, { timeoutMs: 5000 }),
    });
    const kubectlAs = (user: 'alice' | 'bob', args: string[], input?: string) =>
      kubectl(['--kubeconfig', userConfig(user), ...args], input);
    return {
      ...connect(),
      connect,
      createServiceAccount: async (namespace, name, imagePullSecrets) =>
        void (await core.createNamespacedServiceAccount({
          namespace,
          body: { metadata: { name }, imagePullSecrets: imagePullSecrets.map((n) => ({ name: n })) },
        })),
      secrets: async () => (await core.listSecretForAllNamespaces()).items.map(toSecretObject),
      serviceAccounts: async () =>
        (await core.listServiceAccountForAllNamespaces()).items.map((sa) => ({
          namespace: sa.metadata?.namespace ?? '',
          name: sa.metadata?.name ?? '',
          resourceVersion: sa.metadata?.resourceVersion,
          imagePullSecrets: (sa.imagePullSecrets ?? []).map((r) => r.name ?? ''),
        })),
      eventsText: async () => JSON.stringify((await core.listEventForAllNamespaces()).items),
      applyAsCrdUser: async (objects) => {
        const items = objects.map(({ name, labels, annotations, finalizers, spec }) => ({
          apiVersion: `${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}`,
          kind: DISTRIBUTION_KIND,
          metadata: { name, labels, annotations, finalizers },
          spec,
        }));
        const applied = await kubectlAs('alice', ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
        if (applied.code !== 0) throw new Error(`kubectl apply as alice failed: ${applied.stderr}`);
      },
      kubectlAs,
      gatekeeper: kubernetesGatekeeper(new KubernetesAccessReviewer(admin, { timeoutMs: 5000 }), { ttlMs: 0 }),
      tokens: { platform: tokenOf(kit.kubeconfigPath), alice: tokenOf(userConfig('alice')), bob: tokenOf(userConfig('bob')) },
      // The whole kit goes: nothing on it needs removing one by one.
      destroy: () => kit.destroy(),
    };
  } catch (error) {
    await kit.destroy();
    throw error;
  }
}
