import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { parseTokensFile, tokenSha256Hex } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestAppOptions } from '../support/test-app.js';

const TEAM_A_TOKEN = 'team-a-token-0123456789abcdef';
const ALL_TOKEN = 'everything-token-0123456789abcdef';
// One hashed entry (as the README recommends) and one plain one.
const TOKENS = parseTokensFile(`
- caller: team-a-ci
  sha256: ${tokenSha256Hex(TEAM_A_TOKEN)}
  namespaces: [team-a]
- caller: platform
  token: ${ALL_TOKEN}
  namespaces: ['*']
`);
const creds = { server: 'registry.example.com', username: 'u', password: 'p' };

function tokenApp(options: TestAppOptions = {}) {
  const cluster = new MemoryCluster({ namespaces: ['default', 'team-a', 'team-b', 'kube-system'] });
  return buildTestApp({ cluster, gatekeeper: tokenGatekeeper(TOKENS), ...options });
}

const auditLines = (logLines: string[]) => logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);

describe('token mode: only the right callers, only their namespaces', () => {
  it('when no token is sent to any /v1 endpoint, then 401 problem+json with WWW-Authenticate: Bearer', async () => {
    const { app } = tokenApp();
    for (const res of [
      await request(app).get('/v1/namespaces/team-a/pullsecrets'),
      await request(app).put('/v1/namespaces/team-a/pullsecrets/x').send(creds),
      await request(app).post('/v1/render').send(creds),
      await request(app).post('/v1/inspect').set('Content-Type', 'text/plain').send('x'),
    ]) {
      expectMatchesContract(res);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="regcred"');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('when the token is unknown, malformed or not a bearer token, then 401', async () => {
    const { app } = tokenApp();
    for (const header of [
      'Bearer garbage',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Bearer',
      `Bearer ${TEAM_A_TOKEN}x`,
      TEAM_A_TOKEN,
    ]) {
      const res = await request(app).get('/v1/namespaces/team-a/pullsecrets').set('Authorization', header);
      expect(res.status, header).toBe(401);
    }
  });

  it('when a caller writes in a granted namespace, then it succeeds; in another, 403 problem+json', async () => {
    const { app, cluster } = tokenApp();
    const ok = await request(app).put('/v1/namespaces/team-a/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`).send(creds);
    expect(ok.status).toBe(201);
    const refused = await request(app)
      .put('/v1/namespaces/team-b/pullsecrets/x')
      .set('Authorization', `Bearer ${TEAM_A_TOKEN}`)
      .send(creds);
    expectMatchesContract(refused);
    expect(refused.status).toBe(403);
    expect(await cluster.readSecret('team-b', 'x')).toBeUndefined();
    for (const res of [
      await request(app).get('/v1/namespaces/team-b/pullsecrets').set('Authorization', `Bearer ${TEAM_A_TOKEN}`),
      await request(app).get('/v1/namespaces/team-b/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`),
      await request(app).delete('/v1/namespaces/team-b/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`),
      await request(app)
        .post('/v1/namespaces/team-b/pullsecrets')
        .set('Authorization', `Bearer ${TEAM_A_TOKEN}`)
        .send({ name: 'y', ...creds }),
    ]) {
      expectMatchesContract(res);
      expect(res.status).toBe(403);
    }
  });

  it('when a namespace is on the deny list, then even a caller granted "*" gets 403, before the cluster is asked', async () => {
    const { app, cluster } = tokenApp();
    const res = await request(app).put('/v1/namespaces/kube-system/pullsecrets/x').set('Authorization', `Bearer ${ALL_TOKEN}`).send(creds);
    expect(res.status).toBe(403);
    expect(await cluster.readSecret('kube-system', 'x')).toBeUndefined();
    expect(
      (await request(app).put('/v1/namespaces/team-b/pullsecrets/x').set('Authorization', `Bearer ${ALL_TOKEN}`).send(creds)).status,
    ).toBe(201);
  });

  it('when refused, then the answer is the same whether the namespace and secret exist or not, and the body is never validated', async () => {
    const { app } = tokenApp();
    const auth = `Bearer ${TEAM_A_TOKEN}`;
    await request(app).put('/v1/namespaces/team-b/pullsecrets/exists').set('Authorization', `Bearer ${ALL_TOKEN}`).send(creds);
    const existing = await request(app).get('/v1/namespaces/team-b/pullsecrets/exists').set('Authorization', auth);
    const missingSecret = await request(app).get('/v1/namespaces/team-b/pullsecrets/missing').set('Authorization', auth);
    const missingNs = await request(app).get('/v1/namespaces/nowhere/pullsecrets/exists').set('Authorization', auth);
    const invalidBody = await request(app).put('/v1/namespaces/team-b/pullsecrets/x').set('Authorization', auth).send({ nonsense: true });
    const unauthenticated = [
      await request(app).get('/v1/namespaces/team-b/pullsecrets/exists'),
      await request(app).get('/v1/namespaces/nowhere/pullsecrets/missing'),
    ];
    expect([existing.status, missingSecret.status, missingNs.status, invalidBody.status]).toEqual([403, 403, 403, 403]);
    expect(existing.body.detail).toBe(missingSecret.body.detail);
    expect(unauthenticated[0]!.body.detail).toBe(unauthenticated[1]!.body.detail);
  });

  it('when render or inspect is called with a valid token, then it works in any namespace scope (no namespace involved)', async () => {
    const { app } = tokenApp();
    const res = await request(app).post('/v1/render?namespace=team-b').set('Authorization', `Bearer ${TEAM_A_TOKEN}`).send(creds);
    expect(res.status).toBe(200);
  });

  it('health, readiness, metrics and docs need no token', async () => {
    const { app } = tokenApp();
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.yaml', '/docs/']) {
      expect((await request(app).get(path)).status, path).toBe(200);
    }
  });

  it('writes one audit line per write and per denial, with caller, operation, namespace, name, servers and result, and no secret', async () => {
    const { app, logLines } = tokenApp();
    await request(app)
      .put('/v1/namespaces/team-a/pullsecrets/x')
      .set('Authorization', `Bearer ${TEAM_A_TOKEN}`)
      .set('X-Request-Id', 'req-1')
      .send(creds);
    await request(app).put('/v1/namespaces/team-a/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`).send(creds);
    await request(app).put('/v1/namespaces/team-b/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`).send(creds);
    await request(app).put('/v1/namespaces/team-a/pullsecrets/x').send(creds);
    await request(app).delete('/v1/namespaces/team-a/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`);
    await request(app).delete('/v1/namespaces/team-a/pullsecrets/x').set('Authorization', `Bearer ${TEAM_A_TOKEN}`);
    await request(app).get('/v1/namespaces/team-a/pullsecrets').set('Authorization', `Bearer ${TEAM_A_TOKEN}`);
    const audit = auditLines(logLines);
    expect(audit.map((a) => [a.caller, a.operation, a.namespace, a.result, a.reason])).toEqual([
      ['team-a-ci', 'apply', 'team-a', 'created', undefined],
      ['team-a-ci', 'apply', 'team-a', 'unchanged', undefined],
      ['team-a-ci', 'apply', 'team-b', 'denied', 'forbidden'],
      [null, 'apply', undefined, 'denied', 'unauthenticated'],
      ['team-a-ci', 'delete', 'team-a', 'deleted', undefined],
      ['team-a-ci', 'delete', 'team-a', 'failed', '404 Not Found'],
    ]);
    expect(audit[0]).toMatchObject({ requestId: 'req-1', name: 'x', servers: ['registry.example.com'], time: expect.any(String) });
    for (const line of audit) expect(JSON.stringify(line)).not.toMatch(/"p"|password|team-a-token/);
  });

  it('when a caller exceeds its rate, then 429 problem+json with Retry-After, audited; other callers are not affected', async () => {
    const { app, logLines } = tokenApp({ config: { rateLimitPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(app).get('/v1/namespaces/team-a/pullsecrets').set('Authorization', `Bearer ${TEAM_A_TOKEN}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expectMatchesContract(res);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await request(app).get('/v1/namespaces/team-a/pullsecrets').set('Authorization', `Bearer ${ALL_TOKEN}`)).status).toBe(200);
    expect(auditLines(logLines)).toContainEqual(
      expect.objectContaining({ caller: 'team-a-ci', operation: 'list', result: 'denied', reason: 'rate-limited' }),
    );
  });

  it('when one address exceeds the per-IP rate, then 429 even before a token is checked', async () => {
    const { app } = tokenApp({ config: { ipRateLimitPerMinute: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(app).get('/v1/namespaces/team-a/pullsecrets')).status);
    expect(statuses).toEqual([401, 401, 429]);
  });
});

describe('security headers and CORS', () => {
  it('sends helmet headers, no X-Powered-By, and no CORS headers unless configured', async () => {
    const { app } = tokenApp();
    const res = await request(app).get('/healthz').set('Origin', 'https://evil.example');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when REGCRED_CORS_ORIGINS is set, then only those origins are allowed, preflights included', async () => {
    const { app } = tokenApp({ config: { corsOrigins: ['https://console.example.com'] } });
    const preflight = await request(app)
      .options('/v1/namespaces/team-a/pullsecrets/x')
      .set('Origin', 'https://console.example.com')
      .set('Access-Control-Request-Method', 'PUT');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example.com');
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
    const other = await request(app).get('/healthz').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
