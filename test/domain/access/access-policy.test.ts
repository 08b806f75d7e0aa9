import { describe, expect, it } from 'vitest';
import {
  REQUIRED_PERMISSIONS,
  grantsNamespace,
  namespaceMatches,
  refuseDeniedNamespace,
  type AccessReviewer,
} from '../../../src/domain/access/access-policy.js';
import {
  PresentedToken,
  TokensFileError,
  findTokenCaller,
  parseTokensFile,
  tokenSha256Hex,
} from '../../../src/domain/access/caller-tokens.js';
import { kubernetesGatekeeper } from '../../../src/domain/access/gatekeeper.js';
import { ForbiddenError } from '../../../src/errors.js';

describe('namespace globs', () => {
  it.each([
    ['team-a', 'team-a', true],
    ['team-a', 'team-ab', false],
    ['team-*', 'team-a', true],
    ['team-*', 'team-', true],
    ['team-*', 'other-team-a', false],
    ['*-prod', 'shop-prod', true],
    ['*', 'anything', true],
    ['a.b', 'axb', false],
    ['a*b*c', 'abbbc', true],
    ['a*b*c', 'acb', false],
    ['*a*', 'bab', true],
    ['**', '', true],
    ['a**', 'a', true],
    ['*x', 'xxxy', false],
  ])('%s matches %s: %s', (glob, namespace, expected) => {
    expect(namespaceMatches(glob, namespace)).toBe(expected);
  });

  it('a glob of many stars against a long name answers at once (no backtracking regex)', () => {
    const glob = `${'*'.repeat(62)}x`;
    const started = performance.now();
    expect(namespaceMatches(glob, 'a'.repeat(63))).toBe(false);
    expect(namespaceMatches(`${'*a'.repeat(31)}*`, 'a'.repeat(63))).toBe(true);
    // Generous: the regex it replaces took seconds at 12 stars and did not finish at 14.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('agrees with a regex on random globs and names', () => {
    const letters = ['a', 'b', '*'];
    for (let i = 0; i < 2000; i++) {
      const pick = (n: number, from: string[]) => Array.from({ length: n }, () => from[Math.floor(Math.random() * from.length)]).join('');
      const glob = pick(1 + (i % 6), letters);
      const name = pick(i % 7, ['a', 'b']);
      const reference = new RegExp(`^${glob.split('*').join('.*')}$`).test(name);
      expect(namespaceMatches(glob, name), `${glob} ~ ${name}`).toBe(reference);
    }
  });

  it('any glob of a list grants', () => {
    expect(grantsNamespace(['x', 'team-*'], 'team-b')).toBe(true);
    expect(grantsNamespace([], 'team-b')).toBe(false);
  });

  it('the deny list refuses with a 403 that says nothing about existence', () => {
    expect(() => refuseDeniedNamespace(['kube-system', 'kube-*'], 'kube-public')).toThrow(ForbiddenError);
    expect(() => refuseDeniedNamespace(['kube-system'], 'default')).not.toThrow();
  });

  it('a PUT needs create and patch; render and inspect need no namespace verb', () => {
    expect(REQUIRED_PERMISSIONS.apply).toEqual([
      { verb: 'create', resource: 'secrets' },
      { verb: 'patch', resource: 'secrets' },
    ]);
    expect(REQUIRED_PERMISSIONS.create).toEqual([{ verb: 'create', resource: 'secrets' }]);
    expect(REQUIRED_PERMISSIONS.link).toEqual([
      { verb: 'get', resource: 'serviceaccounts' },
      { verb: 'patch', resource: 'serviceaccounts' },
    ]);
    expect(REQUIRED_PERMISSIONS.render).toEqual([]);
  });
});

describe('tokens file', () => {
  it('reads hashed and plain entries from YAML or JSON and finds the caller of a token', () => {
    const yaml = parseTokensFile(`- caller: ci\n  sha256: ${tokenSha256Hex('token-of-ci-0123456789')}\n  namespaces: [team-*]\n`);
    const json = parseTokensFile(JSON.stringify({ tokens: [{ caller: 'ops', token: 'token-of-ops-0123456789', namespaces: ['*'] }] }));
    const entries = [...yaml, ...json];
    expect(findTokenCaller(entries, new PresentedToken('token-of-ci-0123456789'))).toEqual({ name: 'ci', namespaces: ['team-*'] });
    expect(findTokenCaller(entries, new PresentedToken('token-of-ops-0123456789'))?.name).toBe('ops');
    expect(findTokenCaller(entries, new PresentedToken('token-of-nobody'))).toBeUndefined();
  });

  it.each([
    ['not YAML', '{'],
    ['both sha256 and token', JSON.stringify([{ caller: 'x', token: 'abcdefghijklmnopq', sha256: 'a'.repeat(64), namespaces: ['*'] }])],
    ['neither', JSON.stringify([{ caller: 'x', namespaces: ['*'] }])],
    ['a short token', JSON.stringify([{ caller: 'x', token: 'short-secret', namespaces: ['*'] }])],
    ['no namespaces', JSON.stringify([{ caller: 'x', token: 'abcdefghijklmnopq', namespaces: [] }])],
    ['an unknown key', JSON.stringify([{ caller: 'x', token: 'abcdefghijklmnopq', namespaces: ['*'], admin: true }])],
  ])('refuses %s, without quoting a token', (_case, text) => {
    expect(() => parseTokensFile(text)).toThrow(TokensFileError);
    try {
      parseTokensFile(text);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/abcdefghijklmnopq|short-secret/);
    }
  });
});

