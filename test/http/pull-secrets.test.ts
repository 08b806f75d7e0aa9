import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown', email: 'jane@example.com' };
const path = (name = 'regcred', namespace = 'default') => `/v1/namespaces/${namespace}/pullsecrets/${name}`;

describe('pull secrets over HTTP (in-memory cluster)', () => {
  let t: TestApp;
  beforeEach(() => {
    t = buildTestApp();
  });

  const put = (body: unknown, url = path()) =>
    request(t.app)
      .put(url)
      .send(body as object);

  describe('PUT /v1/namespaces/{namespace}/pullsecrets/{name}', () => {
    it('creates the secret and answers 201 with a redacted view', async () => {
      const res = await put(credentials);
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'regcred',
        namespace: 'default',
        type: 'kubernetes.io/dockerconfigjson',
        result: 'created',
        managedByRegcred: true,
        registries: [{ server: 'registry.example.com', username: 'janedoe', email: 'jane@example.com', authMismatch: false }],
      });
      expect(res.body.labels).toEqual({ 'app.kubernetes.io/managed-by': 'regcred' });
      expect(JSON.stringify(res.body)).not.toContain('pw-not-shown');
    });

    it('answers 200 unchanged on an identical repeat, and writes nothing', async () => {
      const first = await put(credentials);
      const again = await put(credentials);
      expectMatchesContract(again);
      expect(again.status).toBe(200);
      expect(again.body.result).toBe('unchanged');
      expect(again.body.resourceVersion).toBe(first.body.resourceVersion);
    });

    it('answers 200 updated when the password changes', async () => {
      const first = await put(credentials);
      const res = await put({ ...credentials, password: 'another' });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe('updated');
      expect(res.body.uid).toBe(first.body.uid);
      expect(res.body.resourceVersion).not.toBe(first.body.resourceVersion);
    });

    it('keeps labels set by others and adds the requested ones', async () => {
      await put({ ...credentials, labels: { team: 'a' } });
      const res = await put({ ...credentials, labels: { tier: 'gold' } });
      expect(res.body.labels).toEqual({ 'app.kubernetes.io/managed-by': 'regcred', team: 'a', tier: 'gold' });
    });

    it('defaults the server to Docker Hub as kubectl does', async () => {
      const res = await put({ username: 'janedoe', password: 'x' });
      expect(res.body.registries[0].server).toBe('https://index.docker.io/v1/');
    });

    it('stores several registries in one secret', async () => {
      const res = await put({
        registries: [
          { server: 'a.example.com', username: 'u1', password: 'p1' },
          { server: 'b.example.com:5000', username: 'u2', password: 'p2' },
        ],
      });
      expect(res.status).toBe(201);
      expect(res.body.registries.map((r: { server: string }) => r.server).sort()).toEqual(['a.example.com', 'b.example.com:5000']);
    });

    it('with dryRun=server validates but stores nothing', async () => {
      const res = await put(credentials, `${path()}?dryRun=server`);
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ result: 'created', dryRun: true });
      expect((await request(t.app).get(path())).status).toBe(404);
    });

    it('with appendHash=true uses the kubectl hash suffix in the name', async () => {
      const res = await put(
        { username: 'test-user', password: 'test-password', email: 'test-user@example.org' },
        `${path('foo')}?appendHash=true`,
      );
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('foo-548cm7fgdh');
    });

    it('refuses to overwrite a Secret of another type with 409', async () => {
      await seedSecret(t, { name: 'regcred', type: 'Opaque', data: { token: Buffer.from('x').toString('base64') } });
      const res = await put(credentials);
      expectMatchesContract(res);
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/Opaque/);
    });

    it('refuses to update an immutable pull secret with 409 that says to delete it first', async () => {
      const memory = t.cluster as MemoryCluster;
      const first = await put(credentials);
      const stored = await memory.readSecret('default', 'regcred');
      await memory.deleteSecret('default', 'regcred', first.body.uid);
      memory.seedSecret({ ...stored!, immutable: true });
      const res = await put({ ...credentials, password: 'new' });
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/immutable.*delete/);
    });

    it('shows a legacy kubernetes.io/dockercfg secret but refuses to turn it into dockerconfigjson', async () => {
      const dockercfg = { 'registry.example.com': { auth: Buffer.from('old:pw').toString('base64'), email: 'o@example.com' } };
      await seedSecret(t, {
        name: 'legacy',
        type: 'kubernetes.io/dockercfg',
        data: { '.dockercfg': Buffer.from(JSON.stringify(dockercfg)).toString('base64') },
      });
      const shown = await request(t.app).get(path('legacy'));
      expect(shown.status).toBe(200);
      expect(shown.body.registries[0]).toMatchObject({ server: 'registry.example.com', username: 'old' });
      const res = await put(credentials, path('legacy'));
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/dockercfg/);
    });

    it('answers 404 naming a namespace that does not exist', async () => {
      const res = await put(credentials, path('regcred', 'nowhere'));
      expectMatchesContract(res);
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain('nowhere');
    });
  });

  describe('POST /v1/namespaces/{namespace}/pullsecrets', () => {
    it('creates with 201 and a Location', async () => {
      const res = await request(t.app)
        .post('/v1/namespaces/default/pullsecrets')
        .send({ name: 'made', ...credentials });
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe('/v1/namespaces/default/pullsecrets/made');
    });

    it('answers 409 when a secret of that name exists', async () => {
      await put(credentials, path('made'));
      const res = await request(t.app)
        .post('/v1/namespaces/default/pullsecrets')
        .send({ name: 'made', ...credentials });
      expectMatchesContract(res);
      expect(res.status).toBe(409);
    });
  });

  describe('GET, list and DELETE', () => {
    it('shows a pull secret and lists only pull secrets', async () => {
      await put(credentials);
      await seedSecret(t, { name: 'other', type: 'Opaque', data: {} });
      const one = await request(t.app).get(path());
      expectMatchesContract(one);
      expect(one.body.registries[0].username).toBe('janedoe');
      const list = await request(t.app).get('/v1/namespaces/default/pullsecrets');
      expectMatchesContract(list);
      expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(['regcred']);
    });

    it('answers 404 for a missing secret and 409 for a Secret of another type', async () => {
      await seedSecret(t, { name: 'other', type: 'Opaque', data: {} });
      const missing = await request(t.app).get(path('absent'));
      expectMatchesContract(missing);
      expect(missing.status).toBe(404);
      const other = await request(t.app).get(path('other'));
      expectMatchesContract(other);
      expect(other.status).toBe(409);
    });

    it('deletes a pull secret with 204 and refuses other Secrets with 409', async () => {
      await put(credentials);
      await seedSecret(t, { name: 'other', type: 'Opaque', data: {} });
      const deleted = await request(t.app).delete(path());
      expectMatchesContract(deleted);
      expect(deleted.status).toBe(204);
      expect((await request(t.app).get(path())).status).toBe(404);
      const refused = await request(t.app).delete(path('other'));
      expect(refused.status).toBe(409);
    });

    it('lists 404 for a namespace that does not exist', async () => {
      const res = await request(t.app).get('/v1/namespaces/nowhere/pullsecrets');
      expectMatchesContract(res);
      expect(res.status).toBe(404);
    });
  });

  describe('PUT .../dockerconfig', () => {
    const config = {
      auths: { 'registry.example.com': { auth: Buffer.from('janedoe:pw-not-shown').toString('base64') } },
      credsStore: 'desktop',
    };

    it('accepts a multipart upload in part "config" and reports what it dropped', async () => {
      const res = await request(t.app)
        .put(`${path()}/dockerconfig`)
        .attach('config', Buffer.from(JSON.stringify(config)), 'config.json');
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.body.registries[0]).toMatchObject({ server: 'registry.example.com', username: 'janedoe' });
      expect(res.body.warnings.join(' ')).toContain('credsStore');
    });

    it('accepts the raw JSON body', async () => {
      const res = await request(t.app).put(`${path()}/dockerconfig`).set('Content-Type', 'application/json').send(JSON.stringify(config));
      expect(res.status).toBe(201);
    });
  });
});

async function seedSecret(t: TestApp, s: { name: string; type: string; data: Record<string, string> }): Promise<void> {
  await t.cluster.createSecret({ namespace: 'default', labels: {}, annotations: {}, ...s });
}
