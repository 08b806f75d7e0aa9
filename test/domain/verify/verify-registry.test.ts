import { describe, expect, it } from 'vitest';
import { RegistryTransportError, type RegistryTransport } from '../../../src/domain/verify/registry-transport.js';
import type { VerificationTarget } from '../../../src/domain/verify/registry-verifier.js';
import { verifyWithRegistry } from '../../../src/domain/verify/verify-registry.js';
import { fakeRegistryTransport, type RegistryRoute } from '../../support/fake-registry-transport.js';

const V2 = { 'docker-distribution-api-version': 'registry/2.0' };
const basicOf = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const target = (extra: Partial<VerificationTarget> = {}): VerificationTarget => ({
  server: 'registry.example.com',
  username: 'janedoe',
  password: 's3cr3t',
  ...extra,
});
const verify = (transport: RegistryTransport, t = target(), insecureHosts: string[] = []) =>
  verifyWithRegistry(transport, t, { insecureHosts, now: () => new Date('2026-11-25T00:00:00Z') });

/** A registry with htpasswd-style Basic auth, as distribution answers. */
const basicRegistry: RegistryRoute = (r) => {
  if (r.headers?.authorization === basicOf('janedoe', 's3cr3t'))
    return { status: r.url.includes('/manifests/') ? 404 : 200, headers: V2, body: '{}' };
  return {
    status: 401,
    headers: { ...V2, 'www-authenticate': 'Basic realm="Registry Realm"', 'content-type': 'application/json' },
    body: '{"errors":[]}',
  };
};

/** A registry with a token service on another host, granting pull on team/app to janedoe only. */
const tokenRegistry: RegistryRoute = (r) => {
  const url = new URL(r.url);
  if (url.host === 'auth.example.com') {
    if (r.headers?.authorization !== basicOf('janedoe', 's3cr3t'))
      return { status: 401, body: '{"details":"incorrect username or password"}' };
    const granted = url.searchParams.get('scope') === 'repository:team/app:pull' ? 'pull' : 'none';
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: `tok-${granted}` }) };
  }
  const auth = r.headers?.authorization;
  if (auth === 'Bearer tok-pull' || (auth === 'Bearer tok-none' && url.pathname === '/v2/')) {
    return { status: url.pathname === '/v2/' ? 200 : 404, headers: V2 };
  }
  return {
    status: 401,
    headers: { ...V2, 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="registry.example.com"' },
  };
};

