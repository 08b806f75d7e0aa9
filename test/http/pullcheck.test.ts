import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile, tokenSha256Hex } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { scriptedProbe } from '../support/fake-manifest-probe.js';
import { buildTestApp, type TestAppOptions } from '../support/test-app.js';

// The pull check's HTTP surface on the embedded cluster: routes, bodies (JSON, YAML, several documents,
// a Pod by name), paging, 4xx, access in token mode. Verdicts: pullcheck-verdicts.test.ts.

const PASSWORD = `pw-${Date.now()}-never-shown`;
const dockerConfig = Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { username: 'ci', password: PASSWORD } } })).toString(
  'base64',
);

const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/team-a/api:1.4.2
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: team-a
spec:
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: builder
          initContainers:
            - name: fetch
              image: registry.example.com/team-a/fetch:2
          containers:
            - name: run
              image: registry.example.com/team-a/run:2
`;

function pullCheckApp(options: TestAppOptions = {}) {
  const cluster = new MemoryCluster({ namespaces: ['default', 'team-a', 'team-b'] });
  cluster.seedServiceAccount({ namespace: 'team-a', name: 'default', imagePullSecrets: ['regcred'] });
  cluster.seedServiceAccount({ namespace: 'team-a', name: 'builder', imagePullSecrets: ['regcred'] });
  cluster.seedSecret({
    namespace: 'team-a',
    name: 'regcred',
    type: 'kubernetes.io/dockerconfigjson',
    labels: {},
    annotations: {},
    data: { '.dockerconfigjson': dockerConfig },
  });
  const probe = scriptedProbe(() => ({ outcome: 'pulls', status: 200, detail: 'the registry has the manifest' }));
  return { ...buildTestApp({ cluster, probe, ...options }), cluster, probe };
}

const problemOf = (res: request.Response) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expectMatchesContract(res);
  return res.body as { status: number; errors?: Array<{ path: string; code: string; message: string }> };
};

describe('POST /v1/namespaces/{namespace}/pullcheck', () => {
  it('when a Deployment and a CronJob come as two YAML documents, then each workload is checked in order, every container once, and the answer matches the contract', async () => {
    const { app } = pullCheckApp();
    const res = await request(app).post('/v1/namespaces/team-a/pullcheck').set('Content-Type', 'application/yaml').send(DEPLOYMENT_YAML);
    expect(res.status).toBe(200);
    expectMatchesContract(res);
    expect(res.body.namespace).toBe('team-a');
    expect(res.body.workloads.map((w: { kind: string; name: string }) => `${w.kind}/${w.name}`)).toEqual([
      'Deployment/api',
      'CronJob/nightly',
    ]);
    expect(res.body.workloads[1]).toMatchObject({ namespace: 'team-a', serviceAccount: 'builder', pullSecrets: ['regcred'] });
    expect(res.body.workloads[1].containers.map((c: { kind: string; name: string }) => `${c.kind}/${c.name}`)).toEqual([
      'initContainer/fetch',
      'container/run',
    ]);
    expect(res.body.willPull).toBe(res.body.workloads.every((w: { willPull: boolean }) => w.willPull));
  });

  it('when the same manifest comes as JSON, or as a List, then it is read the same way', async () => {
    const { app } = pullCheckApp();
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };
    const single = await request(app).post('/v1/namespaces/team-a/pullcheck').send(pod);
    const list = await request(app)
      .post('/v1/namespaces/team-a/pullcheck')
      .send({ apiVersion: 'v1', kind: 'List', items: [pod, { ...pod, metadata: { name: 'web-2' } }] });
    expect(single.status).toBe(200);
    expect(single.body.workloads.map((w: { name: string }) => w.name)).toEqual(['web']);
    expect(list.status).toBe(200);
    expect(list.body.workloads.map((w: { name: string }) => w.name)).toEqual(['web', 'web-2']);
  });

  it('when {"pod": name} names a Pod, then that Pod is checked as admitted, with its containers waiting on a pull', async () => {
    const { app, cluster } = pullCheckApp();
    cluster.seedPod({
      namespace: 'team-a',
      name: 'api-7d4b9c',
      containers: [{ kind: 'container', name: 'api', image: 'registry.example.com/team-a/api:1' }],
    });
    cluster.setPodContainerStates('team-a', 'api-7d4b9c', [{ name: 'api', waiting: 'ImagePullBackOff' }]);
    const res = await request(app).post('/v1/namespaces/team-a/pullcheck').send({ pod: 'api-7d4b9c' });
    expect(res.status).toBe(200);
    expectMatchesContract(res);
    expect(res.body.workloads).toHaveLength(1);
    expect(res.body.workloads[0]).toMatchObject({
      kind: 'Pod',
      name: 'api-7d4b9c',
      serviceAccount: 'default',
      pullSecrets: ['regcred'],
      waiting: [{ name: 'api', reason: 'ImagePullBackOff' }],
      creationTimestamp: expect.any(String),
    });
  });

  it('when the Pod or the namespace does not exist, then 404 problem+json names it', async () => {
    const { app } = pullCheckApp();
    const pod = await request(app).post('/v1/namespaces/team-a/pullcheck').send({ pod: 'absent' });
    expect(pod.status).toBe(404);
    expect(problemOf(pod)).toMatchObject({ detail: 'pod "absent" not found in namespace "team-a"' });
    const namespace = await request(app).post('/v1/namespaces/nowhere/pullcheck').send({ pod: 'absent' });
    expect(namespace.status).toBe(404);
    expect(problemOf(namespace)).toMatchObject({ detail: expect.stringContaining('namespace "nowhere" does not exist') });
  });

  it('when a manifest says another namespace, then 422 names its metadata/namespace and the rule, and nothing is read from the registry', async () => {
    const { app, probe } = pullCheckApp();
    const res = await request(app).post('/v1/namespaces/team-b/pullcheck').set('Content-Type', 'application/yaml').send(DEPLOYMENT_YAML);
    expect(res.status).toBe(422);
    expect(problemOf(res).errors).toEqual([
      expect.objectContaining({ path: '1/metadata/namespace', code: 'namespace_mismatch', message: expect.stringContaining('"team-b"') }),
    ]);
    expect(probe.probes).toEqual([]);
  });

  it('when the manifests hold more than 50 containers, then 422 names the template that crossed the line, too_big', async () => {
    const { app, probe } = pullCheckApp();
    const containers = Array.from({ length: 51 }, (_, i) => ({ name: `c${i}`, image: `registry.example.com/c:${i}` }));
    const res = await request(app)
      .post('/v1/namespaces/team-a/pullcheck')
      .send({ kind: 'Pod', metadata: { name: 'big' }, spec: { containers } });
    expect(res.status).toBe(422);
    expect(problemOf(res).errors).toEqual([expect.objectContaining({ path: 'spec', code: 'too_big' })]);
    expect(probe.probes).toEqual([]);
  });

  it.each([
    ['a kind without a Pod template', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 'kind'],
    ['an object without kind', { metadata: { name: 'x' } }, 'kind'],
    ['a Pod reference with other fields', { pod: 'api', namespace: 'team-a' }, 'namespace'],
    ['a Pod reference that is not a name', { pod: 'Not A Name' }, 'pod'],
    ['a List without workloads', { apiVersion: 'v1', kind: 'List', items: [] }, ''],
  ])('when the body is %s, then 422 problem+json names the field', async (_what, body, field) => {
    const { app } = pullCheckApp();
    const res = await request(app).post('/v1/namespaces/team-a/pullcheck').send(body);
    expect(res.status).toBe(422);
    expect(problemOf(res).errors?.map((e) => e.path)).toContain(field);
  });

  it.each([
    ['broken JSON', 'application/json', '{"kind": "Pod"', 400],
    ['broken YAML', 'application/yaml', 'kind: Pod\n  - : [', 400],
    ['an empty body', 'application/yaml', '   \n', 400],
    ['more than 50 YAML documents', 'application/yaml', Array.from({ length: 51 }, () => 'kind: Pod').join('\n---\n'), 400],
    ['text/plain', 'text/plain', 'kind: Pod', 415],
  ])('when the body is %s, then %#: a 4xx problem, never a 500, never an echo', async (_what, type, text, status) => {
    const { app } = pullCheckApp();
    const res = await request(app).post('/v1/namespaces/team-a/pullcheck').set('Content-Type', type).send(text);
    expect(res.status).toBe(status);
    problemOf(res);
    expect(JSON.stringify(res.body)).not.toContain('kind: Pod');
  });

  it('when it answers, then no password from a secret it read appears anywhere in the answer', async () => {
    const { app, cluster } = pullCheckApp();
    cluster.seedPod({ namespace: 'team-a', name: 'p' });
    const post = await request(app).post('/v1/namespaces/team-a/pullcheck').set('Content-Type', 'application/yaml').send(DEPLOYMENT_YAML);
    const scan = await request(app).get('/v1/namespaces/team-a/pullcheck');
    for (const res of [post, scan]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(PASSWORD);
      expect(res.text).not.toContain(dockerConfig);
    }
  });
});

describe('GET /v1/namespaces/{namespace}/pullcheck', () => {
  it('when the namespace holds more Pods than a page, then pages of `limit` follow each other by name through `continue`', async () => {
    const { app, cluster } = pullCheckApp();
    for (const name of ['c', 'a', 'b', 'd']) cluster.seedPod({ namespace: 'team-a', name });
    // Only Pods waiting on a pull are diagnosed; the others count as scanned.
    for (const name of ['a', 'b', 'c']) cluster.setPodContainerStates('team-a', name, [{ name: 'app', waiting: 'ImagePullBackOff' }]);
    const first = await request(app).get('/v1/namespaces/team-a/pullcheck?limit=2');
    expect(first.status).toBe(200);
    expectMatchesContract(first);
    expect(first.body.scanned).toBe(2);
    expect(first.body.pods.map((p: { name: string }) => p.name)).toEqual(['a', 'b']);
    expect(first.body.continue).toEqual(expect.any(String));
    const second = await request(app).get(`/v1/namespaces/team-a/pullcheck?limit=2&continue=${encodeURIComponent(first.body.continue)}`);
    expect(second.body.scanned).toBe(2);
    expect(second.body.pods.map((p: { name: string }) => p.name)).toEqual(['c']);
    expect(second.body.continue).toBeUndefined();
  });

  it('when no limit is given, then a page holds 50 Pods', async () => {
    const { app, cluster } = pullCheckApp();
    for (let i = 0; i < 51; i++) cluster.seedPod({ namespace: 'team-a', name: `p-${String(i).padStart(2, '0')}` });
    const res = await request(app).get('/v1/namespaces/team-a/pullcheck');
    expect(res.body.scanned).toBe(50);
    expect(res.body.pods).toHaveLength(0);
    expect(res.body.continue).toEqual(expect.any(String));
  });

  it.each([
    ['limit=101', 'limit', 'too_big'],
    ['limit=0', 'limit', 'too_small'],
    ['limit=x', 'limit', 'invalid_format'],
    ['continue=not-a-token', 'continue', 'invalid_continue'],
    ['pods=1', 'pods', 'unrecognized_key'],
  ])('when the query is %s, then 422 names %s and %s', async (query, path, code) => {
    const { app, cluster } = pullCheckApp();
    cluster.seedPod({ namespace: 'team-a', name: 'p' });
    const res = await request(app).get(`/v1/namespaces/team-a/pullcheck?${query}`);
    expect(res.status).toBe(422);
    expect(problemOf(res).errors).toContainEqual(expect.objectContaining({ path, code }));
  });

  it('when the namespace does not exist, then 404', async () => {
    const { app } = pullCheckApp();
    const res = await request(app).get('/v1/namespaces/nowhere/pullcheck');
    expect(res.status).toBe(404);
    problemOf(res);
  });
});

describe("token mode: the caller's namespace grant", () => {
  const TEAM_A_TOKEN = 'team-a-token-0123456789abcdef';
  const TOKENS = parseTokensFile(`
