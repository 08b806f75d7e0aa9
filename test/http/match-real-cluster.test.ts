import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { kubernetesGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import {
  adminKubeConfig,
  createPullSecretWithKubectl,
  createSecretDirectly,
  createTestNamespace,
  grantSecrets,
  kitSuiteTitle,
  realClusterAvailable,
  type TestNamespace,
  uniqueName,
  userToken,
} from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const enabled = realClusterAvailable();
const title = kitSuiteTitle('the match simulator on a real kube-apiserver');
const PASSWORD = `pw-${Date.now()}-never-shown`;

const kubectl = (namespace: string, ...args: string[]) => run('kubectl', ['-n', namespace, ...args], { timeout: 30_000 });

describe.skipIf(!enabled)(title, () => {
  let namespace: TestNamespace;
  let t: TestApp;
  beforeEach(async () => {
    namespace = await createTestNamespace('match');
    t = buildTestApp({ cluster: new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 }) });
  });
  // The kit has no controllers: ServiceAccounts and RBAC go by hand; the namespace helper removes the Secrets.
  afterEach(async () => {
    await kubectl(namespace.name, 'delete', 'serviceaccounts,rolebindings,roles', '--all');
    await namespace.remove();
  });

  const matchIn = (body: object, ns = namespace.name) => request(t.app).post(`/v1/namespaces/${ns}/match`).send(body);

  it('when a ServiceAccount lists secrets made by kubectl, then the answer follows its imagePullSecrets in order, and shows no password', async () => {
    // kubectl create secret docker-registry ... ; kubectl create serviceaccount builder ; kubectl patch serviceaccount builder -p ...
    await createPullSecretWithKubectl(namespace.name, 'team', {
      server: 'registry.example.com/team',
      username: 'team-bot',
      password: PASSWORD,
    });
    await createPullSecretWithKubectl(namespace.name, 'org', {
      server: 'https://registry.example.com',
      username: 'org-bot',
      password: PASSWORD,
    });
    await createPullSecretWithKubectl(namespace.name, 'hub', {
      server: 'https://index.docker.io/v1/',
      username: 'hub-bot',
      password: PASSWORD,
    });
    await kubectl(namespace.name, 'create', 'serviceaccount', 'builder');
    const pullSecrets = { imagePullSecrets: [{ name: 'org' }, { name: 'deleted-long-ago' }, { name: 'team' }, { name: 'hub' }] };
    await kubectl(namespace.name, 'patch', 'serviceaccount', 'builder', '-p', JSON.stringify(pullSecrets));

    const res = await matchIn({
      images: ['registry.example.com/team/app:2', 'registry.example.com/other/app', 'nginx:1.27'],
      serviceAccount: 'builder',
    });

    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.secrets).toEqual(['org', 'deleted-long-ago', 'team', 'hub']);
    const tried = res.body.images.map((image: { entries: Array<{ secret: string; username: string }> }) =>
      image.entries.map((e) => `${e.secret}/${e.username}`),
    );
    expect(tried).toEqual([['team/team-bot', 'org/org-bot'], ['org/org-bot'], ['hub/hub-bot']]);
    expect(res.body.images[2].entries[0]).toMatchObject({ matchedKey: 'index.docker.io', rule: 'docker-hub-default' });
    expect(res.body.warnings).toEqual([expect.stringMatching(/secret "deleted-long-ago" does not exist/)]);
    expect(res.body.failsAllPulls).toBe(false);
    expect(res.text).not.toContain(PASSWORD);
    expect(t.logLines.join('\n')).not.toContain(PASSWORD);
  });

  it('when a secret is named by the Pod, then a missing one is skipped, an Opaque one ignored, and a broken one fails every pull', async () => {
    await createPullSecretWithKubectl(namespace.name, 'regcred', { server: 'registry.example.com', username: 'jane', password: PASSWORD });
    await createSecretDirectly({
      namespace: namespace.name,
      name: 'opaque',
      type: 'Opaque',
      labels: {},
      annotations: {},
      data: { token: 'eA==' },
    });
    // The API server checks only that .dockerconfigjson is JSON; the kubelet also decodes each "auth".
    const broken = Buffer.from(JSON.stringify({ auths: { 'other.example.com': { auth: '!!!not-base64' } } })).toString('base64');
    await createSecretDirectly({
      namespace: namespace.name,
      name: 'broken',
      type: 'kubernetes.io/dockerconfigjson',
      labels: {},
      annotations: {},
      data: { '.dockerconfigjson': broken },
    });

    const healthy = await matchIn({ images: ['registry.example.com/app'], secrets: ['absent', 'opaque', 'regcred'] });
    expectMatchesContract(healthy);
    expect(healthy.body.images[0].entries).toEqual([
      { secret: 'regcred', server: 'registry.example.com', matchedKey: 'registry.example.com', username: 'jane', rule: 'match' },
    ]);
    expect(healthy.body.warnings).toEqual([expect.stringMatching(/"absent" does not exist/), expect.stringMatching(/"opaque" is ignored/)]);

    const withBroken = await matchIn({ images: ['registry.example.com/app'], secrets: ['regcred', 'broken'] });
    expectMatchesContract(withBroken);
    expect(withBroken.body).toMatchObject({ failsAllPulls: true, images: [{ entries: [], anonymous: false }] });
  });

  it('when the ServiceAccount or the namespace does not exist, then 404', async () => {
    const missingNamespace = uniqueName('missing');
    const cases: Array<[string, object, string]> = [
      [namespace.name, { serviceAccount: 'nobody' }, 'serviceaccount "nobody"'],
      [missingNamespace, { serviceAccount: 'default' }, `namespace "${missingNamespace}"`],
      [missingNamespace, { secrets: ['regcred'] }, `namespace "${missingNamespace}"`],
    ];
    for (const [ns, body, named] of cases) {
      const res = await matchIn({ images: ['nginx'], ...body }, ns);
      expectMatchesContract(res);
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain(named);
    }
  });

  it("kubernetes mode: a caller who may get secrets can match named secrets, but a ServiceAccount's only with the right to read it", async () => {
    await createPullSecretWithKubectl(namespace.name, 'regcred', { server: 'registry.example.com', username: 'jane', password: PASSWORD });
    await kubectl(namespace.name, 'create', 'serviceaccount', 'builder');
    await grantSecrets(namespace.name, 'alice', ['get']);
    const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 0 });
    const { app } = buildTestApp({ cluster: new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 }), gatekeeper });
    const as = (user: 'alice' | 'bob', body: object) =>
      request(app)
        .post(`/v1/namespaces/${namespace.name}/match`)
        .set('Authorization', `Bearer ${userToken(user)}`)
        .send({ images: ['nginx'], ...body });

    expect((await as('alice', { secrets: ['regcred'] })).status).toBe(200);
    const noServiceAccountRight = await as('alice', { serviceAccount: 'builder' });
    expectMatchesContract(noServiceAccountRight);
    expect(noServiceAccountRight.status).toBe(403);
    expect((await as('bob', { secrets: ['regcred'] })).status).toBe(403);
  });
});
