import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// The kubelet's matching rules themselves are specified in test/domain/match/match-images.test.ts and
// kubelet-keyring.test.ts; here: the HTTP layer, the secrets and ServiceAccounts it reads, and refusals.

const PASSWORD = `pw-${Date.now()}-never-shown`;
const base64 = (text: string) => Buffer.from(text).toString('base64');
const login = (username: string, password = PASSWORD) => ({ auth: base64(`${username}:${password}`) });
const DOCKER_HUB = 'https://index.docker.io/v1/';

describe('the kubelet match simulator over HTTP (in-memory cluster)', () => {
  let t: TestApp;
  let memory: MemoryCluster;
  beforeEach(() => {
    t = buildTestApp();
    memory = t.cluster as MemoryCluster;
  });

  const seed = (name: string, type: string, data: Record<string, string>) =>
    memory.seedSecret({ namespace: 'default', name, type, labels: {}, annotations: {}, data });
  const pullSecret = (name: string, auths: Record<string, unknown>) =>
    seed(name, 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': base64(JSON.stringify({ auths })) });
  const matchIn = (body: object, namespace = 'default') => request(t.app).post(`/v1/namespaces/${namespace}/match`).send(body);
  const match = (body: object) => request(t.app).post('/v1/match').send(body);

  describe('POST /v1/match (credentials in the request)', () => {
    it('when a dockerconfigjson has the image registry, then its entry is named with its username, and the password is never shown', async () => {
      const res = await match({
        images: ['registry.example.com/team/app:1.0'],
        dockerconfigjson: { auths: { 'registry.example.com': login('jane') } },
      });

      expectMatchesContract(res);
      expect(res.status).toBe(200);
      expect(res.body.images[0]).toEqual({
        image: 'registry.example.com/team/app:1.0',
        repository: 'registry.example.com/team/app',
        entries: [{ server: 'registry.example.com', matchedKey: 'registry.example.com', username: 'jane', rule: 'match' }],
        anonymous: false,
        warnings: [],
      });
      expect(res.body).toMatchObject({
        warnings: [],
        failsAllPulls: false,
        keys: [{ key: 'registry.example.com', entries: [{ server: 'registry.example.com' }] }],
      });
      expect(res.text).not.toContain(PASSWORD);
      expect(res.text).not.toContain(login('jane').auth);
    });

    it('when server, username and password are given, then they are matched as the pull secret regcred would write', async () => {
      const res = await match({
        images: ['registry.example.com/app', 'ghcr.io/x/y'],
        server: 'registry.example.com',
        username: 'jane',
        password: PASSWORD,
      });

      expectMatchesContract(res);
      expect(res.body.images.map((i: { anonymous: boolean }) => i.anonymous)).toEqual([false, true]);
      expect(res.body.images[0].entries[0]).toMatchObject({ username: 'jane', rule: 'match' });
      expect(res.text).not.toContain(PASSWORD);
    });

    it('when registries are given and the image is on Docker Hub, then the default server applies through the Docker Hub fallback', async () => {
      const res = await match({
        images: ['nginx'],
        registries: [
          { username: 'hub-user', password: PASSWORD },
          { server: 'registry.example.com', username: 'jane', password: PASSWORD },
        ],
      });

      expectMatchesContract(res);
      expect(res.body.images[0].entries).toEqual([
        { server: DOCKER_HUB, matchedKey: 'index.docker.io', username: 'hub-user', rule: 'docker-hub-default' },
      ]);
    });

    it('when the input is bad, then 422 names each field at fault', async () => {
      const cases: Array<[object, string[]]> = [
        [{ images: ['nginx'], dockerconfigjson: { auths: {} }, server: 'r.example.com' }, ['server']],
        [{ images: ['nginx'], server: 'r.example.com' }, ['username', 'password']],
        [{ images: [], username: 'u', password: 'p' }, ['images']],
        [{ images: ['nginx'], username: 'u', password: 'p', colour: 'blue' }, ['colour']],
      ];
      for (const [body, paths] of cases) {
        const res = await match(body);
        expectMatchesContract(res);
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
      }
    });
  });

  describe('POST /v1/namespaces/{namespace}/match', () => {
    it('when a secret has the image registry, then the entry names the secret and the username, and never the password', async () => {
      pullSecret('regcred', { 'https://registry.example.com/v2/': login('jane') });

      const res = await matchIn({ images: ['registry.example.com/team/app:1.0'], secrets: ['regcred'] });

      expectMatchesContract(res);
      expect(res.status).toBe(200);
      expect(res.body.images[0].entries).toEqual([
        {
          secret: 'regcred',
          server: 'https://registry.example.com/v2/',
          matchedKey: 'registry.example.com',
          username: 'jane',
          rule: 'match',
        },
      ]);
      expect(res.body.secrets).toEqual(['regcred']);
      expect(res.text).not.toContain(PASSWORD);
    });

    it('when the image is on Docker Hub (nginx), then both Docker Hub spellings apply, in Pod order', async () => {
      pullSecret('bare', { 'index.docker.io': login('bare-user') });
      pullSecret('kubectl-default', { [DOCKER_HUB]: login('kubectl-user') });

      const res = await matchIn({ images: ['nginx'], secrets: ['kubectl-default', 'bare'] });

      expect(res.body.images[0].entries).toEqual([
        {
          secret: 'kubectl-default',
          server: DOCKER_HUB,
          matchedKey: 'index.docker.io',
          username: 'kubectl-user',
          rule: 'docker-hub-default',
        },
        { secret: 'bare', server: 'index.docker.io', matchedKey: 'index.docker.io', username: 'bare-user', rule: 'docker-hub-default' },
      ]);
    });

    it('when two secrets hold keys for the image, then keys go most specific first (reverse-sorted), and within a key in Pod order', async () => {
      pullSecret('first', { 'registry.example.com': login('ann') });
      pullSecret('second', { 'registry.example.com': login('bob'), 'registry.example.com/team': login('tom') });

      const res = await matchIn({ images: ['registry.example.com/team/app'], secrets: ['first', 'second'] });

      expectMatchesContract(res);
      const tried = res.body.images[0].entries.map((e: { secret: string; username: string }) => `${e.secret}/${e.username}`);
      expect(tried).toEqual(['second/tom', 'first/ann', 'second/bob']);
      expect(res.body.keys.map((k: { key: string }) => k.key)).toEqual(['registry.example.com/team', 'registry.example.com']);
      expect(res.body.warnings.join('\n')).toMatch(/"registry.example.com" is held by secret "first" and secret "second"/);
    });

    it('when a named secret is missing or not a pull secret, then it is skipped with a warning and the others still apply', async () => {
      pullSecret('regcred', { 'registry.example.com': login('jane') });
      seed('opaque', 'Opaque', { token: base64('x') });

      const res = await matchIn({ images: ['registry.example.com/app'], secrets: ['missing', 'opaque', 'regcred'] });

      expectMatchesContract(res);
      expect(res.status).toBe(200);
      expect(res.body.secrets).toEqual(['missing', 'opaque', 'regcred']);
      expect(res.body.images[0].entries.map((e: { secret: string }) => e.secret)).toEqual(['regcred']);
      expect(res.body.warnings).toEqual([
        expect.stringMatching(/secret "missing" does not exist/),
        expect.stringMatching(/secret "opaque" is ignored by the kubelet: its type "Opaque"/),
      ]);
      expect(res.body.failsAllPulls).toBe(false);
    });

    it('when a pull secret cannot be decoded (an "auth" that is not base64), then every pull fails and no image gets credentials', async () => {
      pullSecret('regcred', { 'registry.example.com': login('jane') });
      pullSecret('broken', { 'other.example.com': { auth: '!!!not-base64' } });

      const res = await matchIn({ images: ['registry.example.com/app', 'nginx'], secrets: ['regcred', 'broken'] });

      expectMatchesContract(res);
      expect(res.body.failsAllPulls).toBe(true);
      expect(res.body.warnings.join('\n')).toMatch(/cannot decode secret "broken".*"auth" is not valid base64/);
      for (const image of res.body.images) expect(image).toMatchObject({ entries: [], anonymous: false });
    });

    it('when a ServiceAccount is named, then its imagePullSecrets are read, in its order', async () => {
      pullSecret('a', { 'registry.example.com': login('ann') });
      pullSecret('b', { 'registry.example.com': login('bob') });
      memory.seedServiceAccount({ namespace: 'default', name: 'builder', imagePullSecrets: ['b', 'gone', 'a'] });

      const res = await matchIn({ images: ['registry.example.com/app'], serviceAccount: 'builder' });

      expectMatchesContract(res);
      expect(res.body.secrets).toEqual(['b', 'gone', 'a']);
      expect(res.body.images[0].entries.map((e: { username: string }) => e.username)).toEqual(['bob', 'ann']);
      expect(res.body.warnings.join('\n')).toMatch(/secret "gone" does not exist/);
    });

    it('when the ServiceAccount or the namespace does not exist, then 404 naming it', async () => {
      const cases: Array<[string, object, string]> = [
        ['default', { serviceAccount: 'nobody' }, 'serviceaccount "nobody"'],
        ['nowhere', { serviceAccount: 'default' }, 'namespace "nowhere"'],
        ['nowhere', { secrets: ['regcred'] }, 'namespace "nowhere"'],
      ];
      for (const [namespace, body, named] of cases) {
        const res = await matchIn({ images: ['nginx'], ...body }, namespace);
        expectMatchesContract(res);
        expect(res.status, JSON.stringify(body)).toBe(404);
        expect(res.body.detail).toContain(named);
      }
    });

    it('when the input is bad, then 422 names the field: both sources, neither, no image, more than 100 images', async () => {
      const cases: Array<[object, string]> = [
        [{ images: ['nginx'], secrets: ['a'], serviceAccount: 'default' }, 'secrets'],
        [{ images: ['nginx'] }, 'secrets'],
        [{ images: [], secrets: ['a'] }, 'images'],
        [{ images: Array.from({ length: 101 }, (_, i) => `app-${i}`), secrets: ['a'] }, 'images'],
        [{ images: ['nginx'], secrets: ['Not_A_Name'] }, 'secrets/0'],
      ];
      for (const [body, path] of cases) {
        const res = await matchIn(body);
        expectMatchesContract(res);
        expect(res.status).toBe(422);
        expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
      }
      const hundred = await matchIn({ images: Array.from({ length: 100 }, (_, i) => `app-${i}`), secrets: [] });
      expect(hundred.status).toBe(200);
    });
  });

  it('why is my Pod in ImagePullBackOff? The secret is keyed "registry.example.com:5000", the image names no port: it is pulled anonymously, and the answer says why', async () => {
    // The team created the secret with --docker-server=registry.example.com:5000 ...
    pullSecret('regcred', { 'registry.example.com:5000': login('ci-bot') });
    // ... and the Pod spec says image: registry.example.com/app:1.4, imagePullSecrets: [regcred].

    const res = await matchIn({ images: ['registry.example.com/app:1.4'], secrets: ['regcred'] });

    expectMatchesContract(res);
    const [image] = res.body.images;
    expect(image).toMatchObject({ repository: 'registry.example.com/app', entries: [], anonymous: true });
    expect(image.warnings).toEqual(['key "registry.example.com:5000" does not apply: it names port 5000 and the image no port']);
    // The fix: an image that names the port, as the key does.
    const fixed = await matchIn({ images: ['registry.example.com:5000/app:1.4'], secrets: ['regcred'] });
    expect(fixed.body.images[0]).toMatchObject({ anonymous: false, entries: [{ secret: 'regcred', username: 'ci-bot', rule: 'match' }] });
  });

  it('token mode: a token not granted the namespace gets 403 and reads nothing; POST /v1/match needs no namespace', async () => {
    const token = 'team-a-match-token-0123456789';
    const gatekeeper = tokenGatekeeper(parseTokensFile(JSON.stringify([{ caller: 'team-a-ci', token, namespaces: ['team-a'] }])));
    const { app } = buildTestApp({ gatekeeper });
    const bearer = `Bearer ${token}`;

    const refused = await request(app)
      .post('/v1/namespaces/default/match')
      .set('Authorization', bearer)
      .send({ images: ['nginx'], secrets: ['x'] });
    expectMatchesContract(refused);
    expect(refused.status).toBe(403);
    const granted = await request(app)
      .post('/v1/namespaces/team-a/match')
      .set('Authorization', bearer)
      .send({ images: ['nginx'], secrets: ['x'] });
    expect(granted.status).toBe(200);
    const anywhere = await request(app)
      .post('/v1/match')
      .set('Authorization', bearer)
      .send({ images: ['nginx'], username: 'u', password: 'p' });
    expect(anywhere.status).toBe(200);
    const anonymous = await request(app)
      .post('/v1/namespaces/team-a/match')
      .send({ images: ['nginx'], secrets: ['x'] });
    expect(anonymous.status).toBe(401);
  });

  it('the password is in no answer and no log line', async () => {
    pullSecret('regcred', { 'registry.example.com': login('jane') });
    const answers = [
      await matchIn({ images: ['registry.example.com/app'], secrets: ['regcred'] }),
      await match({ images: ['registry.example.com/app'], server: 'registry.example.com', username: 'jane', password: PASSWORD }),
      await match({ images: ['nginx'], username: 'jane', password: PASSWORD, extra: PASSWORD }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 422]);
    for (const text of [...answers.map((a) => a.text), ...t.logLines]) expect(text).not.toContain(PASSWORD);
  });
});