- caller: team-a-ci
  sha256: ${tokenSha256Hex(TEAM_A_TOKEN)}
  namespaces: [team-a]
`);

  it('when the grant covers the namespace, then both operations answer; elsewhere 403 before the body is read, the same whether the namespace exists or not', async () => {
    const { app, cluster, probe } = pullCheckApp({ gatekeeper: tokenGatekeeper(TOKENS) });
    cluster.seedPod({ namespace: 'team-a', name: 'p' });
    const auth = `Bearer ${TEAM_A_TOKEN}`;
    expect((await request(app).get('/v1/namespaces/team-a/pullcheck').set('Authorization', auth)).status).toBe(200);
    expect((await request(app).post('/v1/namespaces/team-a/pullcheck').set('Authorization', auth).send({ pod: 'p' })).status).toBe(200);
    const probesSoFar = probe.probes.length;
    for (const namespace of ['team-b', 'nowhere']) {
      const get = await request(app).get(`/v1/namespaces/${namespace}/pullcheck`).set('Authorization', auth);
      const post = await request(app)
        .post(`/v1/namespaces/${namespace}/pullcheck`)
        .set('Authorization', auth)
        .set('Content-Type', 'application/json')
        .send('{broken');
      expect([get.status, post.status]).toEqual([403, 403]);
      expect(problemOf(post).status).toBe(403);
    }
    expect(probe.probes).toHaveLength(probesSoFar);
    expect((await request(app).get('/v1/namespaces/team-a/pullcheck')).status).toBe(401);
  });

  it("when the registry is probed, then each probe takes the caller's share of the verification slots, as a verification does", async () => {
    const { app, cluster, probe } = pullCheckApp({ gatekeeper: tokenGatekeeper(TOKENS) });
    cluster.seedPod({ namespace: 'team-a', name: 'p' });
    cluster.setPodContainerStates('team-a', 'p', [{ name: 'app', waiting: 'ErrImagePull' }]);
    const auth = `Bearer ${TEAM_A_TOKEN}`;
    expect((await request(app).post('/v1/namespaces/team-a/pullcheck').set('Authorization', auth).send({ pod: 'p' })).status).toBe(200);
    expect((await request(app).get('/v1/namespaces/team-a/pullcheck').set('Authorization', auth)).status).toBe(200);
    expect(probe.callers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(probe.callers)).toEqual(new Set(['caller:team-a-ci']));
  });
});
