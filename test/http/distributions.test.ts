import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_GROUP,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_SOURCE_LABEL,
  ORPHAN_ANNOTATION,
} from '../../src/domain/distributions/distribution.js';
import { UpstreamError } from '../../src/errors.js';
import { clusterArenas, HTTP_MEMORY_ARENA, type ClusterArena } from '../support/cluster-arena.js';
import { fakeVerifier } from '../support/fake-verifier.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { adminKubeConfig, freshKitIdentity, uniqueName } from '../support/real-cluster.js';
import { buildTestApp, type TestAppOptions } from '../support/test-app.js';

const CANARY = `canary-Dst-${Date.now()}-q9Z`;
const base64 = (text: string) => Buffer.from(text).toString('base64');
const credentials = { server: 'registry.example.com', username: 'janedoe', password: CANARY };

const auditLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);

describe.each(clusterArenas(HTTP_MEMORY_ARENA))('/v1/distributions on %s', (title, makeArena) => {
  let arena: ClusterArena;
  beforeAll(async () => {
    arena = await makeArena();
  }, 60_000);
  afterAll(async () => {
    await arena?.cleanup();
  }, 60_000);

  const appWith = (options: TestAppOptions = {}) =>
    buildTestApp({
      cluster: arena.cluster,
      distributions: arena.distributions,
      verifier: fakeVerifier,
      ...options,
      config: { namespace: arena.ownNamespace, ...options.config },
    });
  const sourceOf = (name: string) => `distribution-${name}`;

  it('when a distribution is PUT, then 201 with a redacted view; the credential is only in the source Secret, base64', async () => {
    const t = appWith();
    const name = arena.unique('payments');
    const created = await request(t.app)
      .put(`/v1/distributions/${name}`)
      .send({
        ...credentials,
        namespaceSelector: 'team=payments',
        namespaces: ['future-ns'],
        serviceAccounts: ['*'],
        expiresAt: '2030-01-31T00:00:00Z',
      });
    expectMatchesContract(created);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name,
      result: 'created',
      secretName: 'regcred',
      namespaces: ['future-ns'],
      namespaceSelector: 'team=payments',
      serviceAccounts: ['*'],
      expiresAt: '2030-01-31T00:00:00Z',
      source: { namespace: arena.ownNamespace, secretName: sourceOf(name) },
      registries: [{ server: 'registry.example.com', username: 'janedoe', secretFields: expect.arrayContaining(['password']) }],
    });
    expect(created.body.deleting).toBeUndefined();

    const got = await request(t.app).get(`/v1/distributions/${name}`);
    expectMatchesContract(got);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name, uid: created.body.uid, registries: created.body.registries });

    const source = await arena.storedSource(sourceOf(name));
    expect(source?.type).toBe('kubernetes.io/dockerconfigjson');
    expect(source?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'regcred',
      [DISTRIBUTION_SOURCE_LABEL]: name,
    });
    const stored = JSON.parse(Buffer.from(source!.data!['.dockerconfigjson']!, 'base64').toString('utf8'));
    expect(stored.auths['registry.example.com']).toMatchObject({
      username: 'janedoe',
      password: CANARY,
      auth: base64(`janedoe:${CANARY}`),
    });
    expect(source?.text).not.toContain(CANARY);

    const cr = await arena.storedDistribution(name);
    expect(cr?.spec).toMatchObject({ secretName: 'regcred', source: { secretName: sourceOf(name) }, serviceAccounts: ['*'] });
    expect(cr?.finalizers).toEqual([CLEANUP_FINALIZER]);
    for (const text of [created.text, got.text, cr!.text, ...t.logLines]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(base64(`janedoe:${CANARY}`));
    }
    expect(auditLines(t.logLines)).toContainEqual(
      expect.objectContaining({ operation: 'applyDistribution', name, result: 'created', servers: ['registry.example.com'] }),
    );
  });

  it('when the same PUT is repeated, then 200 unchanged and nothing is written; a new password is 200 updated, in place', async () => {
    const t = appWith();
    const name = arena.unique('rotate');
    const body = { ...credentials, namespaces: ['team-a'] };
    expect((await request(t.app).put(`/v1/distributions/${name}`).send(body)).status).toBe(201);
    const [source, cr] = [await arena.storedSource(sourceOf(name)), await arena.storedDistribution(name)];

    const again = await request(t.app).put(`/v1/distributions/${name}`).send(body);
    expectMatchesContract(again);
    expect(again.status).toBe(200);
    expect(again.body.result).toBe('unchanged');
    expect((await arena.storedSource(sourceOf(name)))?.resourceVersion).toBe(source?.resourceVersion);
    expect((await arena.storedDistribution(name))?.resourceVersion).toBe(cr?.resourceVersion);

    const rotated = await request(t.app)
      .put(`/v1/distributions/${name}`)
      .send({ ...body, password: 'rotated-password' });
    expectMatchesContract(rotated);
    expect(rotated.status).toBe(200);
    expect(rotated.body.result).toBe('updated');
    const after = await arena.storedSource(sourceOf(name));
    expect(after?.data).not.toEqual(source?.data);
    expect(after?.uid).toBe(source?.uid);
    // Only the source changed: not the distribution (its spec, so its generation, is the same).
    expect((await arena.storedDistribution(name))?.resourceVersion).toBe(cr?.resourceVersion);

    const retargeted = await request(t.app)
      .put(`/v1/distributions/${name}`)
      .send({ ...body, password: 'rotated-password', namespaces: ['team-a', 'team-b'], excludeNamespaces: ['tmp-*'] });
    expect(retargeted.status).toBe(200);
    expect(retargeted.body).toMatchObject({ result: 'updated', namespaces: ['team-a', 'team-b'], excludeNamespaces: ['tmp-*'] });
    expect((await arena.storedDistribution(name))?.spec).toMatchObject({
      namespaces: ['team-a', 'team-b'],
      excludeNamespaces: ['tmp-*'],
    });
  });

  it('when the body or name is invalid, then 422 naming each field and rule, and nothing is written', async () => {
    const t = appWith();
    const name = arena.unique('invalid');
    const cases: [string, object, { path: string; code: string }][] = [
      [name, { ...credentials, namespaceSelector: 'team in (' }, { path: 'namespaceSelector', code: 'label_selector' }],
      [name, { ...credentials }, { path: 'namespaces', code: 'required' }],
      [name, { ...credentials, namespaces: ['a'], serviceAccounts: ['*', 'x'] }, { path: 'serviceAccounts', code: 'exclusive' }],
      [name, { ...credentials, namespaces: ['a'], serviceAccounts: ['Not_A_Name'] }, { path: 'serviceAccounts/0', code: 'invalid_format' }],
      [name, { ...credentials, namespaces: ['a'], expiresAt: 'next tuesday' }, { path: 'expiresAt', code: 'invalid_format' }],
      [name, { ...credentials, namespaces: ['a'], excludeNamespaces: ['Bad!'] }, { path: 'excludeNamespaces/0', code: 'invalid_format' }],
      [name, { ...credentials, namespaces: ['a'], labels: { a: 'b' } }, { path: 'labels', code: 'unrecognized_key' }],
      [name, { username: 'u', namespaces: ['a'] }, { path: 'password', code: 'required' }],
      ['x'.repeat(64), { ...credentials, namespaces: ['a'] }, { path: 'distribution', code: 'too_big' }],
      ['Has.Dots', { ...credentials, namespaces: ['a'] }, { path: 'distribution', code: 'invalid_format' }],
    ];
    for (const [target, body, expected] of cases) {
      const res = await request(t.app).put(`/v1/distributions/${target}`).send(body);
      expectMatchesContract(res);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors, JSON.stringify(body)).toContainEqual(expect.objectContaining(expected));
    }
    expect(await arena.storedDistribution(name)).toBeUndefined();
    expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
  });

  it('when verify=required and a registry refuses the password, then 422 and nothing is written; verify=true reports and writes', async () => {
    const t = appWith();
    const name = arena.unique('verify');
    const refused = await request(t.app)
      .put(`/v1/distributions/${name}?verify=required`)
      .send({ ...credentials, password: 'wrong', namespaces: ['team-a'] });
    expectMatchesContract(refused);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toContainEqual(expect.objectContaining({ path: 'password' }));
    expect(await arena.storedDistribution(name)).toBeUndefined();
    expect(await arena.storedSource(sourceOf(name))).toBeUndefined();

    const verified = await request(t.app)
      .put(`/v1/distributions/${name}?verify=true`)
      .send({ ...credentials, namespaces: ['team-a'] });
    expectMatchesContract(verified);
    expect(verified.status).toBe(201);
    expect(verified.body.verification).toMatchObject([{ server: 'registry.example.com', status: 'valid' }]);
  });

  it('when the distribution cannot be written after its source was, then the source is put back (deleted, or its old content)', async () => {
    const name = arena.unique('rollback');
    const failing = (method: 'createDistribution' | 'replaceDistribution') =>
      new Proxy(arena.distributions, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== method) return typeof value === 'function' ? value.bind(target) : value;
          return async () => {
            throw new UpstreamError('the Kubernetes API server refused to create pullsecretdistributions (HTTP 500)');
          };
        },
      });
    const body = { ...credentials, namespaces: ['team-a'] };
    const refusedCreate = await request(appWith({ distributions: failing('createDistribution') }).app)
      .put(`/v1/distributions/${name}`)
      .send(body);
    expectMatchesContract(refusedCreate);
    expect(refusedCreate.status).toBe(502);
    expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
    expect(await arena.storedDistribution(name)).toBeUndefined();

    expect((await request(appWith().app).put(`/v1/distributions/${name}`).send(body)).status).toBe(201);
    const before = await arena.storedSource(sourceOf(name));
    const refusedUpdate = await request(appWith({ distributions: failing('replaceDistribution') }).app)
      .put(`/v1/distributions/${name}`)
      .send({ ...body, password: 'new-password', namespaces: ['team-b'] });
    expect(refusedUpdate.status).toBe(502);
    const after = await arena.storedSource(sourceOf(name));
    expect(after?.data).toEqual(before?.data);
    expect((await arena.storedDistribution(name))?.spec?.namespaces).toEqual(['team-a']);
  });

  it('when distributions are listed, then each is there by name, redacted; an unknown one is 404', async () => {
    const t = appWith();
    const [b, a] = [arena.unique('list-b'), arena.unique('list-a')];
    for (const name of [b, a])
      expect(
        (
          await request(t.app)
            .put(`/v1/distributions/${name}`)
            .send({ ...credentials, namespaces: ['team-a'] })
        ).status,
      ).toBe(201);
    const list = await request(t.app).get('/v1/distributions');
    expectMatchesContract(list);
    expect(list.status).toBe(200);
    const names: string[] = list.body.items.map((d: { name: string }) => d.name);
    expect(names).toEqual([...names].sort());
    expect(names.indexOf(a)).toBeLessThan(names.indexOf(b));
    expect(list.body.items.find((d: { name: string }) => d.name === a).registries).toMatchObject([{ server: 'registry.example.com' }]);
    expect(list.text).not.toContain(CANARY);

    const missing = arena.unique('missing');
    for (const res of [
      await request(t.app).get(`/v1/distributions/${missing}`),
      await request(t.app).delete(`/v1/distributions/${missing}`),
    ]) {
      expectMatchesContract(res);
      expect(res.status).toBe(404);
      expect(res.type).toBe('application/problem+json');
    }
  });

  it('when a distribution is deleted with orphan=true, then 202 deleting, the annotation is set first and the finalizer stays for the controller', async () => {
    const t = appWith();
    const name = arena.unique('orphan');
    expect(
      (
        await request(t.app)
          .put(`/v1/distributions/${name}`)
          .send({ ...credentials, namespaces: ['team-a'] })
      ).status,
    ).toBe(201);
    const deleted = await request(t.app).delete(`/v1/distributions/${name}?orphan=true`);
    expectMatchesContract(deleted);
    expect(deleted.status).toBe(202);
    expect(deleted.body).toMatchObject({ name, deleting: true, orphan: true });
    const cr = await arena.storedDistribution(name);
    expect(cr?.annotations).toMatchObject({ [ORPHAN_ANNOTATION]: 'true' });
    expect(cr?.deletionTimestamp).toBeTruthy();
    expect(cr?.finalizers).toEqual([CLEANUP_FINALIZER]);

    const whileDeleting = await request(t.app)
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-a'] });
    expectMatchesContract(whileDeleting);
    expect(whileDeleting.status).toBe(409);
    expect((await request(t.app).get(`/v1/distributions/${name}`)).body.deleting).toBe(true);
    expect(auditLines(t.logLines)).toContainEqual(expect.objectContaining({ operation: 'deleteDistribution', name, result: 'deleted' }));
  });

  it('when a plain DELETE is asked, then 202 and no orphan annotation', async () => {
    const t = appWith();
    const name = arena.unique('cleanup');
    expect(
      (
        await request(t.app)
          .put(`/v1/distributions/${name}`)
          .send({ ...credentials, namespaces: ['team-a'] })
      ).status,
    ).toBe(201);
    const deleted = await request(t.app).delete(`/v1/distributions/${name}`);
    expectMatchesContract(deleted);
    expect(deleted.status).toBe(202);
    expect(deleted.body.orphan).toBeUndefined();
    const cr = await arena.storedDistribution(name);
    expect(cr?.deletionTimestamp).toBeTruthy();
    expect(cr?.annotations[ORPHAN_ANNOTATION]).toBeUndefined();
  });

  it('when a config.json is uploaded with the targets in the query, then it is distributed like the JSON form', async () => {
    const t = appWith();
    const name = arena.unique('upload');
    const config = { auths: { 'ghcr.io': { auth: base64(`bot:${CANARY}`) } } };
    const res = await request(t.app)
      .put(
        `/v1/distributions/${name}/dockerconfig?namespaceSelector=team%3Dx&excludeNamespaces=tmp-*&serviceAccounts=default,builder&secretName=pull`,
      )
      .attach('config', Buffer.from(JSON.stringify(config)), 'config.json');
    expectMatchesContract(res);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      secretName: 'pull',
      namespaceSelector: 'team=x',
      excludeNamespaces: ['tmp-*'],
      serviceAccounts: ['default', 'builder'],
      registries: [{ server: 'ghcr.io', username: 'bot' }],
    });
    expect(res.text).not.toContain(CANARY);
    const noTarget = await request(t.app)
      .put(`/v1/distributions/${name}/dockerconfig`)
      .attach('config', Buffer.from(JSON.stringify(config)), 'config.json');
    expectMatchesContract(noTarget);
    expect(noTarget.status).toBe(422);
    expect(noTarget.body.errors).toContainEqual(expect.objectContaining({ path: 'namespaces', code: 'required' }));
  });

  describe('token mode', () => {
    const tokens = parseTokensFile(`
- caller: team-a-ci
  token: team-a-token-0123456789abcdef
  namespaces: ['team-*']
- caller: platform
  token: platform-token-0123456789abcdef
  namespaces: ['*']
`);

    it('when the caller is granted only some namespaces, then every distribution call is 403 and nothing is read or written', async () => {
      const calls: string[] = [];
      const counted = new Proxy(arena.distributions, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          calls.push(String(property));
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const t = appWith({ distributions: counted, gatekeeper: tokenGatekeeper(tokens) });
      const name = arena.unique('forbidden');
      const auth = { Authorization: 'Bearer team-a-token-0123456789abcdef' };
      for (const res of [
        await request(t.app)
          .put(`/v1/distributions/${name}`)
          .set(auth)
          .send({ ...credentials, namespaces: ['team-a'] }),
        await request(t.app).put(`/v1/distributions/${name}`).set(auth).send({ not: 'even valid' }),
        await request(t.app).get(`/v1/distributions/${name}`).set(auth),
        await request(t.app).get('/v1/distributions').set(auth),
        await request(t.app).delete(`/v1/distributions/${name}`).set(auth),
      ]) {
        expectMatchesContract(res);
        expect(res.status).toBe(403);
        expect(res.type).toBe('application/problem+json');
        expect(res.body.detail).toMatch(/grant on all of them/);
      }
      expect(calls).toEqual([]);
      expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
      expect(await arena.storedDistribution(name)).toBeUndefined();
      expect(auditLines(t.logLines)).toContainEqual(
        expect.objectContaining({ operation: 'applyDistribution', name, result: 'denied', reason: 'forbidden', caller: 'team-a-ci' }),
      );

      const platform = await request(t.app)
        .put(`/v1/distributions/${name}`)
        .set({ Authorization: 'Bearer platform-token-0123456789abcdef' })
        .send({ ...credentials, namespaces: ['team-a'] });
      expectMatchesContract(platform);
      expect(platform.status).toBe(201);
    });
  });

  it.skipIf(!title.startsWith('a real'))(
    'kubernetes mode: only a caller with RBAC on pullsecretdistributions.regcred.io and on the Secrets it writes, cluster-wide',
    async () => {
      const t = appWith({ gatekeeper: arena.kubernetesGatekeeper!(), config: { auth: 'kubernetes' } });
      const name = arena.unique('rbac');
      // An identity of this test's own: a cluster-wide grant to a shared kit user would reach other suites.
      const caller = await freshKitIdentity('psd-writer');
      const bob = { Authorization: `Bearer ${caller.token}` };
      const body = { ...credentials, namespaces: ['team-a'] };
      const refused = await request(t.app).put(`/v1/distributions/${name}`).set(bob).send(body);
      expectMatchesContract(refused);
      expect(refused.status).toBe(403);
      expect(await arena.storedDistribution(name)).toBeUndefined();

      const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
      const role = uniqueName('psd-writer');
      await rbac.createClusterRole({
        body: {
          metadata: { name: role },
          rules: [
            { apiGroups: [DISTRIBUTION_GROUP], resources: [DISTRIBUTION_PLURAL], verbs: ['get', 'create', 'update'] },
            { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch'] },
          ],
        },
      });
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: role },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [caller.subject],
        },
      });
      try {
        const allowed = await request(t.app).put(`/v1/distributions/${name}`).set(bob).send(body);
        expectMatchesContract(allowed);
        expect(allowed.status).toBe(201);
        expect((await request(t.app).get(`/v1/distributions/${name}`).set(bob)).status).toBe(200);
        // No `list` and no `delete` in bob's role.
        expect((await request(t.app).get('/v1/distributions').set(bob)).status).toBe(403);
        expect((await request(t.app).delete(`/v1/distributions/${name}`).set(bob)).status).toBe(403);
        expect((await arena.storedDistribution(name))?.deletionTimestamp).toBeUndefined();
      } finally {
        await rbac.deleteClusterRoleBinding({ name: role });
        await rbac.deleteClusterRole({ name: role });
        await caller.remove();
      }
    },
  );
});

