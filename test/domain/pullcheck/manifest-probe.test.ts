import { describe, expect, it } from 'vitest';
import { createManifestProbe } from '../../../src/domain/pullcheck/manifest-probe.js';
import type { ProbeTarget } from '../../../src/domain/pullcheck/pullcheck-model.js';
import { RegistryTransportError, type RegistryResponse, type RegistryTransport } from '../../../src/domain/verify/registry-transport.js';
import { fakeRegistryTransport, type RegistryRoute } from '../../support/fake-registry-transport.js';

const PASSWORD = 'canary-p4ssw0rd';
const MESSAGE = 'canary registry message';
const V2 = { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' };
const MANIFEST = { ...V2, 'docker-content-digest': `sha256:${'a'.repeat(64)}` };
const basicOf = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const errors = (code: string) =>
  JSON.stringify({ errors: [{ code, message: `${MESSAGE} (${PASSWORD})`, detail: { password: PASSWORD } }] });
const target = (extra: Partial<ProbeTarget> = {}): ProbeTarget => ({
  registry: 'registry.example.com',
  repository: 'team/app',
  reference: 'v1',
  credential: { username: 'janedoe', password: PASSWORD },
  ...extra,
});
const anonymous = (extra: Partial<ProbeTarget> = {}): ProbeTarget => {
  const { credential: _, ...rest } = target(extra);
  return rest;
};
const probe = (transport: RegistryTransport, t: ProbeTarget) => createManifestProbe(transport, { insecureHosts: [] }).probe(t);

/** distribution with htpasswd: team/app:v1 exists; other tags and repositories do not. */
const basicRegistry: RegistryRoute = (r) => {
  if (r.headers?.authorization !== basicOf('janedoe', PASSWORD))
    return { status: 401, headers: { ...V2, 'www-authenticate': 'Basic realm="Registry Realm"' }, body: errors('UNAUTHORIZED') };
  if (r.url.endsWith('/v2/team/app/manifests/v1') || r.url.endsWith(`/manifests/sha256:${'a'.repeat(64)}`))
    return { status: 200, headers: MANIFEST };
  if (r.url.includes('/v2/team/app/')) return { status: 404, headers: V2, body: errors('MANIFEST_UNKNOWN') };
  return { status: 404, headers: V2, body: errors('NAME_UNKNOWN') };
};

/** A registry with its token service elsewhere, like Docker Hub: a token without the scope gets 401 insufficient_scope, missing or not. */
function tokenRegistry(options: {
  grants: Record<string, string[]>;
  anonymous?: string[];
  registryAnswer?: Partial<RegistryResponse>;
}): RegistryRoute {
  return (r) => {
    const url = new URL(r.url);
    if (url.host === 'auth.example.com') {
      const user =
        r.headers?.authorization === basicOf('janedoe', PASSWORD) ? 'janedoe' : r.headers?.authorization ? undefined : 'anonymous';
      if (!user || (user === 'anonymous' && !options.anonymous)) return { status: 401, body: `{"details":"${MESSAGE}"}` };
      const granted = user === 'anonymous' ? options.anonymous! : (options.grants[user] ?? []);
      const repository = /^repository:(.+):pull$/.exec(url.searchParams.get('scope') ?? '')?.[1] ?? '';
      return { status: 200, body: JSON.stringify({ token: granted.includes(repository) ? `pull-${repository}` : 'none' }) };
    }
    const challenge = (error?: string) =>
      `Bearer realm="https://auth.example.com/token",service="registry.example.com"${error ? `,error="${error}"` : ''}`;
    const repository = /^\/v2\/(.+)\/manifests\//.exec(url.pathname)?.[1];
    if (r.headers?.authorization === `Bearer pull-${repository}`) {
      if (options.registryAnswer) return options.registryAnswer;
      return repository === 'team/app' || repository === 'library/nginx'
        ? { status: 200, headers: MANIFEST }
        : { status: 404, headers: V2, body: errors('NAME_UNKNOWN') };
    }
    const error = r.headers?.authorization ? 'insufficient_scope' : undefined;
    return { status: 401, headers: { ...V2, 'www-authenticate': challenge(error) }, body: errors('UNAUTHORIZED') };
  };
}

describe('the manifest probe', () => {
  describe('Basic (htpasswd)', () => {
    it('when the password is right, then pulls, after an anonymous HEAD and one with Basic, no layer fetched', async () => {
      const transport = fakeRegistryTransport(basicRegistry);
      expect(await probe(transport, target())).toMatchObject({ outcome: 'pulls', status: 200 });
      expect(transport.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
        'HEAD /v2/team/app/manifests/v1',
        'HEAD /v2/team/app/manifests/v1',
      ]);
      expect(transport.requests[0]!.headers?.authorization).toBeUndefined();
    });

    it('when the password is wrong, then unauthorized, the code read from a GET since HEAD has no body', async () => {
      const transport = fakeRegistryTransport(basicRegistry);
      const result = await probe(transport, target({ credential: { username: 'janedoe', password: 'wrong' } }));
      expect(result).toEqual({
        outcome: 'unauthorized',
        status: 401,
        code: 'UNAUTHORIZED',
        detail: 'registry.example.com refused these credentials (401)',
      });
      expect(transport.requests.at(-1)!.method).toBe('GET');
    });

    it('when no credential is given, then unauthorized: the registry is private', async () => {
      const result = await probe(fakeRegistryTransport(basicRegistry), anonymous());
      expect(result).toMatchObject({ outcome: 'unauthorized', status: 401, code: 'UNAUTHORIZED' });
      expect(result.detail).toContain('asks for a login');
    });

    it('when the tag is missing, then not-found with MANIFEST_UNKNOWN; when the repository is, NAME_UNKNOWN', async () => {
      expect(await probe(fakeRegistryTransport(basicRegistry), target({ reference: 'v2' }))).toMatchObject({
        outcome: 'not-found',
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
      expect(await probe(fakeRegistryTransport(basicRegistry), target({ repository: 'team/gone' }))).toMatchObject({
        outcome: 'not-found',
        code: 'NAME_UNKNOWN',
      });
    });

    it('when the reference is a digest, then the manifest is asked by digest', async () => {
      const transport = fakeRegistryTransport(basicRegistry);
      const result = await probe(transport, target({ reference: `sha256:${'a'.repeat(64)}` }));
      expect(result).toMatchObject({ outcome: 'pulls', detail: expect.stringContaining(`team/app@sha256:${'a'.repeat(64)}`) });
      expect(transport.requests[0]!.url).toBe(`https://registry.example.com/v2/team/app/manifests/sha256:${'a'.repeat(64)}`);
    });

    it('when an anonymous HEAD answers 404 (a hidden repository), then /v2/ is asked how to log in and the credential tried', async () => {
      const transport = fakeRegistryTransport((r) =>
        r.headers?.authorization || new URL(r.url).pathname === '/v2/'
          ? basicRegistry(r)
          : { status: 404, headers: V2, body: errors('NAME_UNKNOWN') },
      );
      expect(await probe(transport, target())).toMatchObject({ outcome: 'pulls' });
      expect(transport.requests.map((r) => new URL(r.url).pathname)).toContain('/v2/');
    });
  });

  describe('Bearer (a token service on another host)', () => {
    const registry = tokenRegistry({ grants: { janedoe: ['team/app', 'team/gone'] }, anonymous: ['library/nginx'] });

    it('when the credential may pull, then pulls, with a token asked for repository:<name>:pull', async () => {
      const transport = fakeRegistryTransport(registry);
      expect(await probe(transport, target())).toMatchObject({ outcome: 'pulls', status: 200 });
      const tokenRequest = new URL(transport.requests.find((r) => r.url.startsWith('https://auth.example.com'))!.url);
      expect(tokenRequest.searchParams.get('scope')).toBe('repository:team/app:pull');
      expect(tokenRequest.searchParams.get('service')).toBe('registry.example.com');
    });

    it('when the token service refuses the credential, then unauthorized (401)', async () => {
      const result = await probe(fakeRegistryTransport(registry), target({ credential: { username: 'janedoe', password: 'wrong' } }));
      expect(result).toMatchObject({ outcome: 'unauthorized', status: 401 });
      expect(result.detail).toContain('token service at auth.example.com refused these credentials');
    });

    it('when the token service answers 403, then denied', async () => {
      const transport = fakeRegistryTransport((r) => (r.url.startsWith('https://auth.example.com') ? { status: 403 } : registry(r)));
      expect(await probe(transport, target())).toMatchObject({ outcome: 'denied', status: 403 });
    });

    it('when the registry answers 401 insufficient_scope (Docker Hub alike for denied and missing), then denied-or-not-found', async () => {
      const result = await probe(fakeRegistryTransport(registry), target({ repository: 'someone/else' }));
      expect(result).toMatchObject({ outcome: 'denied-or-not-found', status: 401, code: 'UNAUTHORIZED' });
    });

    it('when the repository is granted but missing, then not-found (NAME_UNKNOWN)', async () => {
      expect(await probe(fakeRegistryTransport(registry), target({ repository: 'team/gone' }))).toMatchObject({
        outcome: 'not-found',
        code: 'NAME_UNKNOWN',
      });
    });

    it('when the registry refuses the token itself (expired: invalid_token), then unauthorized', async () => {
      const expired = tokenRegistry({
        grants: { janedoe: ['team/app'] },
        registryAnswer: {
          status: 401,
          headers: { ...V2, 'www-authenticate': 'Bearer realm="https://auth.example.com/token",error="invalid_token"' },
          body: errors('UNAUTHORIZED'),
        },
      });
      const result = await probe(fakeRegistryTransport(expired), target());
      expect(result).toMatchObject({ outcome: 'unauthorized', status: 401 });
      expect(result.detail).toContain('expired or not valid');
    });

    it('when the registry answers 403 DENIED, then denied', async () => {
      const denying = tokenRegistry({
        grants: { janedoe: ['team/app'] },
        registryAnswer: { status: 403, headers: V2, body: errors('DENIED') },
      });
      expect(await probe(fakeRegistryTransport(denying), target())).toMatchObject({ outcome: 'denied', status: 403, code: 'DENIED' });
    });

    it('when anonymous and the realm gives anonymous pull, then pulls, no Authorization sent to the realm', async () => {
      const transport = fakeRegistryTransport(registry);
      expect(await probe(transport, anonymous({ repository: 'library/nginx' }))).toMatchObject({ outcome: 'pulls' });
      expect(transport.requests.every((r) => !r.headers?.authorization?.startsWith('Basic'))).toBe(true);
    });

    it('when anonymous and the realm refuses anonymous tokens, then unauthorized (a login is needed)', async () => {
      const result = await probe(fakeRegistryTransport(tokenRegistry({ grants: {} })), anonymous());
      expect(result).toMatchObject({ outcome: 'unauthorized', status: 401 });
    });

    it('when anonymous and the anonymous token lacks the scope, then denied-or-not-found (private or missing, alike)', async () => {
      expect(await probe(fakeRegistryTransport(registry), anonymous({ repository: 'library/ngnix' }))).toMatchObject({
        outcome: 'denied-or-not-found',
      });
    });

    it('when the key is docker.io, then registry-1.docker.io is probed', async () => {
      const transport = fakeRegistryTransport(registry);
      await probe(transport, anonymous({ registry: 'docker.io', repository: 'library/nginx' }));
      expect(transport.requests[0]!.url).toBe('https://registry-1.docker.io/v2/library/nginx/manifests/v1');
    });

    it('when the realm is plain HTTP, then unreachable and nothing is sent there', async () => {
      const transport = fakeRegistryTransport(() => ({
        status: 401,
        headers: { ...V2, 'www-authenticate': 'Bearer realm="http://auth.example.com/token"' },
      }));
      expect(await probe(transport, target())).toMatchObject({ outcome: 'unreachable', detail: expect.stringContaining('plain HTTP') });
      expect(transport.requests.some((r) => r.url.startsWith('http:'))).toBe(false);
    });
  });

  describe('what cannot be told', () => {
    it.each([
      ['a 503', () => ({ status: 503 }), /answered 503/],
      ['a 429', () => ({ status: 429, headers: V2, body: errors('TOOMANYREQUESTS') }), /try later/],
      [
        'a refused connection',
        () => new RegistryTransportError('unreachable', 'registry.example.com could not be reached (ECONNREFUSED)'),
        /ECONNREFUSED/,
      ],
      ['a timeout', () => new RegistryTransportError('timeout', 'registry.example.com did not answer within 5000 ms'), /did not answer/],
      [
        'the egress guard',
        () => new RegistryTransportError('guard', 'registry.example.com resolves to an address that is a private address'),
        /private/,
      ],
      ['a web site 404', () => ({ status: 404, headers: { 'content-type': 'text/html' }, body: '<html>' }), /without speaking/],
      ['a web site 200', () => ({ status: 200, headers: { 'content-type': 'text/html' } }), /without speaking/],
      [
        'a redirect elsewhere',
        () => ({ status: 302, headers: { location: 'https://cdn.example.net/x?sig=secret' } }),
        /cdn\.example\.net$/,
      ],
    ])('when %s, then unreachable', async (_, route, detail) => {
      const result = await probe(fakeRegistryTransport(route as RegistryRoute), target());
      expect(result.outcome).toBe('unreachable');
      expect(result.detail).toMatch(detail);
    });

    it('when the repository or reference is not valid, then not-found and nothing is sent', async () => {
      const transport = fakeRegistryTransport(basicRegistry);
      for (const t of [target({ repository: '../../token' }), target({ reference: 'v1/../../x' }), target({ repository: 'Team/App' })])
        expect(await probe(transport, t)).toMatchObject({ outcome: 'not-found' });
      expect(transport.requests).toEqual([]);
    });

    it('when http:// is not listed as insecure, then unreachable without a request', async () => {
      const transport = fakeRegistryTransport(basicRegistry);
      expect(await probe(transport, target({ registry: 'http://registry.example.com' }))).toMatchObject({ outcome: 'unreachable' });
      expect(transport.requests).toEqual([]);
    });
  });

  it('never puts the password, a token or the registry message in an answer, whatever the registry says', async () => {
    const echoing: RegistryRoute = (r) => ({
      status: r.headers?.authorization ? 403 : 401,
      headers: { ...V2, 'www-authenticate': `Basic realm="${MESSAGE} ${PASSWORD}"`, location: `https://x/${PASSWORD}` },
      body: JSON.stringify({ errors: [{ code: `${PASSWORD}`, message: MESSAGE }] }),
    });
    const routes = [echoing, basicRegistry, tokenRegistry({ grants: { janedoe: ['team/app'] } })];
    for (const route of routes) {
      for (const t of [target(), target({ repository: 'x/y' }), target({ reference: 'nope' })]) {
        const text = JSON.stringify(await probe(fakeRegistryTransport(route), t));
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(MESSAGE);
        expect(text).not.toMatch(/pull-team|Bearer|Basic/);
      }
    }
  });
});
