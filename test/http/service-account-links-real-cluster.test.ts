import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { kubernetesGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { eventually } from '../support/poll.js';
import {
  adminKubeConfig,
  createLabelledNamespace,
  createServiceAccountDirectly,
  grantRights,
  grantSecrets,
  kitSuiteTitle,
  readServiceAccountDirectly,
  realClusterAvailable,
  removeNamespace,
  userToken,
} from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const enabled = realClusterAvailable();
const title = kitSuiteTitle('linking ServiceAccounts on a real kube-apiserver');
const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' };

const grantServiceAccounts = (namespace: string, user: 'alice', verbs: string[]) => grantRights(namespace, user, 'serviceaccounts', verbs);

async function removeRoles(namespace: string): Promise<void> {
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.deleteCollectionNamespacedRoleBinding({ namespace });
  await rbac.deleteCollectionNamespacedRole({ namespace });
}

describe.skipIf(!enabled)(title, () => {
  let namespace: string;
  let cluster: KubernetesCluster;
  let t: TestApp;
  let base: string;
  beforeEach(async () => {
    namespace = await createLabelledNamespace('links', {});
    await createServiceAccountDirectly({
      namespace,
      name: 'default',
      imagePullSecrets: ['first'],
      secrets: ['default-token-x'],
      labels: { keep: 'me' },
      automountServiceAccountToken: false,
    });
    await createServiceAccountDirectly({ namespace, name: 'builder' });
    cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
    t = buildTestApp({ cluster });
    base = `/v1/namespaces/${namespace}/pullsecrets`;
  });
  afterEach(async () => {
    await removeRoles(namespace);
    await removeNamespace(namespace);
  });

  const put = (body: object, url = `${base}/regcred`) => request(t.app).put(url).send(body);
  const pullSecretsOf = async (name: string) => (await readServiceAccountDirectly(namespace, name))?.imagePullSecrets;

  it('when a PUT names ServiceAccounts, then each lists the secret once, every other field kept; a repeat writes nothing', async () => {
    const res = await put({ ...credentials, serviceAccounts: ['default', 'builder'] });
    expectMatchesContract(res);
    expect(res.status).toBe(201);
    expect(res.body.serviceAccountLinks).toEqual([
      { serviceAccount: 'default', result: 'linked' },
      { serviceAccount: 'builder', result: 'linked' },
    ]);
    expect(await readServiceAccountDirectly(namespace, 'default')).toEqual({
      namespace,
      name: 'default',
      imagePullSecrets: ['first', 'regcred'],
      secrets: ['default-token-x'],
      labels: { keep: 'me' },
      automountServiceAccountToken: false,
    });
    const before = await cluster.readServiceAccount(namespace, 'default');
    const again = await put({ ...credentials, serviceAccounts: ['default'] });
    expect(again.body.serviceAccountLinks).toEqual([{ serviceAccount: 'default', result: 'unchanged' }]);
    expect((await cluster.readServiceAccount(namespace, 'default'))!.resourceVersion).toBe(before!.resourceVersion);
    expect((await request(t.app).get(`${base}/regcred`)).body.referencedBy).toEqual(['builder', 'default']);
  });

  it('when a ServiceAccount lists the secret twice, then it ends with it once', async () => {
    await createServiceAccountDirectly({ namespace, name: 'twice', imagePullSecrets: ['regcred', 'other', 'regcred'] });
    expect((await put({ ...credentials, serviceAccounts: ['twice'] })).status).toBe(201);
    expect(await pullSecretsOf('twice')).toEqual(['regcred', 'other']);
  });

  it('when a named ServiceAccount does not exist, then 422 serviceAccounts/1 not_found, and no Secret is created', async () => {
    const res = await put({ ...credentials, serviceAccounts: ['builder', 'ghost'] });
    expectMatchesContract(res);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'serviceAccounts/1', code: 'not_found' })]);
    expect(await cluster.readSecret(namespace, 'regcred')).toBeUndefined();
    expect(await pullSecretsOf('builder')).toEqual([]);
  });

  it('when several PUTs of different secrets link the same ServiceAccount at once, then it lists each exactly once', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `s${i}`);
    const results = await Promise.all(names.map((name) => put({ ...credentials, serviceAccounts: ['default'] }, `${base}/${name}`)));
    expect(results.map((r) => r.status)).toEqual(names.map(() => 201));
    const listed = (await pullSecretsOf('default'))!;
    expect(listed[0]).toBe('first');
    expect([...listed].sort()).toEqual(['first', ...names]);
  });

  it('when someone else edits the ServiceAccount between our read and our write, then their entry is kept', async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const spy = vi.spyOn(cluster, 'setServiceAccountPullSecrets');
    spy.mockImplementationOnce(async (...args) => {
      const account = await core.readNamespacedServiceAccount({ namespace, name: 'default' });
      await core.replaceNamespacedServiceAccount({
        namespace,
        name: 'default',
        body: { ...account, imagePullSecrets: [...(account.imagePullSecrets ?? []), { name: 'added-meanwhile' }] },
      });
      spy.mockRestore();
      return cluster.setServiceAccountPullSecrets(...args);
    });
    const res = await put({ ...credentials, serviceAccounts: ['default'] });
    expect(res.status).toBe(201);
    expect(await pullSecretsOf('default')).toEqual(['first', 'added-meanwhile', 'regcred']);
  });

  it('when dryRun=server, then the API server validates the links and neither the Secret nor the ServiceAccount changes', async () => {
    const before = await cluster.readServiceAccount(namespace, 'default');
    const res = await put({ ...credentials, serviceAccounts: ['default'] }, `${base}/regcred?dryRun=server`);
    expectMatchesContract(res);
    expect(res.body).toMatchObject({ dryRun: true, serviceAccountLinks: [{ serviceAccount: 'default', result: 'linked' }] });
    expect(await cluster.readServiceAccount(namespace, 'default')).toEqual(before);
    expect(await cluster.readSecret(namespace, 'regcred')).toBeUndefined();
  });

  it('when DELETE has unlink=true, then the reference leaves every ServiceAccount; without it, 204 and they keep it', async () => {
    await put({ ...credentials, serviceAccounts: ['default', 'builder'] });
    await put({ ...credentials, serviceAccounts: ['builder'] }, `${base}/kept`);
    expect((await request(t.app).delete(`${base}/kept`)).status).toBe(204);
    expect(await pullSecretsOf('builder')).toEqual(['regcred', 'kept']);
    const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.serviceAccountLinks).toEqual([
      { serviceAccount: 'builder', result: 'unlinked' },
      { serviceAccount: 'default', result: 'unlinked' },
    ]);
    expect([await pullSecretsOf('default'), await pullSecretsOf('builder')]).toEqual([['first'], ['kept']]);
  });

  it("kubernetes mode: linking needs the caller's own serviceaccounts get and patch; without them 403 and nothing written", async () => {
    const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 0 });
    const alice = buildTestApp({ cluster, gatekeeper }).app;
    const bearer = `Bearer ${userToken('alice')}`;
    const aliceWrites = (name: string, body: object) => request(alice).put(`${base}/${name}`).set('Authorization', bearer).send(body);
    await grantSecrets(namespace, 'alice', ['get', 'list', 'create', 'patch', 'delete']);
    // Her secrets rights are in effect (RBAC reaches the authorizer through an informer, so poll)...
    await eventually(async () => expect((await aliceWrites('plain', credentials)).status).toBe(201));

    // ...so the 403 is for the ServiceAccounts alone.
    const refused = await aliceWrites('linked', { ...credentials, serviceAccounts: ['default'] });
    expectMatchesContract(refused);
    expect(refused.status).toBe(403);
    expect(await cluster.readSecret(namespace, 'linked')).toBeUndefined();
    expect(await pullSecretsOf('default')).toEqual(['first']);

    await grantServiceAccounts(namespace, 'alice', ['get', 'patch']);
    const linked = await eventually(async () => {
      const res = await aliceWrites('linked', { ...credentials, serviceAccounts: ['default'] });
      expect(res.status).toBe(201);
      return res;
    });
    expect(linked.body.serviceAccountLinks).toEqual([{ serviceAccount: 'default', result: 'linked' }]);
    expect(await pullSecretsOf('default')).toEqual(['first', 'linked']);

    // Unlinking lists every ServiceAccount of the namespace: without "list" it is refused, and nothing is deleted.
    const unlink = await request(alice).delete(`${base}/linked?unlink=true`).set('Authorization', bearer);
    expect(unlink.status).toBe(403);
    expect(await cluster.readSecret(namespace, 'linked')).toBeDefined();

    // Without "list" on serviceaccounts she is not shown which ServiceAccounts reference it: regcred lends no rights.
    const read = await request(alice).get(`${base}/linked`).set('Authorization', bearer);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('referencedBy');
    const admin = await request(buildTestApp({ cluster }).app).get(`${base}/linked`);
    expect(admin.body.referencedBy).toEqual(['default']);
  });
});