describe('verifying credentials with a registry (Docker Registry HTTP API V2)', () => {
  it('when the registry asks for Basic and accepts the credentials, then valid (basic), after an anonymous probe first', async () => {
    const transport = fakeRegistryTransport(basicRegistry);
    const { verification, refusedByGuard } = await verify(transport);
    expect(verification).toEqual({
      server: 'registry.example.com',
      status: 'valid',
      method: 'basic',
      detail: 'login accepted',
      checkedAt: '2026-11-25T00:00:00.000Z',
    });
    expect(refusedByGuard).toBe(false);
    expect(transport.requests[0]).toEqual({ url: 'https://registry.example.com/v2/', method: 'GET' });
    expect(transport.requests[1]!.headers?.authorization).toBe(basicOf('janedoe', 's3cr3t'));
  });

  it('when the registry refuses the Basic credentials, then invalid', async () => {
    const { verification } = await verify(fakeRegistryTransport(basicRegistry), target({ password: 'wrong' }));
    expect(verification).toMatchObject({ status: 'invalid', method: 'basic' });
    expect(verification.detail).toContain('refused these credentials (401)');
  });

  it('when the registry answers /v2/ with 200, then no-auth-required and no credentials are sent', async () => {
    const transport = fakeRegistryTransport(() => ({ status: 200, headers: V2, body: '{}' }));
    const { verification } = await verify(transport);
    expect(verification).toMatchObject({ status: 'no-auth-required', method: 'none' });
    expect(transport.requests.every((r) => !r.headers?.authorization)).toBe(true);
  });

  it('when the registry sends a Bearer challenge, then a token is fetched from the realm with Basic, service and account, and /v2/ retried with it', async () => {
    const transport = fakeRegistryTransport(tokenRegistry);
    const { verification } = await verify(transport);
    expect(verification).toMatchObject({ status: 'valid', method: 'bearer', detail: 'login accepted' });
    const tokenRequest = new URL(transport.requests[1]!.url);
    expect(tokenRequest.origin + tokenRequest.pathname).toBe('https://auth.example.com/token');
    expect(Object.fromEntries(tokenRequest.searchParams)).toEqual({ service: 'registry.example.com', account: 'janedoe' });
    expect(transport.requests[2]).toMatchObject({ url: 'https://registry.example.com/v2/', headers: { authorization: 'Bearer tok-none' } });
  });

  it('when the token service refuses the credentials, then invalid (bearer)', async () => {
    const { verification } = await verify(fakeRegistryTransport(tokenRegistry), target({ password: 'nope' }));
    expect(verification).toMatchObject({ status: 'invalid', method: 'bearer' });
    expect(verification.detail).toContain('token service at auth.example.com refused');
  });

  it('when a repository is named, then the token is asked for its pull scope and its manifest is probed: granted → valid', async () => {
    const transport = fakeRegistryTransport(tokenRegistry);
    const { verification } = await verify(transport, target({ repository: 'team/app' }));
    expect(verification).toMatchObject({ status: 'valid', repository: 'team/app' });
    expect(new URL(transport.requests.at(-2)!.url).searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(transport.requests.at(-1)).toMatchObject({ url: 'https://registry.example.com/v2/team/app/manifests/latest', method: 'HEAD' });
  });

  it('when the login works but the token grants no pull on the repository, then invalid naming the repository', async () => {
    const { verification } = await verify(fakeRegistryTransport(tokenRegistry), target({ repository: 'team/other:v1' }));
    expect(verification).toMatchObject({ status: 'invalid', method: 'bearer' });
    expect(verification.detail).toContain('refused pull access to team/other:v1');
  });

  it('when the token service answers `token` instead of `access_token`, then it is used too', async () => {
    const transport = fakeRegistryTransport((r) =>
      r.url.startsWith('https://auth.example.com')
        ? { status: 200, body: '{"token":"tok-pull"}' }
        : r.headers?.authorization === 'Bearer tok-pull'
          ? { status: 200, headers: V2 }
          : { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="s"' } },
    );
    expect((await verify(transport)).verification.status).toBe('valid');
  });

  it('when the realm is plain HTTP, then no credentials are sent to it and the guard refuses', async () => {
    const transport = fakeRegistryTransport(() => ({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="http://auth.example.com/token",service="s"' },
    }));
    const { verification, refusedByGuard } = await verify(transport);
    expect(verification).toMatchObject({ status: 'error', method: 'bearer' });
    expect(verification.detail).toContain('never sends credentials over plain HTTP');
    expect(refusedByGuard).toBe(true);
    expect(transport.requests).toHaveLength(1);
  });

  it('when something answers 404 or HTML for /v2/, then not-a-registry and no credentials are sent', async () => {
    for (const answer of [{ status: 404 }, { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' }]) {
      const transport = fakeRegistryTransport(() => answer);
      expect((await verify(transport)).verification.status).toBe('not-a-registry');
      expect(transport.requests.every((r) => !r.headers?.authorization)).toBe(true);
    }
  });

  it('when a web site asks for Basic without speaking the registry API, then not-a-registry and no credentials are sent', async () => {
    const transport = fakeRegistryTransport(() => ({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="intranet"', 'content-type': 'text/html' },
      body: '<html>',
    }));
    expect((await verify(transport)).verification.status).toBe('not-a-registry');
    expect(transport.requests).toHaveLength(1);
  });

  it('when the transport cannot reach the host, then unreachable with its reason; a TLS failure is an error', async () => {
    const refused = fakeRegistryTransport(
      () => new RegistryTransportError('unreachable', 'registry.example.com could not be reached (ECONNREFUSED)'),
    );
    expect((await verify(refused)).verification).toMatchObject({ status: 'unreachable', detail: expect.stringContaining('ECONNREFUSED') });
    const tls = fakeRegistryTransport(() => new RegistryTransportError('tls', 'TLS failed'));
    expect((await verify(tls)).verification.status).toBe('error');
  });

  it('when the egress guard refuses the address, then error, marked as refused by the guard', async () => {
    const guarded = fakeRegistryTransport(
      () => new RegistryTransportError('guard', 'registry.example.com resolves to 10.0.0.1, which is a private address'),
    );
    expect(await verify(guarded)).toMatchObject({ verification: { status: 'error' }, refusedByGuard: true });
  });

  it('when the registry answers 5xx, then error with the status', async () => {
    expect((await verify(fakeRegistryTransport(() => ({ status: 503 })))).verification).toMatchObject({
      status: 'error',
      detail: 'the registry answered 503',
    });
  });

  it('when /v2 redirects within the same origin, then the redirect is followed; to another host, it is not', async () => {
    const same = fakeRegistryTransport((r) =>
      r.url.endsWith('/v2/') && !r.url.includes('/x/') ? { status: 301, headers: { location: '/x/v2/' } } : { status: 200, headers: V2 },
    );
    expect((await verify(same)).verification.status).toBe('no-auth-required');
    const other = fakeRegistryTransport(() => ({ status: 302, headers: { location: 'https://elsewhere.example.org/v2/' } }));
    const { verification } = await verify(other);
    expect(verification).toMatchObject({ status: 'error', detail: expect.stringContaining('elsewhere.example.org') });
    expect(other.requests).toHaveLength(1);
  });

  it('when a redirect names something that is not a URL, then it is an error answer, not a throw', async () => {
    const broken = fakeRegistryTransport(() => ({ status: 302, headers: { location: 'https://[' } }));
    expect((await verify(broken)).verification).toMatchObject({
      status: 'error',
      detail: expect.stringContaining('redirected to unknown'),
    });
  });

  it('when the key is Docker Hub’s (https://index.docker.io/v1/, docker.io, index.docker.io), then registry-1.docker.io is asked', async () => {
    for (const server of ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io']) {
      const transport = fakeRegistryTransport(() => ({ status: 200, headers: V2 }));
      await verify(transport, target({ server }));
      expect(transport.requests[0]!.url).toBe('https://registry-1.docker.io/v2/');
    }
  });

  it('when the key is http:// for a host not listed as insecure, then nothing is sent; when listed, plain HTTP is used', async () => {
    const transport = fakeRegistryTransport(basicRegistry);
    const refused = await verify(transport, target({ server: 'http://registry.example.com:5000' }));
    expect(refused).toMatchObject({ verification: { status: 'error' }, refusedByGuard: true });
    expect(transport.requests).toHaveLength(0);
    await verify(transport, target({ server: 'registry.example.com:5000/team' }), ['registry.example.com:5000']);
    expect(transport.requests[0]!.url).toBe('http://registry.example.com:5000/v2/');
  });

  it('never puts the password into a result', async () => {
    const canary = 'CANARY-verify-9f3a';
    for (const route of [basicRegistry, tokenRegistry, () => ({ status: 500 })]) {
      const outcome = await verify(fakeRegistryTransport(route), target({ password: canary, repository: 'team/app' }));
      expect(JSON.stringify(outcome)).not.toContain(canary);
      expect(JSON.stringify(outcome)).not.toContain(Buffer.from(`janedoe:${canary}`).toString('base64'));
    }
  });
});