describe('/v1/distributions listing limit', () => {
  it('when more than 500 distributions exist, then the first 500 by name are listed and `truncated` says more exist', async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred'] });
    const distributions = new MemoryDistributions(cluster);
    for (let i = 500; i >= 0; i--) {
      const name = `d-${String(i).padStart(3, '0')}`;
      await distributions.createDistribution({
        name,
        finalizers: [],
        labels: {},
        annotations: {},
        spec: { secretName: 'regcred', source: { secretName: `distribution-${name}` }, namespaces: ['a'], serviceAccounts: [] },
      });
    }
    const t = buildTestApp({ cluster, distributions, config: { namespace: 'regcred' } });
    const list = await request(t.app).get('/v1/distributions');
    expectMatchesContract(list);
    expect(list.body.items).toHaveLength(500);
    expect(list.body.items[0]).toMatchObject({ name: 'd-000', registries: [], warnings: [expect.stringContaining('does not exist')] });
    expect(list.body.items[499].name).toBe('d-499');
    expect(list.body.truncated).toBe(true);
  });
});

describe('/v1/distributions managed by another installation', () => {
  it('when a distribution names another regcred namespace, then its view names that installation without reading its source, and a PUT is a 409', async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred', 'platform'] });
    const distributions = new MemoryDistributions(cluster);
    await request(buildTestApp({ cluster, distributions, config: { namespace: 'platform' } }).app)
      .put('/v1/distributions/shared')
      .send({ ...credentials, namespaces: ['team-a'] })
      .expect(201);
    const here = buildTestApp({ cluster, distributions, config: { namespace: 'regcred' } });
    const view = await request(here.app).get('/v1/distributions/shared');
    expectMatchesContract(view);
    expect(view.body).toMatchObject({ installation: 'platform', source: { namespace: 'platform', secretName: 'distribution-shared' } });
    expect(view.body.registries).toEqual([]);
    expect(view.body.warnings).toEqual([expect.stringContaining('managed by the regcred installation in namespace "platform"')]);
    expect(view.text).not.toContain('janedoe');
    const put = await request(here.app)
      .put('/v1/distributions/shared')
      .send({ ...credentials, namespaces: ['team-a'] });
    expectMatchesContract(put);
    expect(put.status).toBe(409);
    expect(put.body.detail).toContain('namespace "platform"');
  });
});

