import { execFileSync } from 'node:child_process';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import type { Cluster } from '../../src/domain/cluster.js';
import { UnavailableError } from '../../src/errors.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import {
  adminKubeConfig,
  createLabelledNamespace,
  createServiceAccountDirectly,
  realClusterAvailable,
  removeNamespace,
  userKubeConfig,
} from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const OLD_PASSWORD = `canary-old-${Date.now()}-Qz7`;
const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'new-password' };
const base64 = (text: string) => Buffer.from(text).toString('base64');

interface Arena {
  namespace: string;
  client: () => Cluster;
  seedServiceAccount: (name: string, imagePullSecrets: string[]) => Promise<void>;
  pullSecretsOf: (serviceAccount: string) => Promise<string[] | undefined>;
  /** The stored Secret as JSON, every data value decoded beside it; undefined when there is none. */
  storedText: (name: string) => Promise<string | undefined>;
  storedAnnotations: (name: string) => Promise<Record<string, string>>;
  /** Deletes the Secret as `kubectl delete secret` does, behind regcred's back. */
  kubectlDelete: (name: string) => Promise<void>;
  /** Makes the Secret as `kubectl apply -f` does: with the last-applied-configuration annotation. */
  kubectlApply: (manifest: object) => Promise<void>;
  remove: () => Promise<void>;
}

const realEnabled = realClusterAvailable();

/** What these tests do with a cluster, behind the app's back, as kubectl would. */
function suiteArena(arena: ClusterArena): Arena {
  const namespace = arena.ownNamespace;
  const stored = (name: string) => arena.storedSource(name);
  return {
    namespace,
    client: () => arena.connect(),
    seedServiceAccount: async (name, imagePullSecrets) => void (await arena.seedServiceAccount({ namespace, name, imagePullSecrets })),
    pullSecretsOf: async (name) => (await arena.cluster.readServiceAccount(namespace, name))?.imagePullSecrets,
    storedText: async (name) => {
      const secret = await stored(name);
      return secret && withDecodedData(secret.text, secret.data ?? {});
    },
    storedAnnotations: async (name) => (await stored(name))?.annotations ?? {},
    kubectlDelete: async (name) => arena.cluster.deleteSecret(namespace, name, (await stored(name))!.uid!),
    kubectlApply: async (manifest) => {
      if (arena.kind === 'kit') {
        execFileSync('kubectl', ['-n', namespace, 'apply', '-f', '-'], {
          input: JSON.stringify(manifest),
          env: process.env,
          timeout: 30_000,
        });
        return;
      }
      // What kubectl apply stores: the object, plus the manifest as given in the annotation.
      const m = manifest as { metadata: { name: string }; type: string; data: Record<string, string> };
      const annotations = { [LAST_APPLIED]: `${JSON.stringify(manifest)}\n` };
      await arena.seedSecret({ namespace, name: m.metadata.name, type: m.type, labels: {}, annotations, data: m.data });
    },
    remove: () => arena.cleanup(),
  };
}

function withDecodedData(text: string, data: Record<string, string>): string {
  return [text, ...Object.values(data).map((v) => Buffer.from(v, 'base64').toString('utf8'))].join('\n');
}

/** The cluster, with the `nth` call (1-based) of `method` failing as an API server that stopped answering would. */
function failingCall(cluster: Cluster, method: keyof Cluster, nth: number): Cluster {
  let calls = 0;
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (++calls === nth) throw new UnavailableError('could not reach the Kubernetes API server: injected fault');
        return value.apply(target, args);
      };
    },
  });
}

/** The cluster, its first deleteSecret call made through `around` (which may act before or after passing it on, or fail it). */
function aroundFirstDelete(cluster: Cluster, around: (deleteSecret: () => Promise<void>) => Promise<void>): Cluster {
  let first = true;
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'deleteSecret') return value.bind(target);
      return (...args: unknown[]) => {
        if (!first) return value.apply(target, args);
        first = false;
        return around(() => value.apply(target, args));
      };
    },
  });
}

/** The cluster, its readSecret calls failing as an unreachable API server's would while `failing()` says so. */
function readsFailWhile(cluster: Cluster, failing: () => boolean): Cluster {
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'readSecret') return value.bind(target);
      return async (...args: unknown[]) => {
        if (failing()) throw new UnavailableError('could not reach the Kubernetes API server: injected fault');
        return value.apply(target, args);
      };
    },
  });
}

