import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { decodedWithKubectl } from '../support/kubectl.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import {
  adminKubeConfig,
  createPullSecretWithKubectl,
  createSecretDirectly,
  createTestNamespace,
  kitSuiteTitle,
  realClusterAvailable,
  type TestNamespace,
  uniqueName,
} from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const enabled = realClusterAvailable();
const title = kitSuiteTitle('the HTTP API on a real kube-apiserver');
const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pa:ss"w<>rd', email: 'jane@example.com' };

/** What `kubectl create secret docker-registry … --dry-run=client` would have stored. */
async function renderedByKubectl(c: typeof credentials): Promise<string> {
  const { stdout } = await run('kubectl', [
    'create',
    'secret',
    'docker-registry',
    'x',
    '--dry-run=client',
    '-o',
    'json',
    '--kubeconfig=/dev/null',
    `--docker-server=${c.server}`,
    `--docker-username=${c.username}`,
    `--docker-password=${c.password}`,
    `--docker-email=${c.email}`,
  ]);
  return Buffer.from(JSON.parse(stdout).data['.dockerconfigjson'], 'base64').toString('utf8');
}

describe.skipIf(!enabled)(title, () => {
  let namespace: TestNamespace;
  let t: TestApp;
  let base: string;
  beforeEach(async () => {
    namespace = await createTestNamespace('http');
    t = buildTestApp({ cluster: new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 }) });
    base = `/v1/namespaces/${namespace.name}/pullsecrets`;
  });
  afterEach(async () => namespace.remove());

  it('creates a secret whose stored bytes equal what kubectl would create, then updates, then leaves it unchanged', async () => {
    const created = await request(t.app).put(`${base}/regcred`).send(credentials);
    expectMatchesContract(created);
    expect(created.status).toBe(201);
    expect(await decodedWithKubectl(namespace.name, 'regcred')).toBe(await renderedByKubectl(credentials));

    const updated = await request(t.app)
      .put(`${base}/regcred`)
      .send({ ...credentials, password: 'changed' });
    expect([updated.status, updated.body.result]).toEqual([200, 'updated']);
    expect(updated.body.uid).toBe(created.body.uid);

    const unchanged = await request(t.app)
      .put(`${base}/regcred`)
      .send({ ...credentials, password: 'changed' });
    expect([unchanged.status, unchanged.body.result]).toEqual([200, 'unchanged']);
    expect(unchanged.body.resourceVersion).toBe(updated.body.resourceVersion);
  });

  it('refuses to overwrite an Opaque Secret (409) and leaves it as it was', async () => {
    const opaque = await createSecretDirectly({
      namespace: namespace.name,
      name: 'regcred',
      type: 'Opaque',
      labels: {},
      annotations: {},
      data: { k: 'dg==' },
    });
    const res = await request(t.app).put(`${base}/regcred`).send(credentials);
    expectMatchesContract(res);
    expect(res.status).toBe(409);
    const after = await t.cluster.readSecret(namespace.name, 'regcred');
    expect(after?.resourceVersion).toBe(opaque.resourceVersion);
  });

  it('answers 404 naming a namespace that does not exist, and creates none', async () => {
    const missing = uniqueName('missing');
    const res = await request(t.app).put(`/v1/namespaces/${missing}/pullsecrets/regcred`).send(credentials);
    expectMatchesContract(res);
    expect(res.status).toBe(404);
    expect(res.body.detail).toContain(missing);
    expect(await t.cluster.namespaceExists(missing)).toBe(false);
  });

  it('with dryRun=server is validated by the API server and stores nothing', async () => {
    const res = await request(t.app).put(`${base}/regcred?dryRun=server`).send(credentials);
    expectMatchesContract(res);
    expect(res.body).toMatchObject({ result: 'created', dryRun: true });
    expect(await t.cluster.readSecret(namespace.name, 'regcred')).toBeUndefined();

    await request(t.app).put(`${base}/regcred`).send(credentials);
    const dryDelete = await request(t.app).delete(`${base}/regcred?dryRun=server`);
    expect(dryDelete.status).toBe(204);
    expect(await t.cluster.readSecret(namespace.name, 'regcred')).toBeDefined();
  });

  it('shows, lists and deletes a pull secret made by kubectl', async () => {
    await createPullSecretWithKubectl(namespace.name, 'by-kubectl', credentials);
    await createSecretDirectly({ namespace: namespace.name, name: 'opaque', type: 'Opaque', labels: {}, annotations: {}, data: {} });

    const shown = await request(t.app).get(`${base}/by-kubectl`);
    expectMatchesContract(shown);
    expect(shown.body).toMatchObject({
      managedByRegcred: false,
      registries: [{ server: credentials.server, username: 'janedoe', authMismatch: false }],
    });
    expect(shown.text).not.toContain(credentials.password);

    const list = await request(t.app).get(base);
    expectMatchesContract(list);
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(['by-kubectl']);

    expect((await request(t.app).delete(`${base}/opaque`)).status).toBe(409);
    const deleted = await request(t.app).delete(`${base}/by-kubectl`);
    expect(deleted.status).toBe(204);
    expect((await request(t.app).get(`${base}/by-kubectl`)).status).toBe(404);
  });

  it('POST creates once and answers 409 the second time', async () => {
    const first = await request(t.app)
      .post(base)
      .send({ name: 'once', ...credentials });
    expect(first.status).toBe(201);
    const second = await request(t.app)
      .post(base)
      .send({ name: 'once', ...credentials });
    expectMatchesContract(second);
    expect(second.status).toBe(409);
  });

  it('keeps a concurrent burst of updates consistent: every PUT succeeds and the last write is whole', async () => {
    await request(t.app).put(`${base}/busy`).send(credentials);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        request(t.app)
          .put(`${base}/busy`)
          .send({ ...credentials, password: `p${i}` }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    const stored = JSON.parse(await decodedWithKubectl(namespace.name, 'busy'));
    const entry = stored.auths[credentials.server];
    expect(Buffer.from(entry.auth, 'base64').toString()).toBe(`janedoe:${entry.password}`);
  });

  it('keeps what others set on an update (finalizers, ownerReferences, annotations)', async () => {
    await request(t.app).put(`${base}/owned`).send(credentials);
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '6a1c2f9e-0000-4000-8000-000000000001' }];
    await core.patchNamespacedSecret(
      {
        namespace: namespace.name,
        name: 'owned',
        body: { metadata: { finalizers: ['example.com/keep'], ownerReferences, annotations: { note: 'x' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const res = await request(t.app)
      .put(`${base}/owned`)
      .send({ ...credentials, password: 'rotated' });
    expect(res.body.result).toBe('updated');
    const stored = await core.readNamespacedSecret({ namespace: namespace.name, name: 'owned' });
    expect(stored.metadata).toMatchObject({ finalizers: ['example.com/keep'], ownerReferences, annotations: { note: 'x' } });
    await core.patchNamespacedSecret(
      { namespace: namespace.name, name: 'owned', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  });

  it('uploads a config.json made by docker login', async () => {
    const config = { auths: { 'registry.example.com': { auth: Buffer.from('janedoe:pw').toString('base64') } }, credsStore: 'desktop' };
    const res = await request(t.app)
      .put(`${base}/uploaded/dockerconfig`)
      .attach('config', Buffer.from(JSON.stringify(config)), 'config.json');
    expectMatchesContract(res);
    expect(res.status).toBe(201);
    const stored = JSON.parse(await decodedWithKubectl(namespace.name, 'uploaded'));
    expect(stored).toEqual({
      auths: { 'registry.example.com': { username: 'janedoe', password: 'pw', auth: Buffer.from('janedoe:pw').toString('base64') } },
    });
  });
});
