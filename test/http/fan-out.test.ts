import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' };
const dockerConfig = JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('janedoe:pw').toString('base64') } } });
const TEAM_TOKEN = 'team-token-0123456789abcdef';

// team-a, team-b and secret-ops carry team=x; kube-system too (it is on the default deny list).
function clusterWithTeams(): MemoryCluster {
  return new MemoryCluster({
    namespaces: [
      'default',
      { name: 'team-a', labels: { team: 'x' } },
      { name: 'team-b', labels: { team: 'x' } },
      { name: 'team-c', labels: { team: 'y' } },
      { name: 'secret-ops', labels: { team: 'x' } },
      { name: 'kube-system', labels: { team: 'x' } },
    ],
  });
}

describe('one pull secret to many namespaces (in-memory cluster)', () => {
  let memory: MemoryCluster;
  let t: TestApp;
  beforeEach(() => {
    memory = clusterWithTeams();
    t = buildTestApp({ cluster: memory });
  });

  const fanOut = (body: object, url = '/v1/pullsecrets/regcred') => request(t.app).put(url).send(body);
  const results = (res: request.Response) => res.body.results.map((r: { namespace: string; result: string }) => [r.namespace, r.result]);

  describe('PUT /v1/pullsecrets/{name} with namespaces', () => {
    it('when every namespace is written, then 200, results in the order given, and the same data in each', async () => {
      const res = await fanOut({ ...credentials, namespaces: ['team-b', 'default', 'team-a'] });
      expectMatchesContract(res);
      expect(res.status).toBe(200);
      expect(results(res)).toEqual([
        ['team-b', 'created'],
        ['default', 'created'],
        ['team-a', 'created'],
      ]);
      expect(res.body.summary).toEqual({ created: 3, updated: 0, unchanged: 0, forbidden: 0, failed: 0, linkFailed: 0 });
      expect(res.body.registries).toEqual([expect.objectContaining({ server: 'registry.example.com', username: 'janedoe' })]);
      const stored = await Promise.all(['team-b', 'default', 'team-a'].map((ns) => memory.readSecret(ns, 'regcred')));
      expect(new Set(stored.map((s) => JSON.stringify(s!.data))).size).toBe(1);
    });

    it('when run again with a new password, then each Secret is updated in place (same uid); a repeat is unchanged', async () => {
      await fanOut({ ...credentials, namespaces: ['team-a', 'team-b'] });
      const uids = await Promise.all(['team-a', 'team-b'].map(async (ns) => (await memory.readSecret(ns, 'regcred'))!.uid));
      const updated = await fanOut({ ...credentials, password: 'rotated', namespaces: ['team-a', 'team-b'] });
      expect(results(updated)).toEqual([
        ['team-a', 'updated'],
        ['team-b', 'updated'],
      ]);
      expect(await Promise.all(['team-a', 'team-b'].map(async (ns) => (await memory.readSecret(ns, 'regcred'))!.uid))).toEqual(uids);
      const again = await fanOut({ ...credentials, password: 'rotated', namespaces: ['team-a', 'team-b', 'team-c'] });
      expect(again.body.summary).toEqual({ created: 1, updated: 0, unchanged: 2, forbidden: 0, failed: 0, linkFailed: 0 });
    });

    it('when a namespace does not exist or is on the deny list, then 207: failed with a reason, forbidden, and the rest written', async () => {
      const res = await fanOut({ ...credentials, namespaces: ['team-a', 'nowhere', 'kube-system'] });
      expectMatchesContract(res);
      expect(res.status).toBe(207);
      expect(results(res)).toEqual([
        ['team-a', 'created'],
        ['nowhere', 'failed'],
        ['kube-system', 'forbidden'],
      ]);
      expect(res.body.results[1].reason).toContain('nowhere');
      expect(res.body.summary).toMatchObject({ created: 1, forbidden: 1, failed: 1 });
      expect(await memory.readSecret('kube-system', 'regcred')).toBeUndefined();
      expect(await memory.namespaceExists('nowhere')).toBe(false);
    });

    it('when serviceAccounts are given, then each namespace links them, and one lacking them fails without a secret', async () => {
      memory.seedServiceAccount({ namespace: 'team-a', name: 'default', imagePullSecrets: ['old'] });
      const res = await fanOut({ ...credentials, namespaces: ['team-a', 'team-b'], serviceAccounts: ['default'] });
      expectMatchesContract(res);
      expect(res.status).toBe(207);
      expect(res.body.results[0]).toEqual({
        namespace: 'team-a',
        result: 'created',
        name: 'regcred',
        serviceAccountLinks: [{ serviceAccount: 'default', result: 'linked' }],
      });
      expect(res.body.results[1]).toMatchObject({ namespace: 'team-b', result: 'failed', reason: expect.stringContaining('default') });
      expect((await memory.readServiceAccount('team-a', 'default'))!.imagePullSecrets).toEqual(['old', 'regcred']);
      expect(await memory.readSecret('team-b', 'regcred')).toBeUndefined();
    });

    it('when appendHash=true, then every result names the hashed Secret', async () => {
      const res = await fanOut({ ...credentials, namespaces: ['team-a', 'team-b'] }, '/v1/pullsecrets/foo?appendHash=true');
      const names = res.body.results.map((r: { name: string }) => r.name);
      expect(names[0]).toMatch(/^foo-[a-z0-9]{10}$/);
      expect(names[1]).toBe(names[0]);
    });

    it('when dryRun=server, then the answer says what would happen and nothing is stored', async () => {
      const res = await fanOut({ ...credentials, namespaces: ['team-a', 'team-b'] }, '/v1/pullsecrets/regcred?dryRun=server');
      expectMatchesContract(res);
      expect(res.body).toMatchObject({ dryRun: true, summary: { created: 2 } });
      expect(await memory.listSecrets('team-a', { limit: 1 })).toEqual({ items: [] });
    });
  });

  describe('namespaceSelector', () => {
    it('when a selector is given, then the matching namespaces the caller may write are written; the denied ones leave no trace (not a 207)', async () => {
      const res = await fanOut({ ...credentials, namespaceSelector: 'team=x' });
      expectMatchesContract(res);
      expect(res.status).toBe(200);
      expect(results(res)).toEqual([
        ['secret-ops', 'created'],
        ['team-a', 'created'],
        ['team-b', 'created'],
      ]);
      expect(res.body.summary.forbidden).toBe(0);
      expect(res.text).not.toContain('kube-system');
    });

    it('when a selector matches nothing, then 200 with no results', async () => {
      const res = await fanOut({ ...credentials, namespaceSelector: 'team=nobody' });
      expectMatchesContract(res);
      expect([res.status, res.body.results]).toEqual([200, []]);
    });
  });

  describe('PUT /v1/pullsecrets/{name}/dockerconfig', () => {
    const upload = (query: string) =>
      request(t.app).put(`/v1/pullsecrets/uploaded/dockerconfig?${query}`).set('Content-Type', 'application/json').send(dockerConfig);

    it('when ?namespaces=a,b is given, then both get the config.json', async () => {
      const res = await upload('namespaces=team-a,team-c');
      expectMatchesContract(res);
      expect([res.status, results(res)]).toEqual([
        200,
        [
          ['team-a', 'created'],
          ['team-c', 'created'],
        ],
      ]);
    });

    it('when ?namespaceSelector and ?serviceAccounts are given, then the matching namespaces get it, linked', async () => {
      memory.seedServiceAccount({ namespace: 'team-c', name: 'builder' });
      const res = await upload(`namespaceSelector=${encodeURIComponent('team in (y)')}&serviceAccounts=builder`);
      expectMatchesContract(res);
      expect([res.status, results(res)]).toEqual([200, [['team-c', 'created']]]);
      expect((await memory.readServiceAccount('team-c', 'builder'))!.imagePullSecrets).toEqual(['uploaded']);
    });

    it('when both or neither target is given, or the selector does not parse, then 422 naming the parameter', async () => {
      const both = await upload('namespaces=team-a&namespaceSelector=team%3Dx');
      const neither = await upload('');
      const bad = await upload(`namespaceSelector=${encodeURIComponent('team in (')}`);
      for (const res of [both, neither, bad]) expectMatchesContract(res);
      expect([both.status, neither.status, bad.status]).toEqual([422, 422, 422]);
      expect(both.body.errors).toEqual([expect.objectContaining({ path: 'namespaceSelector', code: 'exclusive' })]);
      expect(neither.body.errors).toEqual([expect.objectContaining({ path: 'namespaces', code: 'required' })]);
      expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'namespaceSelector', code: 'label_selector' })]);
    });
  });

  describe('bad input', () => {
    it.each([
      ['both targets', { namespaces: ['team-a'], namespaceSelector: 'team=x' }, 'namespaceSelector', 'exclusive'],
      ['no target', {}, 'namespaces', 'required'],
      ['a selector that does not parse', { namespaceSelector: 'team in (' }, 'namespaceSelector', 'label_selector'],
      ['a namespace named twice', { namespaces: ['team-a', 'team-b', 'team-a'] }, 'namespaces/2', 'unique'],
      ['no namespaces', { namespaces: [] }, 'namespaces', 'too_small'],
      ['more than 1000 namespaces', { namespaces: Array.from({ length: 1001 }, (_, i) => `ns-${i}`) }, 'namespaces', 'too_big'],
      ['an invalid namespace name', { namespaces: ['Team_A'] }, 'namespaces/0', 'invalid_format'],
    ])('when the body has %s, then 422 names the field and the rule, and nothing is written', async (_, targets, path, code) => {
      const res = await fanOut({ ...credentials, ...targets });
      expectMatchesContract(res);
      expect(res.status).toBe(422);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ path, code }));
      expect(await memory.listSecrets('team-a', { limit: 1 })).toEqual({ items: [] });
    });
  });
});

