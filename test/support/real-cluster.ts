import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { toSecretObject } from '../../src/cluster/kubernetes/secrets.js';
import { toServiceAccountObject } from '../../src/cluster/kubernetes/service-accounts.js';
import type { SeedSecret } from '../../src/cluster/memory/cluster.js';
import type { SeedServiceAccount } from '../../src/cluster/memory/service-accounts.js';
import type { ServiceAccountObject } from '../../src/domain/cluster.js';
import type { SecretObject } from '../../src/domain/kubernetes/secret.js';
import { REAL_CLUSTER_FLAG } from './global-setup.js';

const run = promisify(execFile);

/** Whether the global setup enabled the real-cluster suites (see test/support/global-setup.ts). */
export function realClusterAvailable(): boolean {
  return process.env[REAL_CLUSTER_FLAG] === '1';
}

/** A kit suite's title, saying how to run it when the real-cluster suites are off. */
export function kitSuiteTitle(title: string): string {
  return realClusterAvailable() ? title : `${title} (SKIPPED: run with REGCRED_TEST_CLUSTER=required)`;
}

/** The kit's admin (system:masters): for arranging and inspecting, not for the code under test. */
export function adminKubeConfig(): KubeConfig {
  return kubeConfigFile(kitKubeconfigPath());
}

/** A plain kit user (alice: group team-a, bob: team-b) with no rights until a test grants some. */
export function userKubeConfig(user: 'alice' | 'bob'): KubeConfig {
  return kubeConfigFile(join(dirname(kitKubeconfigPath()), `kubeconfig-${user}`));
}

/** A kit user's bearer token (what a caller sends regcred in kubernetes mode). */
export function userToken(user: 'alice' | 'bob'): string {
  const token = userKubeConfig(user).getCurrentUser()?.token;
  if (!token) throw new Error(`the kit's kubeconfig-${user} has no token`);
  return token;
}

/** Grants a kit user the given verbs on secrets in one namespace (a Role and a RoleBinding, made by the admin). */
/** Grants a kit user verbs on one resource of the core group in one namespace (a Role and RoleBinding made by the admin). */
export async function grantRights(
  namespace: string,
  user: 'alice' | 'bob',
  resource: 'secrets' | 'serviceaccounts' | 'pods',
  verbs: string[],
): Promise<void> {
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const name = `${resource}-${user}`;
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name }, rules: [{ apiGroups: [''], resources: [resource], verbs }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
}

export const grantSecrets = (namespace: string, user: 'alice' | 'bob', verbs: string[]) => grantRights(namespace, user, 'secrets', verbs);

