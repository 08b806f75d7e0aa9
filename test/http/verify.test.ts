import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import type { Cluster } from '../../src/domain/cluster.js';
import { VERIFICATION_ANNOTATION } from '../../src/domain/verify/verification-annotation.js';
import { adminKubeConfig, createTestNamespace, realClusterAvailable, type TestNamespace } from '../support/real-cluster.js';
import {
  describeWithRegistry,
  startHtpasswdRegistry,
  startTokenRegistry,
  startTokenServer,
  stopTestServers,
  type TestRegistry,
} from '../support/registries.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// The verify endpoints and ?verify on writes and render, through the HTTP API, against real
// registries on loopback (private targets allowed for these apps only) and, where the cluster is
// touched, against the in-memory cluster and the real kube-apiserver.
const CANARY = `canary-verify-${Date.now()}-Qx7`;
const PASSWORD = 's3cr3t';

describeWithRegistry('verifying credentials through the HTTP API', () => {
  let dir: string;
  let ca: TestCa;
  let registry: TestRegistry;
  let tokenRegistry: TestRegistry;
  // A port nothing listens on and no unprivileged process can take: a stopped registry's port could be reused by another test's server.
  const stopped = { host: '127.0.0.1:1' };
  const appWith = (cluster?: Cluster): TestApp =>
    buildTestApp({
      cluster,
      config: {
        verify: {
          caFile: ca.caFile,
          insecureHosts: [],
          allowPrivate: true,
          timeoutMs: 3000,
          concurrency: 4,
          requestShare: 2,
          maxWaiting: 1000,
        },
      },
    });
  const creds = (password = PASSWORD, server = registry.host) => ({ server, username: 'janedoe', password });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-verify-http-'));
    ca = createTestCa(dir);
    registry = await startHtpasswdRegistry({ users: { janedoe: PASSWORD }, ca });
    const tokenServer = await startTokenServer({
      users: { janedoe: CANARY },
      grants: { janedoe: ['team/app'] },
      ca,
      service: 'regcred-test',
    });
    tokenRegistry = await startTokenRegistry({ tokenServer, ca });
  });
  afterAll(async () => {
    await stopTestServers();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('POST /v1/verify and /v1/verify/dockerconfig', () => {
    it('reports per registry what it answered, and writes nothing', async () => {
      const t = appWith();
      const res = await request(t.app)
        .post('/v1/verify')
        .send({ registries: [creds(), { ...creds('wrong'), server: `https://${registry.host}/team` }, creds(PASSWORD, stopped.host)] });
      expect(res.status).toBe(200);
      expect(res.body.registries.map((r: { status: string }) => r.status)).toEqual(['valid', 'invalid', 'unreachable']);
      expect(res.body.registries[0]).toMatchObject({ server: registry.host, method: 'basic', checkedAt: expect.any(String) });
      expect(res.body.warnings).toHaveLength(2);
      expect(await t.cluster.listSecrets('default', { limit: 1 })).toEqual({ items: [] });
    });

    it('checks pull access to a named repository with a token registry', async () => {
      const t = appWith();
      const ok = await request(t.app)
        .post('/v1/verify')
        .send({ ...creds(CANARY, tokenRegistry.host), repository: 'team/app' });
      const denied = await request(t.app)
        .post('/v1/verify')
        .send({ ...creds(CANARY, tokenRegistry.host), repository: 'other/app' });
      expect([ok.body.registries[0].status, denied.body.registries[0].status]).toEqual(['valid', 'invalid']);
      expect(ok.body.registries[0]).toMatchObject({ method: 'bearer', repository: 'team/app' });
    });

    it('checks every registry of an uploaded config.json, with ?repository for each', async () => {
      const config = { auths: { [registry.host]: { auth: Buffer.from(`janedoe:${PASSWORD}`).toString('base64') } } };
      const res = await request(appWith().app)
        .post('/v1/verify/dockerconfig?repository=team/app')
        .attach('config', Buffer.from(JSON.stringify(config)), 'config.json');
      expect(res.status).toBe(200);
      expect(res.body.registries).toEqual([expect.objectContaining({ server: registry.host, status: 'valid', repository: 'team/app' })]);
    });

    it('when the egress guard is at its default, then a loopback registry is refused and said so', async () => {
      const t = buildTestApp({
        config: {
          verify: {
            caFile: ca.caFile,
            insecureHosts: [],
            allowPrivate: false,
            timeoutMs: 3000,
            concurrency: 4,
            requestShare: 2,
            maxWaiting: 1000,
          },
        },
      });
      const res = await request(t.app).post('/v1/verify').send(creds());
      expect(res.body.registries[0]).toMatchObject({ status: 'error', detail: expect.stringContaining('loopback address') });
      const write = await request(t.app).put('/v1/namespaces/default/pullsecrets/regcred?verify=required').send(creds());
      expect(write.status).toBe(422);
      expect(write.body.errors[0]).toMatchObject({ path: 'password', code: 'verification_error' });
    });
  });

  describe('?verify on writes (in-memory cluster)', () => {
    it('verify=required with a wrong password: 422 naming the field, the registry answer attached, nothing written', async () => {
      const t = appWith();
      const res = await request(t.app).put('/v1/namespaces/default/pullsecrets/regcred?verify=required').send(creds('wrong'));
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors).toEqual([
        { path: 'password', code: 'verification_invalid', message: expect.stringContaining(registry.host) },
      ]);
      expect(res.body.verification[0]).toMatchObject({ status: 'invalid', method: 'basic' });
      expect(await t.cluster.readSecret('default', 'regcred')).toBeUndefined();
    });

    it('verify=required with a stopped registry: 502, nothing written; verify=true: written with a warning', async () => {
      const t = appWith();
      const refused = await request(t.app)
        .put('/v1/namespaces/default/pullsecrets/regcred?verify=required')
        .send(creds(PASSWORD, stopped.host));
      expect(refused.status).toBe(502);
      expect(refused.body.verification[0].status).toBe('unreachable');
      expect(await t.cluster.readSecret('default', 'regcred')).toBeUndefined();
      const written = await request(t.app)
        .put('/v1/namespaces/default/pullsecrets/regcred?verify=true')
        .send(creds(PASSWORD, stopped.host));
      expect(written.status).toBe(201);
      expect(written.body.warnings).toContainEqual(expect.stringContaining(`verification of ${stopped.host}: unreachable`));
    });

    it('a verified write records the outcome; an identical one stays unchanged; a new status rewrites the record', async () => {
      const t = appWith();
      const url = '/v1/namespaces/default/pullsecrets/regcred?verify=true';
      const first = await request(t.app).put(url).send(creds());
      expect([first.status, first.body.verification[0].status]).toEqual([201, 'valid']);
      expect(first.body.lastVerification).toEqual([
        { server: registry.host, status: 'valid', checkedAt: first.body.verification[0].checkedAt },
      ]);
      const again = await request(t.app).put(url).send(creds());
      expect([again.status, again.body.result]).toEqual([200, 'unchanged']);
      expect(again.body.lastVerification).toEqual(first.body.lastVerification);
      const wrong = await request(t.app).put(url).send(creds('wrong'));
      expect([wrong.body.result, wrong.body.lastVerification[0].status]).toEqual(['updated', 'invalid']);
      const stored = await t.cluster.readSecret('default', 'regcred');
      expect(JSON.parse(stored!.annotations[VERIFICATION_ANNOTATION]!)).toEqual([
        { server: registry.host, status: 'invalid', checkedAt: expect.any(String) },
      ]);
      const unverified = await request(t.app).put('/v1/namespaces/default/pullsecrets/regcred').send(creds('other'));
      expect(unverified.body.lastVerification).toBeUndefined();
      expect((await request(t.app).get('/v1/namespaces/default/pullsecrets/regcred')).body.lastVerification).toBeUndefined();
    });

    it('POST and PUT …/dockerconfig verify too', async () => {
      const t = appWith();
      const created = await request(t.app)
        .post('/v1/namespaces/default/pullsecrets?verify=required')
        .send({ name: 'viapost', ...creds() });
      expect([created.status, created.body.verification[0].status]).toEqual([201, 'valid']);
      const config = { auths: { [registry.host]: { username: 'janedoe', password: 'wrong' } } };
      const uploaded = await request(t.app).put('/v1/namespaces/default/pullsecrets/viaconfig/dockerconfig?verify=required').send(config);
      expect(uploaded.status).toBe(422);
      expect(uploaded.body.errors[0]).toMatchObject({ path: `auths/${registry.host}`, code: 'verification_invalid' });
    });

    it('a repository without verify, and a regcred.io/ annotation, are refused with the rule named', async () => {
      const t = appWith();
      const repo = await request(t.app)
        .put('/v1/namespaces/default/pullsecrets/regcred')
        .send({ ...creds(), repository: 'team/app' });
      expect([repo.status, repo.body.errors[0].code]).toEqual([422, 'requires_verify']);
      const forged = await request(t.app)
        .put('/v1/namespaces/default/pullsecrets/regcred')
        .send({ ...creds(), annotations: { [VERIFICATION_ANNOTATION]: '[]' } });
      expect([forged.status, forged.body.errors[0].path, forged.body.errors[0].code]).toEqual([422, 'annotations', 'reserved']);
    });
  });

  describe('?verify on render', () => {
    it('verify=required refuses a wrong password; verify=true renders and says what the registry answered', async () => {
      const t = appWith();
      expect((await request(t.app).post('/v1/render?verify=required').send(creds('wrong'))).status).toBe(422);
      const ok = await request(t.app).post('/v1/render?verify=true').send(creds());
      expect(ok.status).toBe(200);
      expect(ok.headers['regcred-verification']).toBe(`${registry.host}=valid`);
      expect(ok.body.kind).toBe('Secret');
    });
  });

  it('the canary password reaches no answer (render aside) and no log line', async () => {
    const t = appWith();
    const token = creds(CANARY, tokenRegistry.host);
    const answers = [
      await request(t.app)
        .post('/v1/verify')
        .send({ ...token, repository: 'team/app' }),
      await request(t.app)
        .post('/v1/verify')
        .send({ ...token, password: `${CANARY}-wrong` }),
      await request(t.app)
        .put('/v1/namespaces/default/pullsecrets/c?verify=required')
        .send({ ...token, password: `${CANARY}-wrong` }),
      await request(t.app).put('/v1/namespaces/default/pullsecrets/c?verify=true').send(token),
      await request(t.app).put('/v1/namespaces/default/pullsecrets/c?verify=required').send(creds(CANARY, stopped.host)),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 422, 201, 502]);
    for (const answer of answers) {
      expect(answer.text).not.toContain(CANARY);
      expect(JSON.stringify(answer.headers)).not.toContain(CANARY);
    }
    expect(t.logLines.length).toBeGreaterThan(0);
    expect(t.logLines.join('\n')).not.toContain(CANARY);
    expect(t.logLines.join('\n')).not.toContain(Buffer.from(`janedoe:${CANARY}`).toString('base64'));
    expect(await t.metrics.registry.metrics()).toContain('regcred_registry_verifications_total{status="valid",method="bearer"}');
  });

  describe.skipIf(!realClusterAvailable())('on the real kube-apiserver', () => {
    let namespace: TestNamespace;
    beforeAll(async () => {
      namespace = await createTestNamespace('verify');
    });
    afterAll(async () => namespace?.remove());

    it('verify=required with a wrong password writes nothing; with the right one the Secret carries the record', async () => {
      const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
      const t = appWith(cluster);
      const url = `/v1/namespaces/${namespace.name}/pullsecrets/regcred?verify=required`;
      const refused = await request(t.app).put(url).send(creds('wrong'));
      expect(refused.status).toBe(422);
      expect(await cluster.readSecret(namespace.name, 'regcred')).toBeUndefined();
      const created = await request(t.app).put(url).send(creds());
      expect(created.status).toBe(201);
      const stored = await cluster.readSecret(namespace.name, 'regcred');
      expect(JSON.parse(stored!.annotations[VERIFICATION_ANNOTATION]!)[0]).toMatchObject({ server: registry.host, status: 'valid' });
      const again = await request(t.app).put(url).send(creds());
      expect(again.body.result).toBe('unchanged');
      expect((await cluster.readSecret(namespace.name, 'regcred'))!.resourceVersion).toBe(stored!.resourceVersion);
    });
  });
});
