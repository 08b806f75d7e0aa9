import { readFileSync } from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { renderOpenApiYaml } from '../../src/http/openapi.js';
import { UnavailableError } from '../../src/errors.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

describe('health, readiness and docs', () => {
  it('GET /healthz answers ok', async () => {
    const res = await request(buildTestApp().app).get('/healthz');
    expectMatchesContract(res);
    expect(res.body.status).toBe('ok');
  });

  it('GET /readyz is 200 when the cluster answers and 503 when it does not', async () => {
    const ok = await request(buildTestApp().app).get('/readyz');
    expectMatchesContract(ok);
    expect(ok.status).toBe(200);
    const broken = new MemoryCluster({ namespaces: ['default'] });
    broken.ping = () => Promise.reject(new UnavailableError('the cluster did not answer within 5000 ms'));
    const down = await request(buildTestApp({ cluster: broken }).app).get('/readyz');
    expectMatchesContract(down);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body).toEqual({ status: 'unavailable' });
  });

  it('GET /readyz names no cluster; GET /v1/status does, with the reason it is not ready, for authenticated callers only', async () => {
    const broken = new MemoryCluster({ namespaces: ['default'] });
    broken.ping = () => Promise.reject(new UnavailableError('the cluster did not answer within 5000 ms'));
    const { app } = buildTestApp({ cluster: broken });
    const ready = await request(app).get('/readyz');
    expect(JSON.stringify(ready.body)).not.toContain(broken.description);
    const status = await request(app).get('/v1/status');
    expectMatchesContract(status);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      status: 'unavailable',
      cluster: broken.description,
      detail: 'the cluster did not answer within 5000 ms',
      controller: { state: 'off' },
    });
    const { app: tokenApp } = buildTestApp({
      gatekeeper: tokenGatekeeper(parseTokensFile('[{"caller":"ci","token":"ci-token-0123456789abcdef","namespaces":["default"]}]')),
    });
    const anonymous = await request(tokenApp).get('/v1/status');
    expectMatchesContract(anonymous);
    expect(anonymous.status).toBe(401);
    const ok = await request(tokenApp).get('/v1/status').set('Authorization', 'Bearer ci-token-0123456789abcdef');
    expect(ok.body).toMatchObject({ status: 'ok', cluster: expect.stringContaining('in-memory') });
  });

  it('GET /v1/status says whether this replica leads the distribution controller or stands by, and its Lease identity', async () => {
    let leading = true;
    const { app } = buildTestApp({ controller: { identity: 'host-1a2b3c4d', isLeader: () => leading } });
    const first = await request(app).get('/v1/status');
    expectMatchesContract(first);
    expect(first.body.controller).toEqual({ state: 'leading', identity: 'host-1a2b3c4d' });
    leading = false;
    expect((await request(app).get('/v1/status')).body.controller).toEqual({ state: 'standby', identity: 'host-1a2b3c4d' });
  });

  it('serves the committed openapi.yaml, and it is what the schemas generate (run `npm run openapi` when this fails)', async () => {
    const committed = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
    expect(renderOpenApiYaml()).toBe(committed);
    const res = await request(buildTestApp().app).get('/openapi.yaml');
    expect(res.status).toBe(200);
    expect(res.text).toBe(committed);
  });

  it('serves Swagger UI pointed at /openapi.yaml', async () => {
    const { app } = buildTestApp();
    const page = await request(app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    const init = await request(app).get('/docs/swagger-ui-init.js');
    expect(init.text).toContain('/openapi.yaml');
  });

  it('echoes a sane X-Request-Id and invents one otherwise; writes one access line per request with it', async () => {
    const { app, logLines } = buildTestApp();
    const given = await request(app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === 'abc-123');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', method: 'GET', url: '/healthz', status: 200, msg: 'request' })]);
    const injected = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(injected.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