/** A name no other test uses: `prefix-<time>-<random>`, a valid DNS-1123 label. */
export function uniqueName(prefix: string): string {
  const safe =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40)
      .replace(/^-+|-+$/g, '') || 'test';
  return `${safe}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface TestNamespace {
  name: string;
  /** Marks it for deletion; with no namespace controller in the kit it then stays Terminating. */
  terminate(): Promise<void>;
  /** Deletes its Secrets and the namespace itself (the kit has no namespace controller to do it). */
  remove(): Promise<void>;
}

/** A fresh, empty namespace, created with the admin client. */
export async function createTestNamespace(prefix: string): Promise<TestNamespace> {
  const core = adminCore();
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  const terminate = async () => {
    await core.deleteNamespace({ name });
  };
  return { name, terminate, remove: () => removeNamespace(name) };
}

/** Stores a Secret with the admin client, bypassing the code under test (e.g. an immutable one). */
export async function createSecretDirectly(seed: SeedSecret): Promise<SecretObject> {
  const created = await adminCore().createNamespacedSecret({
    namespace: seed.namespace,
    body: {
      metadata: { name: seed.name, labels: seed.labels, annotations: seed.annotations },
      type: seed.type,
      data: seed.data,
      immutable: seed.immutable,
    },
  });
  return toSecretObject(created);
}

/** A pull secret exactly as `kubectl create secret docker-registry` makes it. */
export async function createPullSecretWithKubectl(
  namespace: string,
  name: string,
  registry: { server: string; username: string; password: string; email?: string },
): Promise<void> {
  const args = ['--kubeconfig', kitKubeconfigPath(), '-n', namespace, 'create', 'secret', 'docker-registry', name];
  args.push(`--docker-server=${registry.server}`, `--docker-username=${registry.username}`, `--docker-password=${registry.password}`);
  if (registry.email) args.push(`--docker-email=${registry.email}`);
  await run('kubectl', args, { timeout: 30_000 });
}

function adminCore(): CoreV1Api {
  return adminKubeConfig().makeApiClient(CoreV1Api);
}

export function kitKubeconfigPath(): string {
  const path = process.env.KUBECONFIG;
  if (!realClusterAvailable() || !path) throw new Error('the real cluster is not enabled for this run (REGCRED_TEST_CLUSTER)');
  return path;
}

function kubeConfigFile(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return kubeConfig;
}

// ServiceAccounts and namespaces arranged and inspected with the admin client, behind the back of the code under test.

/** Creates a ServiceAccount with every field of the seed (the kit has no controller to add token secrets). */
export async function createServiceAccountDirectly(seed: SeedServiceAccount): Promise<ServiceAccountObject> {
  const created = await adminCore().createNamespacedServiceAccount({
    namespace: seed.namespace,
    body: {
      metadata: { name: seed.name, labels: seed.labels },
      imagePullSecrets: seed.imagePullSecrets?.map((name) => ({ name })),
      secrets: seed.secrets?.map((name) => ({ name })),
      automountServiceAccountToken: seed.automountServiceAccountToken,
    },
  });
  return toServiceAccountObject(created);
}

/** Every field a seed can set, as stored, or undefined when there is no such ServiceAccount. */
export async function readServiceAccountDirectly(namespace: string, name: string): Promise<Required<SeedServiceAccount> | undefined> {
  const account = await adminCore()
    .readNamespacedServiceAccount({ namespace, name })
    .catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  if (!account) return undefined;
  return {
    namespace,
    name,
    imagePullSecrets: (account.imagePullSecrets ?? []).map((r) => r.name ?? ''),
    labels: { ...account.metadata?.labels },
    secrets: (account.secrets ?? []).map((r) => r.name ?? ''),
    automountServiceAccountToken: account.automountServiceAccountToken ?? true,
  };
}

/** A fresh namespace with these labels. */
export async function createLabelledNamespace(prefix: string, labels: Record<string, string>): Promise<string> {
  const name = uniqueName(prefix);
  await adminCore().createNamespace({ body: { metadata: { name, labels } } });
  return name;
}

/** Deletes the namespace's ServiceAccounts and Secrets, then the namespace (the kit has no namespace controller to do it). */
export async function removeNamespace(name: string): Promise<void> {
  const api = adminCore();
  await api.deleteCollectionNamespacedServiceAccount({ namespace: name });
  await api.deleteCollectionNamespacedSecret({ namespace: name });
  // Pods are never scheduled in the kit, so they go at once (no kubelet to wait for).
  await api.deleteCollectionNamespacedPod({ namespace: name });
  await api.deleteNamespace({ name }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  // Nobody removes the "kubernetes" finalizer in the kit: do it, or the namespace stays Terminating.
  await api.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
}

/** A kit identity of a test's own: a ServiceAccount, its token from the TokenRequest API, and the RBAC subject for it. */
export interface KitIdentity {
  token: string;
  username: string;
  groups: string[];
  subject: { kind: 'ServiceAccount'; name: string; namespace: string };
  remove(): Promise<void>;
}

/**
 * A fresh identity no other suite knows. The kit has two static users (alice, bob) that many suites
 * share; a test that grants rights cluster-wide would lend them to every suite running at that moment.
 */
export async function freshKitIdentity(prefix: string): Promise<KitIdentity> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const namespace = await createTestNamespace(`${prefix}-id`);
  const name = 'caller';
  await core.createNamespacedServiceAccount({ namespace: namespace.name, body: { metadata: { name } } });
  const request = await core.createNamespacedServiceAccountToken({
    namespace: namespace.name,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return {
    token: request.status!.token,
    username: `system:serviceaccount:${namespace.name}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace.name}`, 'system:authenticated'],
    subject: { kind: 'ServiceAccount', name, namespace: namespace.name },
    remove: () => namespace.remove(),
  };
}