describe('/v1/distributions list answers', () => {
  it('sum each status up (per-namespace entries only in GET one), and concurrent lists share one listing', async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred', 'team-a'] });
    const memory = new MemoryDistributions(cluster);
    let listings = 0;
    const slowList: typeof memory.distributions = {
      description: memory.distributions.description,
      watch: (...args) => memory.distributions.watch(...args),
      list: async () => {
        listings++;
        await new Promise((r) => setTimeout(r, 50));
        return memory.distributions.list();
      },
    };
    const distributions = Object.assign(Object.create(memory) as MemoryDistributions, { distributions: slowList });
    const t = buildTestApp({ cluster, distributions, config: { namespace: 'regcred' } });
    await request(t.app)
      .put('/v1/distributions/summed')
      .send({ ...credentials, namespaces: ['team-a'] })
      .expect(201);
    await memory.replaceDistributionStatus('summed', {
      contentHash: 'sha256:0123456789abcdef',
      counts: { targeted: 1, current: 1, inSync: 1 },
      namespaces: [{ namespace: 'team-a', state: 'inSync', contentHash: 'sha256:0123456789abcdef' }],
    });
    const lists = await Promise.all(Array.from({ length: 10 }, () => request(t.app).get('/v1/distributions')));
    expect(listings).toBe(1);
    for (const list of lists) {
      expectMatchesContract(list);
      expect(list.body.items[0].status).toEqual({ contentHash: 'sha256:0123456789abcdef', counts: { targeted: 1, current: 1, inSync: 1 } });
    }
    const one = await request(t.app).get('/v1/distributions/summed');
    expect(one.body.status.namespaces).toEqual([{ namespace: 'team-a', state: 'inSync', contentHash: 'sha256:0123456789abcdef' }]);
  });
});

describe('/v1/distributions without the PullSecretDistribution resource', () => {
  it('when regcred runs without it, then every distribution route answers 503 problem+json saying so', async () => {
    const t = buildTestApp();
    for (const res of [
      await request(t.app).get('/v1/distributions'),
      await request(t.app).get('/v1/distributions/x'),
      await request(t.app)
        .put('/v1/distributions/x')
        .send({ ...credentials, namespaces: ['team-a'] }),
      await request(t.app).delete('/v1/distributions/x'),
    ]) {
      expectMatchesContract(res);
      expect(res.status).toBe(503);
      expect(res.type).toBe('application/problem+json');
      expect(res.body.detail).toMatch(/^distributions are not available: /);
    }
  });
});