const auditLines = (lines: string[]) =>
  lines.filter((l) => l.includes('"audit":true')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(clusterArenas({ ownNamespace: 'integrity', namespaces: ['integrity'] }))('integrity of writes on %s', (_title, makeArena) => {
  let arena: Arena;
  let base: string;
  beforeEach(async () => {
    arena = suiteArena(await makeArena());
    base = `/v1/namespaces/${arena.namespace}/pullsecrets`;
  });
  afterEach(async () => {
    await arena.remove();
  });

  describe('DELETE ?unlink=true', () => {
    // Unlinked by name: sa-a, sa-b, sa-c, sa-d; the third patch fails.
    const seedReferences = async () => {
      await arena.seedServiceAccount('sa-a', ['x', 'regcred', 'y']);
      await arena.seedServiceAccount('sa-b', ['regcred']);
      await arena.seedServiceAccount('sa-c', ['regcred', 'z']);
      await arena.seedServiceAccount('sa-d', ['z', 'regcred']);
    };
    const references = async () => Promise.all(['sa-a', 'sa-b', 'sa-c', 'sa-d'].map((n) => arena.pullSecretsOf(n)));
    const asSeeded = [['x', 'regcred', 'y'], ['regcred'], ['regcred', 'z'], ['z', 'regcred']];

    it('when a ServiceAccount patch fails midway, then every reference removed is back in its place, the secret stays, and the error is answered', async () => {
      const t = buildTestApp({ cluster: failingCall(arena.client(), 'setServiceAccountPullSecrets', 3) });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expectMatchesContract(res);
      expect([res.status, res.headers['retry-after']]).toEqual([503, '5']);
      expect(await references()).toEqual(asSeeded);
      expect(await arena.storedText('regcred')).toBeDefined();
      expect(auditLines(t.logLines).at(-1)).toMatchObject({ operation: 'delete', result: 'failed', reason: '503 Service Unavailable' });
    });

    const unlinkedAll = [['x', 'y'], [], ['z'], ['z']];
    const unlinkedLinks = ['sa-a', 'sa-b', 'sa-c', 'sa-d'].map((serviceAccount) => ({ serviceAccount, result: 'unlinked' }));

    it('when kubectl delete removes the secret between unlink and delete, then it counts as deleted (200, the links) and no reference is put back', async () => {
      const t = buildTestApp({
        cluster: aroundFirstDelete(arena.client(), async (deleteSecret) => {
          await arena.kubectlDelete('regcred');
          await deleteSecret();
        }),
      });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expectMatchesContract(res);
      expect([res.status, res.body]).toEqual([
        200,
        { namespace: arena.namespace, name: 'regcred', deleted: true, serviceAccountLinks: unlinkedLinks },
      ]);
      expect(await references()).toEqual(unlinkedAll);
      expect(await arena.storedText('regcred')).toBeUndefined();
      expect(auditLines(t.logLines).at(-1)).toMatchObject({ operation: 'delete', result: 'deleted' });
    });

    it('when the API server deletes the secret but its answer is lost (503), then it counts as deleted and no reference is put back', async () => {
      const t = buildTestApp({
        cluster: aroundFirstDelete(arena.client(), async (deleteSecret) => {
          await deleteSecret();
          throw new UnavailableError('could not reach the Kubernetes API server: injected fault');
        }),
      });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expect([res.status, res.body.serviceAccountLinks]).toEqual([200, unlinkedLinks]);
      expect(await references()).toEqual(unlinkedAll);
      expect(await arena.storedText('regcred')).toBeUndefined();
    });

    it('when two DELETE ?unlink=true race and the other deletes first, then both answer 200 and no reference is put back', async () => {
      let other: request.Response | undefined;
      const t = buildTestApp({
        cluster: aroundFirstDelete(arena.client(), async (deleteSecret) => {
          other = await request(t.app).delete(`${base}/regcred?unlink=true`);
          await deleteSecret();
        }),
      });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expectMatchesContract(res);
      // The other found every reference already gone; this one removed them, so it reports them.
      expect([other?.status, other?.body.serviceAccountLinks]).toEqual([200, []]);
      expect([res.status, res.body.serviceAccountLinks]).toEqual([200, unlinkedLinks]);
      expect(await references()).toEqual(unlinkedAll);
      expect(await arena.storedText('regcred')).toBeUndefined();
    });

    it('when the delete fails and whether the secret is gone cannot be read, then 503 naming the unlinked ServiceAccounts, and no reference is put back', async () => {
      let unreachable = false;
      const failingDelete = aroundFirstDelete(arena.client(), async () => {
        unreachable = true;
        throw new UnavailableError('could not reach the Kubernetes API server: injected fault');
      });
      const t = buildTestApp({ cluster: readsFailWhile(failingDelete, () => unreachable) });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expectMatchesContract(res);
      expect(res.status).toBe(503);
      expect(res.body.detail).toMatch(
        /whether secret "regcred" was deleted is unknown, and serviceaccount\(s\) sa-a, sa-b, sa-c, sa-d no longer reference it: repeat the request/,
      );
      expect(await references()).toEqual(unlinkedAll);
      unreachable = false;
      const again = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expect([again.status, again.body.serviceAccountLinks]).toEqual([200, []]);
      expect(await arena.storedText('regcred')).toBeUndefined();
    });

    it('when the secret is deleted and made again between unlink and delete, then 409 and the references go back (they name a secret that exists)', async () => {
      const t = buildTestApp({
        cluster: aroundFirstDelete(arena.client(), async (deleteSecret) => {
          await arena.kubectlDelete('regcred');
          await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
          await deleteSecret();
        }),
      });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expectMatchesContract(res);
      expect(res.status).toBe(409);
      expect(await references()).toEqual(asSeeded);
      expect(await arena.storedText('regcred')).toBeDefined();
    });

    it('when every ServiceAccount was unlinked but the delete fails, then the references go back in their places', async () => {
      const t = buildTestApp({ cluster: failingCall(arena.client(), 'deleteSecret', 1) });
      await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
      await seedReferences();
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expect(res.status).toBe(503);
      expect(await references()).toEqual(asSeeded);
      expect(await arena.storedText('regcred')).toBeDefined();
    });
  });

  describe('linking fails after the secret was written', () => {
    it('when a single PUT cannot link its second ServiceAccount, then the problem keeps the error status but says created, and the audit line says created', async () => {
      await arena.seedServiceAccount('sa-a', []);
      await arena.seedServiceAccount('sa-b', ['other']);
      const t = buildTestApp({ cluster: failingCall(arena.client(), 'setServiceAccountPullSecrets', 2) });
      const res = await request(t.app)
        .put(`${base}/regcred`)
        .send({ ...credentials, serviceAccounts: ['sa-a', 'sa-b'] });
      expectMatchesContract(res);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        result: 'created',
        name: 'regcred',
        serviceAccountLinks: [
          { serviceAccount: 'sa-a', result: 'linked' },
          { serviceAccount: 'sa-b', result: 'failed', reason: expect.stringContaining('could not reach') },
        ],
      });
      expect(res.body.detail).toMatch(/^secret "regcred" was created, but linking/);
      expect(await arena.storedText('regcred')).toBeDefined();
      expect(auditLines(t.logLines).at(-1)).toMatchObject({
        operation: 'apply',
        result: 'created',
        serviceAccounts: ['sa-a'],
        linkFailed: 'sa-b',
      });
      expect(await t.metrics.registry.getSingleMetricAsString('regcred_pull_secrets_written_total')).toMatch(/result="created"} 1/);

      const again = await request(t.app)
        .put(`${base}/regcred`)
        .send({ ...credentials, serviceAccounts: ['sa-a', 'sa-b'] });
      expect([again.status, again.body.result, again.body.serviceAccountLinks]).toEqual([
        200,
        'unchanged',
        [
          { serviceAccount: 'sa-a', result: 'unchanged' },
          { serviceAccount: 'sa-b', result: 'linked' },
        ],
      ]);
      expect(await arena.pullSecretsOf('sa-b')).toEqual(['other', 'regcred']);
    });

    it('when a fan-out namespace cannot link, then its result says created with a linkError, the answer is 207, and the audit line says created', async () => {
      await arena.seedServiceAccount('sa-a', []);
      const t = buildTestApp({ cluster: failingCall(arena.client(), 'setServiceAccountPullSecrets', 1) });
      const res = await request(t.app)
        .put('/v1/pullsecrets/regcred')
        .send({ ...credentials, namespaces: [arena.namespace], serviceAccounts: ['sa-a'] });
      expectMatchesContract(res);
      expect(res.status).toBe(207);
      expect(res.body.summary).toMatchObject({ created: 1, failed: 0, linkFailed: 1 });
      expect(res.body.results).toEqual([
        {
          namespace: arena.namespace,
          result: 'created',
          name: 'regcred',
          serviceAccountLinks: [{ serviceAccount: 'sa-a', result: 'failed', reason: expect.stringContaining('could not reach') }],
          linkError: expect.stringMatching(/could not reach.*repeat the request to finish$/),
        },
      ]);
      expect(await arena.storedText('regcred')).toBeDefined();
      expect(auditLines(t.logLines).at(-1)).toMatchObject({
        operation: 'apply',
        namespace: arena.namespace,
        result: 'created',
        linkFailed: 'sa-a',
      });
    });
  });

  describe('a secret made with kubectl apply', () => {
    const oldConfig = JSON.stringify({
      auths: { 'registry.example.com': { username: 'janedoe', password: OLD_PASSWORD, auth: base64(`janedoe:${OLD_PASSWORD}`) } },
    });
    const applyOld = () =>
      arena.kubectlApply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'regcred', namespace: arena.namespace },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': base64(oldConfig) },
      });

    it('when a PUT rotates its password, then last-applied-configuration (holding the old one) is gone, a warning says so, and the old password is nowhere in the object', async () => {
      await applyOld();
      expect(await arena.storedText('regcred')).toContain(base64(oldConfig));
      const t = buildTestApp({ cluster: arena.client() });
      const res = await request(t.app).put(`${base}/regcred`).send(credentials);
      expectMatchesContract(res);
      expect([res.status, res.body.result]).toEqual([200, 'updated']);
      expect(res.body.warnings).toEqual(expect.arrayContaining([expect.stringContaining(LAST_APPLIED)]));
      expect(Object.keys(await arena.storedAnnotations('regcred'))).not.toContain(LAST_APPLIED);
      const stored = (await arena.storedText('regcred'))!;
      expect(stored).toContain(credentials.password);
      expect(stored).not.toContain(OLD_PASSWORD);
      expect(stored).not.toContain(base64(oldConfig));
    });

    it('when a PATCH replaces its entry, then last-applied-configuration is gone too, and the old password with it', async () => {
      await applyOld();
      const t = buildTestApp({ cluster: arena.client() });
      const res = await request(t.app)
        .patch(`${base}/regcred`)
        .send({ upsert: [credentials] });
      expectMatchesContract(res);
      expect([res.status, res.body.result]).toEqual([200, 'updated']);
      expect(res.body.warnings).toEqual(expect.arrayContaining([expect.stringContaining(LAST_APPLIED)]));
      const stored = (await arena.storedText('regcred'))!;
      expect(stored).not.toContain(LAST_APPLIED);
      expect(stored).not.toContain(OLD_PASSWORD);
      expect(stored).not.toContain(base64(oldConfig));
    });
  });
});

