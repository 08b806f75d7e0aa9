import request from 'supertest';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

const { app, cluster } = buildTestApp();
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('POST /v1/render', () => {
  it('returns the manifest kubectl would, with the credentials, and touches no cluster', async () => {
    const res = await request(app).post('/v1/render?name=pull&namespace=team-a').send({ username: 'u', password: 'p<&>' });
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.metadata).toMatchObject({ name: 'pull', namespace: 'team-a' });
    expect(decode(res.body.data['.dockerconfigjson'])).toBe(
      '{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p\\u003c\\u0026\\u003e","auth":"dTpwPCY+"}}}',
    );
    expect(await cluster.listSecrets('team-a', { limit: 1 })).toEqual({ items: [] });
  });

  it('defaults the name to regcred and gives YAML on Accept: application/yaml', async () => {
    const res = await request(app).post('/v1/render').set('Accept', 'application/yaml').send({ username: 'u', password: 'p' });
    expectMatchesContract(res);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const manifest = parse(res.text);
    expect(manifest).toMatchObject({ kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'regcred' } });
  });

  it('renders a config.json and reports what it dropped in Warning headers', async () => {
    const config = { auths: { 'reg.example.com': { username: 'u', password: 'p' } }, credHelpers: { gcr: 'gcloud' } };
    const res = await request(app).post('/v1/render/dockerconfig').set('Content-Type', 'application/json').send(JSON.stringify(config));
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(String(res.headers.warning)).toContain('credHelpers');
  });
});

describe('POST /v1/inspect', () => {
  it('shows a rendered manifest redacted', async () => {
    const rendered = await request(app).post('/v1/render').send({ server: 'r.example.com', username: 'u', password: 'inspect-me' });
    const res = await request(app).post('/v1/inspect').set('Content-Type', 'application/json').send(JSON.stringify(rendered.body));
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.registries[0]).toMatchObject({ server: 'r.example.com', username: 'u' });
    expect(res.text).not.toContain('inspect-me');
  });

  it('accepts a bare base64 .dockerconfigjson value as text', async () => {
    const rendered = await request(app).post('/v1/render').send({ username: 'u', password: 'inspect-me' });
    const value = rendered.body.data['.dockerconfigjson'];
    const res = await request(app).post('/v1/inspect').set('Content-Type', 'text/plain').send(`${value}\n`);
    expectMatchesContract(res);
    expect(res.status).toBe(200);
    expect(res.body.registries[0].username).toBe('u');
  });

  it('refuses a manifest of another type with 422', async () => {
    const manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, type: 'Opaque', data: {} };
    const res = await request(app).post('/v1/inspect').set('Content-Type', 'application/json').send(JSON.stringify(manifest));
    expectMatchesContract(res);
    expect(res.status).toBe(422);
  });
});