describe('fan-out in token mode: each namespace authorised on its own', () => {
  const gatekeeper = tokenGatekeeper(parseTokensFile(JSON.stringify([{ caller: 'team-ci', token: TEAM_TOKEN, namespaces: ['team-*'] }])));
  const setup = () => {
    const memory = clusterWithTeams();
    return { memory, ...buildTestApp({ cluster: memory, gatekeeper }) };
  };
  const fanOut = (app: TestApp['app'], body: object) =>
    request(app).put('/v1/pullsecrets/regcred').set('Authorization', `Bearer ${TEAM_TOKEN}`).send(body);

  it('when named namespaces include one the token does not grant, then that one is forbidden and the others written (207)', async () => {
    const { app, memory, logLines } = setup();
    const res = await fanOut(app, { ...credentials, namespaces: ['team-a', 'secret-ops', 'kube-system', 'team-b'] });
    expectMatchesContract(res);
    expect(res.status).toBe(207);
    expect(res.body.results.map((r: { result: string }) => r.result)).toEqual(['created', 'forbidden', 'forbidden', 'created']);
    expect(await memory.readSecret('secret-ops', 'regcred')).toBeUndefined();
    const audit = logLines.map((l) => JSON.parse(l)).filter((l) => l.audit === true);
    expect(audit.map((a) => [a.caller, a.namespace, a.result])).toEqual([
      ['team-ci', 'team-a', 'created'],
      ['team-ci', 'secret-ops', 'denied'],
      ['team-ci', 'kube-system', 'denied'],
      ['team-ci', 'team-b', 'created'],
    ]);
  });

  it('when a selector matches namespaces the token does not grant, then they leave no trace in the answer', async () => {
    const { app, memory } = setup();
    const res = await fanOut(app, { ...credentials, namespaceSelector: 'team=x' });
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { namespace: string }) => r.namespace)).toEqual(['team-a', 'team-b']);
    expect(res.body.summary).toMatchObject({ created: 2, forbidden: 0 });
    expect(res.text).not.toMatch(/secret-ops|kube-system/);
    expect(await memory.readSecret('secret-ops', 'regcred')).toBeUndefined();
  });

  it('when there is no token, then 401 and nothing is written', async () => {
    const { app, memory } = setup();
    const res = await request(app)
      .put('/v1/pullsecrets/regcred')
      .send({ ...credentials, namespaces: ['team-a'] });
    expect(res.status).toBe(401);
    expect(await memory.readSecret('team-a', 'regcred')).toBeUndefined();
  });
});

