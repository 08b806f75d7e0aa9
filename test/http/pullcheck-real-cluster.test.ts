import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { kitArena, type ClusterArena } from '../support/cluster-arena.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { adminKubeConfig, grantRights, kitSuiteTitle, realClusterAvailable, uniqueName, userToken } from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';

const run = promisify(execFile);
const enabled = realClusterAvailable();
const title = kitSuiteTitle('the pull check on a real kube-apiserver');

describe.skipIf(!enabled)(title, () => {
  let arena: ClusterArena;
  let namespace: string;
  beforeEach(async () => {
    arena = await kitArena();
    namespace = uniqueName('pullcheck');
    await arena.createNamespace(namespace);
    await arena.seedServiceAccount({ namespace, name: 'default', automountServiceAccountToken: false });
  });
  // The kit has no controllers: RBAC goes by hand; the arena removes the namespaces (Pods, Secrets, ServiceAccounts first).
  afterEach(async () => {
    await run('kubectl', ['-n', namespace, 'delete', 'rolebindings,roles', '--all'], { timeout: 30_000 });
    await arena.cleanup();
  });

  const cluster = () => new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });

  it('when a Pod waits on a pull (its status set through /status), then POST {"pod"} checks it as admitted and shows what waits', async () => {
    await arena.seedServiceAccount({ namespace, name: 'builder', imagePullSecrets: ['regcred'], automountServiceAccountToken: false });
    await arena.createPod({
      namespace,
      name: 'api',
      serviceAccountName: 'builder',
      containers: [
        { kind: 'initContainer', name: 'migrate', image: 'registry.example.com/team/migrate:3' },
        { kind: 'container', name: 'api', image: 'registry.example.com/team/api:latest' },
      ],
    });
    await arena.setContainerStates(namespace, 'api', [
      { name: 'migrate', waiting: 'ErrImagePull' },
      { name: 'api', waiting: 'PodInitializing' },
    ]);
    const { app } = buildTestApp({ cluster: cluster() });
    const res = await request(app).post(`/v1/namespaces/${namespace}/pullcheck`).send({ pod: 'api' });
    expect(res.status).toBe(200);
    expectMatchesContract(res);
    const [pod] = res.body.workloads;
    expect(pod).toMatchObject({
      kind: 'Pod',
      name: 'api',
      serviceAccount: 'builder',
      pullSecrets: ['regcred'],
      waiting: [{ name: 'migrate', reason: 'ErrImagePull' }],
    });
    expect(pod.containers.map((c: { kind: string; name: string; pullPolicy: string }) => [c.kind, c.name, c.pullPolicy])).toEqual([
      ['initContainer', 'migrate', 'IfNotPresent'],
      ['container', 'api', 'Always'],
    ]);
  });

  it("when the namespace's Pods are scanned a page at a time, then the API server's continue tokens lead through every Pod once", async () => {
    for (const name of ['c', 'a', 'b', 'd']) await arena.createPod({ namespace, name });
    // Only the Pods waiting on a pull are diagnosed; `d` runs.
    for (const name of ['a', 'b', 'c']) await arena.setContainerStates(namespace, name, [{ name: 'app', waiting: 'ErrImagePull' }]);
    const { app } = buildTestApp({ cluster: cluster() });
    const names: string[] = [];
    let scanned = 0;
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await request(app)
        .get(`/v1/namespaces/${namespace}/pullcheck`)
        .query({ limit: '2', ...(next ? { continue: next } : {}) });
      expect(res.status).toBe(200);
      expectMatchesContract(res);
      names.push(...res.body.pods.map((p: { name: string }) => p.name));
      scanned += res.body.scanned;
      next = res.body.continue;
      pages++;
    } while (next && pages < 5);
    expect(names).toEqual(['a', 'b', 'c']);
    expect(scanned).toBe(4);
    expect(pages).toBe(2);
  });

  it('kubernetes mode: the caller needs its own get, list on pods, serviceaccounts and secrets in the namespace; each missing right is a 403', async () => {
    await arena.createPod({ namespace, name: 'api' });
    const gatekeeper = arena.kubernetesGatekeeper!();
    const { app } = buildTestApp({ cluster: cluster(), gatekeeper });
    const as = async (user: 'alice' | 'bob') => {
      const auth = `Bearer ${userToken(user)}`;
      const get = await request(app).get(`/v1/namespaces/${namespace}/pullcheck`).set('Authorization', auth);
      const post = await request(app).post(`/v1/namespaces/${namespace}/pullcheck`).set('Authorization', auth).send({ pod: 'api' });
      expectMatchesContract(get);
      expectMatchesContract(post);
      return [get.status, post.status];
    };
    expect(await as('alice')).toEqual([403, 403]);
    await grantRights(namespace, 'alice', 'secrets', ['get', 'list']);
    await grantRights(namespace, 'alice', 'serviceaccounts', ['get', 'list']);
    expect(await as('alice'), 'without rights on pods').toEqual([403, 403]);
    await grantRights(namespace, 'alice', 'pods', ['get']);
    expect(await as('alice'), 'without list on pods').toEqual([403, 403]);
    await run('kubectl', ['-n', namespace, 'delete', 'role', 'pods-alice'], { timeout: 30_000 });
    await run('kubectl', ['-n', namespace, 'delete', 'rolebinding', 'pods-alice'], { timeout: 30_000 });
    await grantRights(namespace, 'alice', 'pods', ['get', 'list']);
    expect(await as('alice')).toEqual([200, 200]);
    await run('kubectl', ['-n', namespace, 'delete', 'role', 'secrets-alice'], { timeout: 30_000 });
    expect(await as('alice'), 'without get on secrets').toEqual([403, 403]);
    expect(await as('bob')).toEqual([403, 403]);
  });
});
