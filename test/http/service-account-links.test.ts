import request from 'supertest';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { StaleWriteError } from '../../src/domain/cluster.js';
import { UnavailableError } from '../../src/errors.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' };
const base = '/v1/namespaces/default/pullsecrets';
const dockerConfig = JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('janedoe:pw').toString('base64') } } });

describe('linking pull secrets to ServiceAccounts (in-memory cluster)', () => {
  let memory: MemoryCluster;
  let t: TestApp;
  beforeEach(() => {
    memory = new MemoryCluster({ namespaces: ['default', 'team-a'] });
    memory.seedServiceAccount({
      namespace: 'default',
      name: 'default',
      imagePullSecrets: ['first', 'second'],
      secrets: ['default-token-x'],
      labels: { keep: 'me' },
    });
    memory.seedServiceAccount({ namespace: 'default', name: 'builder' });
    t = buildTestApp({ cluster: memory });
  });

  const put = (body: object, url = `${base}/regcred`) => request(t.app).put(url).send(body);
  const pullSecretsOf = async (name: string, namespace = 'default') => (await memory.readServiceAccount(namespace, name))?.imagePullSecrets;

  describe('PUT and POST with serviceAccounts', () => {
    it('when a PUT names ServiceAccounts, then each lists the secret once, after the entries it had, and keeps its other fields', async () => {
      const res = await put({ ...credentials, serviceAccounts: ['default', 'builder'] });
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.body.serviceAccountLinks).toEqual([
        { serviceAccount: 'default', result: 'linked' },
        { serviceAccount: 'builder', result: 'linked' },
      ]);
      expect(memory.readServiceAccountFields('default', 'default')).toEqual({
        namespace: 'default',
        name: 'default',
        imagePullSecrets: ['first', 'second', 'regcred'],
        secrets: ['default-token-x'],
        labels: { keep: 'me' },
        automountServiceAccountToken: true,
      });
      expect(await pullSecretsOf('builder')).toEqual(['regcred']);
    });

    it('when the same PUT is repeated, then nothing is written and each link is unchanged (no duplicate)', async () => {
      await put({ ...credentials, serviceAccounts: ['default'] });
      const before = await memory.readServiceAccount('default', 'default');
      const again = await put({ ...credentials, serviceAccounts: ['default'] });
      expectMatchesContract(again);
      expect([again.status, again.body.result]).toEqual([200, 'unchanged']);
      expect(again.body.serviceAccountLinks).toEqual([{ serviceAccount: 'default', result: 'unchanged' }]);
      expect(await memory.readServiceAccount('default', 'default')).toEqual(before);
    });

    it('when a ServiceAccount already lists the secret twice, then it ends with it once, in its first place', async () => {
      memory.seedServiceAccount({ namespace: 'default', name: 'twice', imagePullSecrets: ['regcred', 'other', 'regcred'] });
      const res = await put({ ...credentials, serviceAccounts: ['twice'] });
      expect(res.status).toBe(201);
      expect(await pullSecretsOf('twice')).toEqual(['regcred', 'other']);
    });

    it('when POST names ServiceAccounts, then it creates and links', async () => {
      const res = await request(t.app)
        .post(base)
        .send({ name: 'made', ...credentials, serviceAccounts: ['builder'] });
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.body.serviceAccountLinks).toEqual([{ serviceAccount: 'builder', result: 'linked' }]);
      expect(await pullSecretsOf('builder')).toEqual(['made']);
    });

    it('when PUT …/dockerconfig has ?serviceAccounts=a,b, then both are linked', async () => {
      const res = await request(t.app)
        .put(`${base}/uploaded/dockerconfig?serviceAccounts=default,builder`)
        .set('Content-Type', 'application/json')
        .send(dockerConfig);
      expectMatchesContract(res);
      expect(res.status).toBe(201);
      expect(res.body.serviceAccountLinks.map((l: { result: string }) => l.result)).toEqual(['linked', 'linked']);
      expect(await pullSecretsOf('builder')).toEqual(['uploaded']);
    });

    it('when appendHash=true, then the ServiceAccount lists the hashed name that was written', async () => {
      const res = await put({ ...credentials, serviceAccounts: ['builder'] }, `${base}/foo?appendHash=true`);
      expect(res.body.name).toMatch(/^foo-[a-z0-9]{10}$/);
      expect(await pullSecretsOf('builder')).toEqual([res.body.name]);
    });

    it('when dryRun=server, then the answer reports the links but neither the secret nor any ServiceAccount changes', async () => {
      const before = await memory.readServiceAccount('default', 'default');
      const res = await put({ ...credentials, serviceAccounts: ['default'] }, `${base}/regcred?dryRun=server`);
      expectMatchesContract(res);
      expect(res.body).toMatchObject({
        result: 'created',
        dryRun: true,
        serviceAccountLinks: [{ serviceAccount: 'default', result: 'linked' }],
      });
      expect(await memory.readServiceAccount('default', 'default')).toEqual(before);
      expect(await memory.readSecret('default', 'regcred')).toBeUndefined();
    });
  });

  describe('a ServiceAccount that does not exist', () => {
    it('when a PUT names one, then 422 points at it with not_found, and nothing is written', async () => {
      const res = await put({ ...credentials, serviceAccounts: ['default', 'ghost'] });
      expectMatchesContract(res);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: 'serviceAccounts/1', code: 'not_found', message: expect.stringContaining('ghost') }]);
      expect(await memory.readSecret('default', 'regcred')).toBeUndefined();
      expect(await pullSecretsOf('default')).toEqual(['first', 'second']);
    });

    it('when POST or PUT …/dockerconfig names one, then 422 and no secret either', async () => {
      const posted = await request(t.app)
        .post(base)
        .send({ name: 'made', ...credentials, serviceAccounts: ['ghost'] });
      const uploaded = await request(t.app)
        .put(`${base}/uploaded/dockerconfig?serviceAccounts=builder,ghost`)
        .set('Content-Type', 'application/json')
        .send(dockerConfig);
      for (const res of [posted, uploaded]) expectMatchesContract(res);
      expect([posted.status, uploaded.status]).toEqual([422, 422]);
      expect(posted.body.errors[0]).toMatchObject({ path: 'serviceAccounts/0', code: 'not_found' });
      expect(uploaded.body.errors[0]).toMatchObject({ path: 'serviceAccounts/1', code: 'not_found' });
      expect(await memory.listSecrets('default', { limit: 1 })).toEqual({ items: [] });
      expect(await pullSecretsOf('builder')).toEqual([]);
    });

    it('when the secret itself cannot be written (an Opaque Secret has the name), then 409 and no ServiceAccount is linked', async () => {
      await memory.createSecret({ namespace: 'default', name: 'regcred', type: 'Opaque', labels: {}, annotations: {}, data: {} });
      const res = await put({ ...credentials, serviceAccounts: ['builder'] });
      expectMatchesContract(res);
      expect(res.status).toBe(409);
      expect(await pullSecretsOf('builder')).toEqual([]);
    });

    it('when a ServiceAccount is named twice, then 422 with the unique rule', async () => {
      const res = await put({ ...credentials, serviceAccounts: ['builder', 'builder'] });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'serviceAccounts/1', code: 'unique' })]);
    });
  });

  describe('reading and deleting', () => {
    it('when ServiceAccounts reference a secret, then GET and the list show them in referencedBy', async () => {
      await put({ ...credentials, serviceAccounts: ['default', 'builder'] });
      await put(credentials, `${base}/lonely`);
      const one = await request(t.app).get(`${base}/regcred`);
      const list = await request(t.app).get(base);
      for (const res of [one, list]) expectMatchesContract(res);
      expect(one.body.referencedBy).toEqual(['builder', 'default']);
      expect(list.body.items.map((i: { name: string; referencedBy: string[] }) => [i.name, i.referencedBy])).toEqual([
        ['lonely', []],
        ['regcred', ['builder', 'default']],
      ]);
    });

    it('when DELETE has unlink=true, then every ServiceAccount naming it loses the entry (others kept) and 200 says which', async () => {
      await put({ ...credentials, serviceAccounts: ['default'] });
      memory.seedServiceAccount({ namespace: 'default', name: 'by-hand', imagePullSecrets: ['regcred', 'keep'] });
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expectMatchesContract(res);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        namespace: 'default',
        name: 'regcred',
        deleted: true,
        serviceAccountLinks: [
          { serviceAccount: 'by-hand', result: 'unlinked' },
          { serviceAccount: 'default', result: 'unlinked' },
        ],
      });
      expect([await pullSecretsOf('default'), await pullSecretsOf('by-hand')]).toEqual([['first', 'second'], ['keep']]);
      expect(await memory.readSecret('default', 'regcred')).toBeUndefined();
    });

    it('when DELETE has unlink=true but the delete itself fails, then the ServiceAccounts get their reference back', async () => {
      await put({ ...credentials, serviceAccounts: ['default'] });
      vi.spyOn(memory, 'deleteSecret').mockRejectedValueOnce(new StaleWriteError('default', 'regcred'));
      const res = await request(t.app).delete(`${base}/regcred?unlink=true`);
      expect(res.status).toBe(409);
      expect(await pullSecretsOf('default')).toEqual(['first', 'second', 'regcred']);
      expect(await memory.readSecret('default', 'regcred')).toBeDefined();
    });

    it('when linking fails after the secret was written, then the error says the secret was written and a repeat finishes', async () => {
      vi.spyOn(memory, 'setServiceAccountPullSecrets').mockRejectedValueOnce(
        new UnavailableError('could not reach the Kubernetes API server'),
      );
      const res = await put({ ...credentials, serviceAccounts: ['default'] });
      expectMatchesContract(res);
      expect([res.status, res.body.result, res.body.name]).toEqual([503, 'created', 'regcred']);
      expect(res.body.detail).toMatch(
        /^secret "regcred" was created, but linking it to the ServiceAccounts failed: .*repeat the request to finish$/,
      );
      vi.restoreAllMocks();
      const again = await put({ ...credentials, serviceAccounts: ['default'] });
      expect([again.status, again.body.result, again.body.serviceAccountLinks]).toEqual([
        200,
        'unchanged',
        [{ serviceAccount: 'default', result: 'linked' }],
      ]);
    });

    it('when DELETE has no unlink, then 204 and the ServiceAccounts keep their reference', async () => {
      await put({ ...credentials, serviceAccounts: ['default'] });
      const res = await request(t.app).delete(`${base}/regcred`);
      expect(res.status).toBe(204);
      expect(await pullSecretsOf('default')).toEqual(['first', 'second', 'regcred']);
    });

    it('when DELETE has unlink=true and dryRun=server, then the answer says what would change and nothing does', async () => {
      await put({ ...credentials, serviceAccounts: ['default'] });
      const res = await request(t.app).delete(`${base}/regcred?unlink=true&dryRun=server`);
      expectMatchesContract(res);
      expect(res.body).toMatchObject({ dryRun: true, serviceAccountLinks: [{ serviceAccount: 'default', result: 'unlinked' }] });
      expect(await pullSecretsOf('default')).toEqual(['first', 'second', 'regcred']);
      expect(await memory.readSecret('default', 'regcred')).toBeDefined();
    });
  });

  describe('concurrency', () => {
    it('when several PUTs of different secrets link the same ServiceAccount at once, then it lists each exactly once', async () => {
      const names = Array.from({ length: 8 }, (_, i) => `s${i}`);
      const results = await Promise.all(names.map((name) => put({ ...credentials, serviceAccounts: ['builder'] }, `${base}/${name}`)));
      expect(results.map((r) => r.status)).toEqual(names.map(() => 201));
      expect([...(await pullSecretsOf('builder'))!].sort()).toEqual(names);
    });

    it('when someone else edits the ServiceAccount between our read and our write, then we retry and keep their entry', async () => {
      const write = memory.setServiceAccountPullSecrets.bind(memory);
      const spy = vi.spyOn(memory, 'setServiceAccountPullSecrets').mockImplementationOnce(async (...args) => {
        const current = (await memory.readServiceAccount('default', 'default'))!;
        await write('default', 'default', [...current.imagePullSecrets, 'added-meanwhile'], current.resourceVersion!);
        return write(...args);
      });
      const res = await put({ ...credentials, serviceAccounts: ['default'] });
      expect(res.status).toBe(201);
      expect(spy).toHaveBeenCalledTimes(2);
      expect(await pullSecretsOf('default')).toEqual(['first', 'second', 'added-meanwhile', 'regcred']);
    });
  });
});