describe('the canary password never leaks from a fan-out', () => {
  it('appears in no answer and no log line, whatever the outcome per namespace', async () => {
    const canary = `canary-${Date.now()}-Fo7`;
    const { app, logLines } = buildTestApp({ cluster: clusterWithTeams() });
    const creds = { ...credentials, password: canary };
    const config = JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from(`janedoe:${canary}`).toString('base64') } } });
    const answers = [
      await request(app)
        .put('/v1/pullsecrets/regcred')
        .send({ ...creds, namespaces: ['team-a', 'nowhere', 'kube-system'] }),
      await request(app)
        .put('/v1/pullsecrets/regcred')
        .send({ ...creds, namespaceSelector: 'team=x', serviceAccounts: ['default'] }),
      await request(app)
        .put('/v1/pullsecrets/regcred?dryRun=server')
        .send({ ...creds, namespaces: ['team-b'] }),
      await request(app)
        .put('/v1/pullsecrets/regcred')
        .send({ ...creds, namespaceSelector: 'team in (' }),
      await request(app)
        .put('/v1/pullsecrets/up/dockerconfig?namespaces=team-a,team-c')
        .set('Content-Type', 'application/json')
        .send(config),
    ];
    expect(answers.map((a) => a.status)).toEqual([207, 207, 200, 422, 200]);
    const auth = Buffer.from(`janedoe:${canary}`).toString('base64');
    for (const text of [...answers.map((a) => a.text), ...logLines]) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(auth);
    }
    expect(logLines.length).toBeGreaterThan(0);
  });
});
