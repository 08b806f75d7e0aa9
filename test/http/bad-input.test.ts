import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

const { app, cluster } = buildTestApp({ config: { bodyLimitBytes: 64 * 1024 } });
const url = '/v1/namespaces/default/pullsecrets/regcred';

async function expectProblem(res: request.Response, status: number): Promise<void> {
  expectMatchesContract(res);
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('invalid requests get a 4xx problem+json naming the field and the rule', () => {
  it.each([
    ['missing username', { password: 'p' }, 'username', 'required'],
    ['missing password', { username: 'u' }, 'password', 'required'],
    ['colon in username', { username: 'a:b', password: 'p' }, 'username', 'no_colon'],
    [
      'credentials in the server key',
      { server: 'https://jane:pw@registry.example.com', username: 'a', password: 'p' },
      'server',
      'no_userinfo',
    ],
    ['empty password', { username: 'u', password: '' }, 'password', 'too_small'],
    ['whitespace in server', { server: 'reg example', username: 'u', password: 'p' }, 'server', 'invalid_format'],
    ['ftp server', { server: 'ftp://reg.example', username: 'u', password: 'p' }, 'server', 'invalid_format'],
    ['bad email', { username: 'u', password: 'p', email: 'nope' }, 'email', 'invalid_format'],
    ['unknown field', { username: 'u', password: 'p', pasword: 'x' }, 'pasword', 'unrecognized_key'],
    ['empty registries', { registries: [] }, 'registries', 'too_small'],
    ['both forms', { username: 'u', password: 'p', registries: [{ username: 'u', password: 'p' }] }, 'username', 'exclusive'],
    [
      'duplicate servers',
      {
        registries: [
          { server: 'a', username: 'u', password: 'p' },
          { server: 'a', username: 'v', password: 'q' },
        ],
      },
      'registries/1/server',
      'unique',
    ],
    ['bad label key', { username: 'u', password: 'p', labels: { 'bad key': 'v' } }, 'labels/bad key', 'qualified_name'],
    ['bad label value', { username: 'u', password: 'p', labels: { ok: 'not ok' } }, 'labels/ok', 'invalid_format'],
    ['wrong type', { username: 42, password: 'p' }, 'username', 'invalid_type'],
  ])('%s → 422 at %s (%s)', async (_case, body, field, rule) => {
    const res = await request(app).put(url).send(body);
    await expectProblem(res, 422);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: field, code: rule }));
  });

  it('an invalid namespace or name in the path → 422 naming it', async () => {
    const res = await request(app).put('/v1/namespaces/Bad_NS/pullsecrets/regcred').send({ username: 'u', password: 'p' });
    await expectProblem(res, 422);
    expect(res.body.errors[0]).toMatchObject({ path: 'namespace', code: 'invalid_format' });
    const name = await request(app).get('/v1/namespaces/default/pullsecrets/-bad-');
    await expectProblem(name, 422);
    expect(name.body.errors[0].path).toBe('name');
  });

  it('a path segment that is not valid percent-encoding → 400 naming the path, the segment not echoed', async () => {
    for (const path of [
      '/v1/namespaces/default/pullsecrets/%E9',
      '/v1/namespaces/%ZZ/pullsecrets',
      '/v1/namespaces/default/pullsecrets/%C3%28',
    ]) {
      const res = await request(app).get(path);
      await expectProblem(res, 400);
      expect(res.body.errors[0]).toMatchObject({ path: 'path', code: 'invalid_encoding' });
      expect(res.body.detail).not.toMatch(/%E9|%ZZ|%C3/);
    }
  });

  it('an unknown query parameter → 422 (a typo never silently writes for real)', async () => {
    const res = await request(app).put(`${url}?dryrun=server`).send({ username: 'u', password: 'p' });
    await expectProblem(res, 422);
    expect(res.body.errors[0]).toMatchObject({ path: 'dryrun', code: 'unrecognized_key' });
    expect(await cluster.readSecret('default', 'regcred')).toBeUndefined();
  });

  it('malformed JSON → 400', async () => {
    const res = await request(app).put(url).set('Content-Type', 'application/json').send('{"username": "u", "password": "p-secret"');
    await expectProblem(res, 400);
    expect(res.text).not.toContain('p-secret');
  });

  it('a JSON array or scalar → 400', async () => {
    await expectProblem(await request(app).put(url).set('Content-Type', 'application/json').send('[1]'), 400);
  });

  it('wrong or missing content type → 415', async () => {
    await expectProblem(await request(app).put(url).set('Content-Type', 'text/plain').send('username=u'), 415);
    await expectProblem(await request(app).put(url), 415);
  });

  it('a body over the limit → 413', async () => {
    const res = await request(app)
      .put(url)
      .send({ username: 'u', password: 'x'.repeat(70 * 1024) });
    await expectProblem(res, 413);
  });

  it('an oversized upload → 413, and a second file part → 400', async () => {
    const big = await request(app)
      .put(`${url}/dockerconfig`)
      .attach('config', Buffer.alloc(70 * 1024, 0x20), 'config.json');
    await expectProblem(big, 413);
    const wrongPart = await request(app).put(`${url}/dockerconfig`).attach('file', Buffer.from('{}'), 'config.json');
    await expectProblem(wrongPart, 400);
  });

  it('a secret that would exceed the API server 1 MiB limit → 422', async () => {
    const { app: roomy } = buildTestApp({ config: { bodyLimitBytes: 2 * 1024 * 1024 } });
    const registries = Array.from({ length: 10 }, (_, i) => ({ server: `r${i}.example.com`, username: 'u', password: 'p'.repeat(60_000) }));
    const res = await request(roomy).put(url).send({ registries });
    await expectProblem(res, 422);
    expect(res.body.errors[0].code).toBe('too_big');
  });

  it('a known path with an unsupported method → 405 with Allow', async () => {
    const res = await request(app).delete('/v1/namespaces/default/pullsecrets');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST, HEAD');
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('an unknown route → 404 problem', async () => {
    const res = await request(app).get('/v2/nothing');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('an unacceptable Accept on render → 406', async () => {
    const res = await request(app).post('/v1/render').set('Accept', 'text/html').send({ username: 'u', password: 'p' });
    await expectProblem(res, 406);
  });

  it('an unacceptable Accept on render with verify → 406 before any registry is asked', async () => {
    const asked: string[] = [];
    const { app: verifying } = buildTestApp({
      verifier: {
        verify: async (target) => {
          asked.push(target.server);
          throw new Error('a registry was asked although the answer could not be sent');
        },
      },
    });
    const res = await request(verifying).post('/v1/render?verify=true').set('Accept', 'text/html').send({ username: 'u', password: 'p' });
    await expectProblem(res, 406);
    expect(asked).toEqual([]);
  });

  it('deeply nested JSON → 4xx problem, and the process keeps serving', async () => {
    const depth = 20_000;
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const res = await request(app).put(url).set('Content-Type', 'application/json').send(nested);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    await expectProblem(await request(app).post('/v1/render').set('Content-Type', 'application/json').send(arrays), 400);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it.each([
    ['CR LF in the name', '/v1/namespaces/default/pullsecrets/x%0d%0aSet-Cookie:%20a=b'],
    ['CR LF in the namespace', '/v1/namespaces/default%0d%0aX-Injected:%201/pullsecrets/x'],
    ['a quote and angle brackets', '/v1/namespaces/default/pullsecrets/%22%3Cscript%3E'],
  ])('header injection attempt (%s) → 422 problem, no injected header', async (_case, path) => {
    const res = await request(app).put(path).send({ username: 'u', password: 'p' });
    await expectProblem(res, 422);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-injected']).toBeUndefined();
  });

  it('header injection attempt in a POSTed name → 422, no Location header', async () => {
    const res = await request(app)
      .post('/v1/namespaces/default/pullsecrets')
      .send({ name: 'x\r\nSet-Cookie: a=b', username: 'u', password: 'p' });
    await expectProblem(res, 422);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('an X-Request-Id that is not sane is replaced, never echoed', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'a b<script>');
    expect(res.headers['x-request-id']).not.toContain('<script>');
  });
});
