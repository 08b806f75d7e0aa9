import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithRegistry,
  startHtpasswdRegistry,
  startPlainWebServer,
  startTokenRegistry,
  startTokenServer,
  stopTestServers,
  type TestRegistry,
  type TokenServer,
} from '../support/registries.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

// Proves the test infrastructure with nothing but node:https, so registry tests of the service
// can trust it. Debian's docker-registry is distribution 2.8.2.

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(
  url: string,
  ca: string,
  { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describeWithRegistry('test registries on loopback (docker-registry)', () => {
  let dir: string;
  let ca: TestCa;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-registries-test-'));
    ca = createTestCa(dir);
  });
  afterAll(async () => {
    await stopTestServers();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('htpasswd registry', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startHtpasswdRegistry({ users: { alice: 'alice-secret' }, ca });
    });

    it('when asked /v2/ without credentials, then answers 401 with a Basic challenge', async () => {
      const answer = await call(`${registry.url}/v2/`, ca.caPem);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Basic realm="regcred-test"');
      expect(JSON.parse(answer.body)).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] });
    });

    it('when the Basic credentials are right, then 200 with the API version header; when wrong, then 401', async () => {
      const right = await call(`${registry.url}/v2/`, ca.caPem, { headers: basic('alice', 'alice-secret') });
      expect(right.status).toBe(200);
      expect(right.headers['docker-distribution-api-version']).toBe('registry/2.0');
      const wrong = await call(`${registry.url}/v2/`, ca.caPem, { headers: basic('alice', 'not-it') });
      expect(wrong.status).toBe(401);
    });

    it('when stopped, then the connection is refused; start() brings it back on the same port', async () => {
      const port = registry.port;
      await registry.stop();
      await expect(call(`${registry.url}/v2/`, ca.caPem)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await registry.start();
      expect(registry.port).toBe(port);
      expect((await call(`${registry.url}/v2/`, ca.caPem, { headers: basic('alice', 'alice-secret') })).status).toBe(200);
      expect(registry.logs()).toContain(`listening on ${registry.host}`);
    });

    it('when the client trusts another CA, then TLS fails', async () => {
      const other = createTestCa(dir, 'other');
      await expect(call(`${registry.url}/v2/`, other.caPem)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });
  });

  describe('token registry', () => {
    const service = 'regcred-test-registry';
    let tokens: TokenServer;
    let registry: TestRegistry;
    beforeAll(async () => {
      tokens = await startTokenServer({
        users: { alice: 'alice-secret', bob: 'bob-secret' },
        grants: { alice: ['team/app'], bob: ['other/app'] },
        ca,
        service,
      });
      registry = await startTokenRegistry({ tokenServer: tokens, ca });
    });
    const fetchToken = async (user: string, password: string, scope: string) => {
      const query = new URLSearchParams({ service, account: user, scope });
      return call(`${tokens.realm}?${query}`, ca.caPem, { headers: basic(user, password) });
    };

    it('when asked /v2/ without a token, then 401 with a Bearer challenge naming the realm and service', async () => {
      const answer = await call(`${registry.url}/v2/`, ca.caPem);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${tokens.realm}",service="${service}"`);
    });

    it('when a granted user fetches a pull token, then /v2/ answers 200 and a missing manifest 404', async () => {
      const answer = await fetchToken('alice', 'alice-secret', 'repository:team/app:pull');
      expect(answer.status).toBe(200);
      const { token, access_token, expires_in } = JSON.parse(answer.body) as { token: string; access_token: string; expires_in: number };
      expect(access_token).toBe(token);
      expect(expires_in).toBe(300);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', x5c: [expect.any(String)] });
      expect(decodeJwt(token)).toMatchObject({
        sub: 'alice',
        aud: service,
        access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
      });

      expect((await call(`${registry.url}/v2/`, ca.caPem, { headers: bearer(token) })).status).toBe(200);
      const manifest = await call(`${registry.url}/v2/team/app/manifests/latest`, ca.caPem, { method: 'HEAD', headers: bearer(token) });
      expect(manifest.status).toBe(404);
    });

    it('when the user has no grant for the repository, then the token carries no access and the registry answers 401', async () => {
      const answer = await fetchToken('bob', 'bob-secret', 'repository:team/app:pull');
      expect(answer.status).toBe(200);
      const { token } = JSON.parse(answer.body) as { token: string };
      expect(decodeJwt(token).access).toEqual([]);
      const manifest = await call(`${registry.url}/v2/team/app/manifests/latest`, ca.caPem, { method: 'HEAD', headers: bearer(token) });
      expect(manifest.status).toBe(401);
      expect(manifest.headers['www-authenticate']).toBe(
        `Bearer realm="${tokens.realm}",service="${service}",scope="repository:team/app:pull",error="insufficient_scope"`,
      );
    });

    it('when the password is wrong, then the token server answers 401 with a Basic challenge and records no password', async () => {
      const answer = await fetchToken('alice', 'wrong-secret', 'repository:team/app:pull');
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Basic /);
      expect(tokens.requests.at(-1)).toEqual({
        method: 'GET',
        path: '/token',
        query: { service: [service], account: ['alice'], scope: ['repository:team/app:pull'] },
        basicAuth: true,
        user: 'alice',
      });
      expect(JSON.stringify(tokens.requests)).not.toContain('secret');
    });
  });

  describe('plain web server', () => {
    it('when asked /v2/, then answers like a web site: 404 HTML, no registry headers', async () => {
      const web = await startPlainWebServer({ ca });
      const home = await call(`${web.url}/`, ca.caPem);
      expect(home.status).toBe(200);
      expect(home.headers['content-type']).toMatch(/^text\/html/);
      const v2 = await call(`${web.url}/v2/`, ca.caPem);
      expect(v2.status).toBe(404);
      expect(v2.headers['content-type']).toMatch(/^text\/html/);
      expect(v2.headers['docker-distribution-api-version']).toBeUndefined();
      await web.stop();
    });
  });
});