describe('kubernetes gatekeeper', () => {
  function fakeReviewer(allowed: Record<string, boolean>) {
    const calls = { tokens: 0, access: 0 };
    const reviewer: AccessReviewer = {
      reviewToken: async (token) => {
        calls.tokens++;
        return token === 'good' ? { username: 'alice', groups: ['team-a'] } : undefined;
      },
      reviewAccess: async (_identity, { verb, resource }, namespace) => {
        calls.access++;
        return allowed[resource === 'secrets' ? `${verb}/${namespace}` : `${resource}/${verb}/${namespace}`] ?? false;
      },
    };
    return { reviewer, calls };
  }

  it('authenticates with a TokenReview and authorises each required verb with a SubjectAccessReview, caching both briefly', async () => {
    let now = 0;
    const { reviewer, calls } = fakeReviewer({ 'create/a': true, 'patch/a': true, 'create/b': true });
    const gate = kubernetesGatekeeper(reviewer, { ttlMs: 1000, now: () => now });
    const caller = (await gate.authenticate(new PresentedToken('good')))!;
    expect(caller.name).toBe('alice');
    expect(await gate.authenticate(new PresentedToken('bad'))).toBeUndefined();
    expect(await gate.authenticate(undefined)).toBeUndefined();
    expect(await gate.authorize(caller, 'apply', 'a')).toBe(true);
    expect(await gate.authorize(caller, 'apply', 'b')).toBe(false);
    expect(await gate.authorize(caller, 'create', 'b')).toBe(true);
    const before = { ...calls };
    await gate.authenticate(new PresentedToken('good'));
    await gate.authorize(caller, 'apply', 'a');
    expect(calls).toEqual(before);
    now = 1001;
    await gate.authenticate(new PresentedToken('good'));
    expect(calls.tokens).toBe(before.tokens + 1);
  });

  it('when a token is refused or an access denied, then that answer is reused within the TTL too', async () => {
    let now = 0;
    const { reviewer, calls } = fakeReviewer({});
    const gate = kubernetesGatekeeper(reviewer, { ttlMs: 1000, now: () => now });
    const caller = (await gate.authenticate(new PresentedToken('good')))!;
    expect(await gate.authenticate(new PresentedToken('bad'))).toBeUndefined();
    expect(await gate.authorize(caller, 'create', 'a')).toBe(false);
    const before = { ...calls };

    now = 999;
    expect(await gate.authenticate(new PresentedToken('bad'))).toBeUndefined();
    expect(await gate.authorize(caller, 'create', 'a')).toBe(false);
    expect(calls).toEqual(before);
    now = 1001;
    await gate.authenticate(new PresentedToken('bad'));
    expect(calls.tokens).toBe(before.tokens + 1);
  });

  it('when the TTL is 0, then every answer is asked for again', async () => {
    const { reviewer, calls } = fakeReviewer({ 'create/a': true });
    const gate = kubernetesGatekeeper(reviewer, { ttlMs: 0 });
    const caller = (await gate.authenticate(new PresentedToken('good')))!;
    await gate.authenticate(new PresentedToken('good'));
    await gate.authenticate(new PresentedToken('bad'));
    await gate.authenticate(new PresentedToken('bad'));
    await gate.authorize(caller, 'create', 'a');
    await gate.authorize(caller, 'create', 'a');
    expect(calls).toEqual({ tokens: 4, access: 2 });
  });

  it('keeps at most maxEntries answers', async () => {
    const { reviewer, calls } = fakeReviewer({});
    const gate = kubernetesGatekeeper(reviewer, { ttlMs: 60_000, maxEntries: 2 });
    for (const token of ['t1', 't2', 't3', 't1']) await gate.authenticate(new PresentedToken(token));
    expect(calls.tokens).toBe(4);
  });
});