describe.skipIf(!realEnabled)('DELETE ?unlink=true when RBAC forbids patching one ServiceAccount (real kube-apiserver)', () => {
  let namespace: string;
  beforeEach(async () => {
    namespace = await createLabelledNamespace('integrity-rbac', {});
  });
  afterEach(async () => {
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.deleteCollectionNamespacedRoleBinding({ namespace });
    await rbac.deleteCollectionNamespacedRole({ namespace });
    await removeNamespace(namespace);
  });

  it('when regcred may patch sa-a, sa-b and sa-d but not sa-c, then 502, sa-a and sa-b get the reference back in place, and the secret stays', async () => {
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'regcred' },
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
          { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list'] },
          { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['patch'], resourceNames: ['sa-a', 'sa-b', 'sa-d'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'regcred' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'regcred' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
      },
    });
    const t = buildTestApp({ cluster: new KubernetesCluster(userKubeConfig('alice'), { timeoutMs: 5000 }) });
    const base = `/v1/namespaces/${namespace}/pullsecrets`;
    await request(t.app).put(`${base}/regcred`).send(credentials).expect(201);
    await createServiceAccountDirectly({ namespace, name: 'sa-a', imagePullSecrets: ['x', 'regcred', 'y'] });
    await createServiceAccountDirectly({ namespace, name: 'sa-b', imagePullSecrets: ['regcred'] });
    await createServiceAccountDirectly({ namespace, name: 'sa-c', imagePullSecrets: ['regcred', 'z'] });
    await createServiceAccountDirectly({ namespace, name: 'sa-d', imagePullSecrets: ['z', 'regcred'] });

    const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
    expectMatchesContract(res);
    expect(res.status).toBe(502);
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const references = await Promise.all(
      ['sa-a', 'sa-b', 'sa-c', 'sa-d'].map(async (name) =>
        (await core.readNamespacedServiceAccount({ namespace, name })).imagePullSecrets?.map((r) => r.name),
      ),
    );
    expect(references).toEqual([['x', 'regcred', 'y'], ['regcred'], ['regcred', 'z'], ['z', 'regcred']]);
    await core.readNamespacedSecret({ namespace, name: 'regcred' });
  });
});
