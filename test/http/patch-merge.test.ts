import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { RegistryVerifier } from '../../src/domain/verify/registry-verifier.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const base64 = (text: string) => Buffer.from(text).toString('base64');
const CANARY = `canary-${Date.now()}-Pm7`;
const path = (name = 'regcred', namespace = 'default') => `/v1/namespaces/${namespace}/pullsecrets/${name}`;

/** A config.json as others write it: an entry with only `auth` (docker login), one with an identity token, a credential store. */
const foreignConfig = {
  auths: {
    'docker-login.example.com': { auth: base64('jane:from-docker-login') },
    'token.example.com': { identitytoken: 'oauth-refresh-token' },
    'old.example.com': { username: 'old', password: 'old-pw', auth: base64('old:old-pw') },
  },
  credsStore: 'desktop',
};

/** The entry `kubectl create secret docker-registry` (and regcred) writes. */
const kubectlEntry = (username: string, password: string) => ({ username, password, auth: base64(`${username}:${password}`) });

describe('PATCH /v1/namespaces/{namespace}/pullsecrets/{name}: merge some entries, keep the rest', () => {
  let t: TestApp;
  let memory: MemoryCluster;
  beforeEach(() => {
    t = buildTestApp();
    memory = t.cluster as MemoryCluster;
  });

  const patch = (body: object, url = path()) => request(t.app).patch(url).send(body);
  const seed = (name: string, type: string, data: Record<string, string>) =>
    memory.seedSecret({ namespace: 'default', name, type, labels: {}, annotations: {}, data });
  const seedConfig = (config: object, name = 'regcred') =>
    seed(name, 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': base64(JSON.stringify(config)) });
  const storedText = async (name = 'regcred') =>
    Buffer.from((await memory.readSecret('default', name))!.data['.dockerconfigjson']!, 'base64').toString('utf8');
  const stored = async (name = 'regcred') => JSON.parse(await storedText(name));

  it('when one server is upserted and one removed, then only those entries change, and fields regcred never writes are kept', async () => {
    seedConfig(foreignConfig);

    const res = await patch({ upsert: [{ server: 'ghcr.io', username: 'bot', password: CANARY }], remove: ['old.example.com'] });

    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.result).toBe('updated');
    const { 'old.example.com': _removed, ...kept } = foreignConfig.auths;
    expect(await stored()).toEqual({ auths: { ...kept, 'ghcr.io': kubectlEntry('bot', CANARY) }, credsStore: 'desktop' });
    expect(res.body.registries.map((r: { server: string }) => r.server).sort()).toEqual([
      'docker-login.example.com',
      'ghcr.io',
      'token.example.com',
    ]);
    expect(res.text).not.toContain(CANARY);
  });

  it('when an existing server is upserted, then its entry is replaced whole, as kubectl writes one', async () => {
    seedConfig(foreignConfig);

    await patch({ upsert: [{ server: 'docker-login.example.com', username: 'jane', password: 'rotated', email: 'jane@example.com' }] });

    expect((await stored()).auths['docker-login.example.com']).toEqual({ ...kubectlEntry('jane', 'rotated'), email: 'jane@example.com' });
    expect((await stored()).auths['token.example.com']).toEqual(foreignConfig.auths['token.example.com']);
  });

  it('when the merge changes nothing, then the answer is unchanged and nothing is written, even with "<" and "&" in a kept password', async () => {
    const put = await request(t.app)
      .put(path())
      .send({
        registries: [
          { server: 'a.example.com', username: 'u', password: 'p<q&r>' },
          { server: 'b.example.com', username: 'v', password: 'w' },
        ],
      });
    const before = await storedText();

    const res = await patch({ upsert: [{ server: 'b.example.com', username: 'v', password: 'w' }] });

    expectMatchesContract(res);
    expect(res.body.result).toBe('unchanged');
    expect(res.body.resourceVersion).toBe(put.body.resourceVersion);
    expect(await storedText()).toBe(before);
  });

  it('when a server to remove is not in the secret, then the answer warns and the others are kept', async () => {
    seedConfig(foreignConfig);

    const res = await patch({ upsert: [{ server: 'ghcr.io', username: 'bot', password: 'x' }], remove: ['never.example.com'] });

    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.warnings).toContain('"never.example.com" was not in the secret; nothing to remove');
    expect(Object.keys((await stored()).auths).sort()).toEqual([
      'docker-login.example.com',
      'ghcr.io',
      'old.example.com',
      'token.example.com',
    ]);
  });

  it('with dryRun=server, then the merged view is answered and nothing is stored', async () => {
    const original = seedConfig(foreignConfig);

    const res = await patch({ remove: ['old.example.com'] }, `${path()}?dryRun=server`);

    expectMatchesContract(res);
    expect(res.body).toMatchObject({ result: 'updated', dryRun: true });
    expect(res.body.registries).toHaveLength(2);
    expect((await memory.readSecret('default', 'regcred'))?.resourceVersion).toBe(original.resourceVersion);
    expect(await stored()).toEqual(foreignConfig);
  });

  it('with verify, then only the upserted registries are checked; verify=required refuses to write when one is rejected', async () => {
    const checked: string[] = [];
    const verifier: RegistryVerifier = {
      async verify({ server, password }) {
        checked.push(server);
        const status = password === 'wrong' ? 'invalid' : 'valid';
        return {
          verification: { server, status, method: 'basic', detail: status, checkedAt: new Date().toISOString() },
          refusedByGuard: false,
        };
      },
    };
    t = buildTestApp({ verifier });
    memory = t.cluster as MemoryCluster;
    seedConfig(foreignConfig);

    const verified = await patch({ upsert: [{ server: 'ghcr.io', username: 'bot', password: CANARY }] }, `${path()}?verify=true`);
    expectMatchesContract(verified);
    expect(verified.body.verification).toMatchObject([{ server: 'ghcr.io', status: 'valid' }]);
    expect(checked).toEqual(['ghcr.io']);

    const refused = await patch({ upsert: [{ server: 'quay.io', username: 'bot', password: 'wrong' }] }, `${path()}?verify=required`);
    expectMatchesContract(refused);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('upsert/0/password');
    expect(Object.keys((await stored()).auths)).not.toContain('quay.io');
    expect(verified.text).not.toContain(CANARY);
  });

  describe('refusals', () => {
    it('when the secret or the namespace does not exist, then 404 naming it', async () => {
      const missing = await patch({ remove: ['a.example.com'] }, path('absent'));
      expectMatchesContract(missing);
      expect([missing.status, missing.body.detail]).toEqual([404, 'pull secret "absent" not found in namespace "default"']);
      const nowhere = await patch({ remove: ['a.example.com'] }, path('regcred', 'nowhere'));
      expect(nowhere.status).toBe(404);
      expect(nowhere.body.detail).toContain('namespace "nowhere"');
    });

    it('when the secret is a legacy dockercfg or not a pull secret, then 409 and it is left as it was', async () => {
      const legacy = seed('legacy', 'kubernetes.io/dockercfg', {
        '.dockercfg': base64(JSON.stringify({ 'a.example.com': { auth: base64('u:p') } })),
      });
      const opaque = seed('opaque', 'Opaque', { token: base64('x') });
      for (const [secret, mentions] of [
        [legacy, /dockercfg/],
        [opaque, /Opaque/],
      ] as const) {
        const res = await patch({ upsert: [{ server: 'ghcr.io', username: 'bot', password: 'x' }] }, path(secret.name));
        expectMatchesContract(res);
        expect(res.status).toBe(409);
        expect(res.body.detail).toMatch(mentions);
        expect((await memory.readSecret('default', secret.name))?.resourceVersion).toBe(secret.resourceVersion);
      }
    });

    it('when the body asks for nothing, names a server in both lists, or would remove every registry, then 422 naming the field', async () => {
      const original = seedConfig({ auths: { 'a.example.com': kubectlEntry('u', 'p'), 'b.example.com': kubectlEntry('v', 'w') } });
      const cases: Array<[object, string[]]> = [
        [{}, ['upsert']],
        [{ upsert: [], remove: [] }, ['upsert']],
        [{ upsert: [{ server: 'a.example.com', username: 'u', password: 'p2' }], remove: ['a.example.com'] }, ['remove/0']],
        [{ remove: ['a.example.com', 'b.example.com'] }, ['remove']],
        [{ remove: ['a.example.com'], name: 'other' }, ['name']],
      ];
      for (const [body, paths] of cases) {
        const res = await patch(body);
        expectMatchesContract(res);
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
      }
      expect((await memory.readSecret('default', 'regcred'))?.resourceVersion).toBe(original.resourceVersion);
    });
  });

  it('when several PATCHes race, each upserting its own server, then every entry survives (resourceVersion precondition and retry)', async () => {
    seedConfig(foreignConfig);
    const servers = Array.from({ length: 6 }, (_, i) => `r${i}.example.com`);

    const results = await Promise.all(servers.map((server) => patch({ upsert: [{ server, username: 'bot', password: `pw-${server}` }] })));

    expect(results.map((r) => [r.status, r.body.result])).toEqual(servers.map(() => [200, 'updated']));
    const { auths } = await stored();
    expect(Object.keys(auths).sort()).toEqual([...Object.keys(foreignConfig.auths), ...servers].sort());
    for (const server of servers) expect(auths[server]).toEqual(kubectlEntry('bot', `pw-${server}`));
  });

  it('the canary password of an upsert appears in no answer and no log line, on success, dry run, conflict and refusal', async () => {
    seedConfig(foreignConfig);
    seed('opaque', 'Opaque', {});
    const upsert = [{ server: 'ghcr.io', username: 'bot', password: CANARY }];
    const answers = [
      await patch({ upsert }),
      await patch({ upsert }),
      await patch({ upsert }, `${path()}?dryRun=server`),
      await patch({ upsert }, path('opaque')),
      await patch({ upsert }, path('absent')),
      await patch({ upsert, remove: ['ghcr.io'] }),
      await patch({ upsert: [{ ...upsert[0], username: 'a:b' }] }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 409, 404, 422, 422]);
    expect(t.logLines.some((l) => l.includes('"audit":true') && l.includes('"merge"'))).toBe(true);
    for (const text of [...answers.map((a) => a.text), ...t.logLines]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(base64(`bot:${CANARY}`));
    }
  });
});
