import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { kubernetesGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { eventually } from '../support/poll.js';
import {
  adminKubeConfig,
  createLabelledNamespace,
  createServiceAccountDirectly,
  grantSecrets,
  kitSuiteTitle,
  readServiceAccountDirectly,
  realClusterAvailable,
  removeNamespace,
  uniqueName,
  userToken,
} from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const enabled = realClusterAvailable();
const title = kitSuiteTitle('fan-out on a real kube-apiserver');
const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' };
const COUNT = 20;

describe.skipIf(!enabled)(title, () => {
  // One run label marks this suite's namespaces, so selectors never reach another test's.
  const run = uniqueName('fanout');
  // Namespace i has team=x when i is even, team=y when odd.
  let namespaces: string[];
  let cluster: KubernetesCluster;
  let t: TestApp;
  const core = () => adminKubeConfig().makeApiClient(CoreV1Api);
  const teamX = () => namespaces.filter((_, i) => i % 2 === 0);

  beforeAll(async () => {
    namespaces = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        createLabelledNamespace(`fo${i}`, { 'regcred-test-run': run, team: i % 2 === 0 ? 'x' : 'y' }),
      ),
    );
    cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
    t = buildTestApp({ cluster });
  });
  afterAll(async () => {
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await Promise.all(
      (namespaces ?? []).map(async (namespace) => {
        await rbac.deleteCollectionNamespacedRoleBinding({ namespace });
        await rbac.deleteCollectionNamespacedRole({ namespace });
        await removeNamespace(namespace);
      }),
    );
  });

  const fanOut = (name: string, body: object) => request(t.app).put(`/v1/pullsecrets/${name}`).send(body);
  const storedIn = (namespace: string, name: string) => core().readNamespacedSecret({ namespace, name });

  it(`when ${COUNT} namespaces are named, then each holds the Secret with identical data; a rotation updates each in place`, async () => {
    const missing = uniqueName('missing');
    const created = await fanOut('shared', { ...credentials, namespaces: [...namespaces, missing] });
    expectMatchesContract(created);
    expect(created.status).toBe(207);
    expect(created.body.results.map((r: { namespace: string }) => r.namespace)).toEqual([...namespaces, missing]);
    expect(created.body.summary).toEqual({ created: COUNT, updated: 0, unchanged: 0, forbidden: 0, failed: 1, linkFailed: 0 });
    expect(created.body.results[COUNT]).toMatchObject({ result: 'failed', reason: expect.stringContaining(missing) });
    expect(await cluster.namespaceExists(missing)).toBe(false);

    const first = await Promise.all(namespaces.map((ns) => storedIn(ns, 'shared')));
    expect(first.every((s) => s.type === 'kubernetes.io/dockerconfigjson')).toBe(true);
    expect(new Set(first.map((s) => JSON.stringify(s.data))).size).toBe(1);

    const rotated = await fanOut('shared', { ...credentials, password: 'rotated', namespaces });
    expectMatchesContract(rotated);
    expect(rotated.status).toBe(200);
    expect(rotated.body.summary).toEqual({ created: 0, updated: COUNT, unchanged: 0, forbidden: 0, failed: 0, linkFailed: 0 });
    const second = await Promise.all(namespaces.map((ns) => storedIn(ns, 'shared')));
    expect(second.map((s) => s.metadata?.uid)).toEqual(first.map((s) => s.metadata?.uid));
    expect(new Set(second.map((s) => JSON.stringify(s.data))).size).toBe(1);
    expect(second[0]!.data).not.toEqual(first[0]!.data);
    const decoded = JSON.parse(Buffer.from(second[0]!.data!['.dockerconfigjson']!, 'base64').toString('utf8'));
    expect(decoded.auths['registry.example.com'].password).toBe('rotated');
  });

  it('when a selector is given, then exactly the matching namespaces are written, by name, and linked', async () => {
    await Promise.all(
      teamX().map((namespace) => createServiceAccountDirectly({ namespace, name: 'default', imagePullSecrets: ['other'] })),
    );
    const res = await fanOut('by-selector', {
      ...credentials,
      namespaceSelector: `regcred-test-run=${run},team=x`,
      serviceAccounts: ['default'],
    });
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { namespace: string }) => r.namespace)).toEqual([...teamX()].sort());
    for (const r of res.body.results)
      expect(r).toMatchObject({ result: 'created', serviceAccountLinks: [{ serviceAccount: 'default', result: 'linked' }] });
    for (const namespace of namespaces) {
      const secret = await cluster.readSecret(namespace, 'by-selector');
      expect(Boolean(secret), namespace).toBe(teamX().includes(namespace));
    }
    expect((await readServiceAccountDirectly(teamX()[0]!, 'default'))!.imagePullSecrets).toEqual(['other', 'by-selector']);
  });

  it('kubernetes mode: each namespace is checked with the caller’s own RBAC; with a selector the others leave no trace', async () => {
    const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 0 });
    const alice = buildTestApp({ cluster, gatekeeper }).app;
    const [mine, notMine] = [namespaces[2]!, namespaces[4]!];
    await grantSecrets(mine, 'alice', ['get', 'create', 'patch']);
    const aliceFanOut = (body: object) =>
      request(alice)
        .put('/v1/pullsecrets/alices')
        .set('Authorization', `Bearer ${userToken('alice')}`)
        .send(body);

    const named = await eventually(async () => {
      const res = await aliceFanOut({ ...credentials, namespaces: [notMine, mine] });
      expect(res.body.results?.[1]?.result).toBe('created');
      return res;
    });
    expectMatchesContract(named);
    expect(named.status).toBe(207);
    expect(named.body.results[0]).toMatchObject({ namespace: notMine, result: 'forbidden' });
    expect(await cluster.readSecret(notMine, 'alices')).toBeUndefined();

    const selected = await aliceFanOut({ ...credentials, namespaceSelector: `regcred-test-run=${run}` });
    expectMatchesContract(selected);
    expect(selected.status).toBe(200);
    expect(selected.body.results).toEqual([{ namespace: mine, result: 'unchanged', name: 'alices' }]);
    expect(selected.text).not.toContain(notMine);

    // Linking ServiceAccounts needs her serviceaccounts rights too, which she lacks: refused before anything is written.
    const before = await cluster.readSecret(mine, 'alices');
    const linking = await aliceFanOut({ ...credentials, password: 'other', namespaces: [mine], serviceAccounts: ['default'] });
    expect(linking.body.results).toEqual([expect.objectContaining({ namespace: mine, result: 'forbidden' })]);
    expect((await cluster.readSecret(mine, 'alices'))!.resourceVersion).toBe(before!.resourceVersion);
  });
});
