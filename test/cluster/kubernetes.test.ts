import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { parseLabelSelector } from '../../src/domain/kubernetes/label-selector.js';
import { ConflictError, UnavailableError, UpstreamError, ValidationError } from '../../src/errors.js';
import {
  adminKubeConfig,
  createPullSecretWithKubectl,
  createTestNamespace,
  kitSuiteTitle,
  realClusterAvailable,
  type TestNamespace,
  userKubeConfig,
} from '../support/real-cluster.js';

const enabled = realClusterAvailable();
const TIMEOUT_MS = 5000;
const title = kitSuiteTitle('KubernetesCluster on kube-apiserver v1.20.2');

describe.skipIf(!enabled)(title, () => {
  describe('beyond the contract', () => {
    let namespace: TestNamespace;
    let cluster: KubernetesCluster;
    beforeEach(async () => {
      namespace = await createTestNamespace('k8s');
      cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: TIMEOUT_MS });
    });
    afterEach(async () => namespace.remove());

    const opaque = (name: string, labels: Record<string, string> = {}) => ({
      name,
      namespace: namespace.name,
      type: 'Opaque',
      labels,
      annotations: {},
      data: { token: Buffer.from('hunter2').toString('base64') },
    });

    it('describes itself by server URL and context, never by token', () => {
      expect(cluster.description).toContain(process.env.REGCRED_K8S_SERVER!);
      expect(cluster.description).toContain('admin@kit');
      expect(cluster.description).not.toContain(process.env.REGCRED_K8S_ADMIN_TOKEN!);
    });

    it('when the API server refuses an object (422), then the error carries its causes but never the raw body', async () => {
      const error = await cluster.createSecret(opaque('invalid', { team: 'not valid!' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      const { message, errors, cause } = error as ValidationError;
      expect(message).toBe(
        `the Kubernetes API server refused secret "invalid" in namespace "${namespace.name}" as invalid: metadata.labels`,
      );
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/^Invalid value: "not valid!": a valid label must be/);
      for (const leak of ['HTTP-Code', 'Body:', 'Headers:', '"kind"', '"apiVersion"', 'Failure', 'audit-id', 'content-type']) {
        expect(JSON.stringify({ message, errors, cause, stack: (error as Error).stack })).not.toContain(leak);
      }
      expect(cause).toEqual({ upstreamStatus: 422, upstreamReason: 'Invalid' });
    });

    it('when data is not base64, then the 400 (whose body quotes the data) becomes a generic UpstreamError', async () => {
      const error = await cluster.createSecret({ ...opaque('undecodable'), data: { token: 'hunter2!' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as Error).message).toBe('the Kubernetes API server refused to create secrets (HTTP 400)');
      expect(JSON.stringify({ ...(error as object), stack: (error as Error).stack })).not.toContain('hunter2');
    });

    it('reads a pull secret made by kubectl create secret docker-registry', async () => {
      const registry = { server: 'registry.example.com', username: 'u', password: 'p', email: 'u@example.com' };
      await createPullSecretWithKubectl(namespace.name, 'from-kubectl', registry);
      const secret = await cluster.readSecret(namespace.name, 'from-kubectl');
      expect(secret).toMatchObject({ type: 'kubernetes.io/dockerconfigjson', labels: {}, annotations: {}, immutable: false });
      const config = JSON.parse(Buffer.from(secret!.data['.dockerconfigjson'], 'base64').toString('utf8'));
      expect(config.auths['registry.example.com']).toMatchObject({ username: 'u', password: 'p' });
    });

    it("when regcred's identity lacks RBAC permission, then it says which permission is missing (403)", async () => {
      const alice = new KubernetesCluster(userKubeConfig('alice'), { timeoutMs: TIMEOUT_MS });
      const read = await alice.readSecret(namespace.name, 'any').catch((e: unknown) => e);
      expect(read).toBeInstanceOf(UpstreamError);
      expect((read as Error).message).toBe(
        `regcred's own identity lacks the RBAC permission to get secrets in namespace "${namespace.name}"; ` +
          'grant it a Role there with verb "get" on resource "secrets" in API group ""',
      );
      await expect(alice.createSecret(opaque('x'))).rejects.toThrow('permission to create secrets');
      await expect(alice.listSecrets(namespace.name, { limit: 1 })).rejects.toThrow('permission to list secrets');
      await expect(alice.namespaceExists(namespace.name)).rejects.toThrow('permission to get namespaces (cluster-scoped)');
      await expect(alice.readServiceAccount(namespace.name, 'default')).rejects.toThrow(
        `lacks the RBAC permission to get serviceaccounts in namespace "${namespace.name}"; grant it a Role there with verb "get" on resource "serviceaccounts"`,
      );
      await expect(alice.listServiceAccounts(namespace.name, { limit: 10 })).rejects.toThrow('permission to list serviceaccounts');
      await expect(alice.setServiceAccountPullSecrets(namespace.name, 'default', [], '1')).rejects.toThrow(
        'permission to patch serviceaccounts',
      );
      await expect(alice.listNamespaces({ labelSelector: 'team', limit: 10 })).rejects.toThrow(
        'permission to list namespaces (cluster-scoped); grant it a ClusterRole with verb "list" on resource "namespaces"',
      );
    });

    it("accepts and refuses label selectors exactly as kube-apiserver v1.20 does (apimachinery's parse cases and more)", async () => {
      const core = adminKubeConfig().makeApiClient(CoreV1Api);
      for (const selector of SELECTORS) {
        const server = await core.listNamespace({ labelSelector: selector }).then(
          () => 'accepted',
          (error: { code?: number }) => (error.code === 400 ? 'refused' : Promise.reject(error)),
        );
        const local = (() => {
          try {
            parseLabelSelector(selector);
            return 'accepted';
          } catch {
            return 'refused';
          }
        })();
        expect(local, JSON.stringify(selector)).toBe(server);
      }
    });

    it('when a ServiceAccount has fields the port does not model, then setting its pull secrets keeps them', async () => {
      const core = adminKubeConfig().makeApiClient(CoreV1Api);
      const body = {
        metadata: { name: 'builder', annotations: { note: 'kept' }, finalizers: ['example.com/keep'] },
        imagePullSecrets: [{ name: 'old' }],
      };
      const created = await core.createNamespacedServiceAccount({ namespace: namespace.name, body });
      try {
        await cluster.setServiceAccountPullSecrets(namespace.name, 'builder', ['new'], created.metadata!.resourceVersion!);
        const stored = await core.readNamespacedServiceAccount({ namespace: namespace.name, name: 'builder' });
        expect(stored.metadata).toMatchObject({
          annotations: { note: 'kept' },
          finalizers: ['example.com/keep'],
          uid: created.metadata!.uid,
        });
        expect(stored.imagePullSecrets).toEqual([{ name: 'new' }]);
      } finally {
        const latest = await core.readNamespacedServiceAccount({ namespace: namespace.name, name: 'builder' });
        await core.replaceNamespacedServiceAccount({
          namespace: namespace.name,
          name: 'builder',
          body: { ...latest, metadata: { ...latest.metadata, finalizers: [] } },
        });
        await core.deleteNamespacedServiceAccount({ namespace: namespace.name, name: 'builder' });
      }
    });

    it('when the namespace is being deleted, then writing there is a ConflictError (403 NamespaceTerminating)', async () => {
      await namespace.terminate();
      const error = await cluster.createSecret(opaque('late')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toBe(`namespace "${namespace.name}" is being deleted; no Secrets can be written to it`);
    });

    it('when the server certificate is not trusted, then calls fail as UnavailableError naming a TLS failure', async () => {
      const untrusting = new KubeConfig();
      untrusting.loadFromOptions({
        clusters: [{ name: 'kit', server: process.env.REGCRED_K8S_SERVER!, skipTLSVerify: false }],
        users: [{ name: 'admin', token: process.env.REGCRED_K8S_ADMIN_TOKEN! }],
        contexts: [{ name: 'no-ca', cluster: 'kit', user: 'admin' }],
        currentContext: 'no-ca',
      });
      const cluster = new KubernetesCluster(untrusting, { timeoutMs: TIMEOUT_MS });
      const error = await cluster.readSecret(namespace.name, 'any').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/^could not reach the Kubernetes API server: TLS handshake failed \([A-Z_]+\)$/);
      await expect(cluster.ping()).rejects.toThrow(UnavailableError);
    });
  });
});

/** Label selectors the API server accepts or refuses; the local parser must agree on each. */
// prettier-ignore
const SELECTORS = [
  '', 'x=a,y=b,z=c', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5', '\rx',
  'this-is-a-dns.domain.com/key-with-dash', '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', 'foo  in\t (abc)',
  'x notin\n (abc)', 'x in (abc,)', 'x in ()', 'x notin (abc,,def),bar,z in (),w', 'x,y in (a)', 'x==a', 'x notin ( )',
  'x notin (, a)', 'a ', 'a in (x,y,notin, z,in)', 'notin=in', 'in in (in)', 'x=in', '1234 in (bar)', 'y>1,z<6', 'x>007',
  'x=a||y=b', 'x==a==b', '!x=a', 'x<a', 'x,,y', ',x,y', 'x nott in (y)', 'a in (xyz),', 'a in (xyz)b notin ()',
  'a in (xyz abc)', 'a notin(', 'a (', '(', '== != (), = notin', 'foo>bar', 'x>', 'x>-1', 'x>99999999999999999999',
  'a'.repeat(254), 'a'.repeat(63), 'a'.repeat(64), `example.com/${'a'.repeat(63)}`, 'Not/valid', '-x=a', 'x=-a',
  `x=${'v'.repeat(63)}`, `x=${'v'.repeat(64)}`, 'x in (a', 'x in a', 'x=(a)', 'x=a,', '!', '!!x', '! x', 'x = a', 'x != a',
  'x=a b', 'x=\u00e9', 'x/y/z', 'a.b/c', 'A_b.C-d', '_a', 'x in (a,b', 'x=a)', 'x)', 'x<=1', 'x=>1', 'x!', 'x=!a', 'x===a',
  'x=a=b',
];
