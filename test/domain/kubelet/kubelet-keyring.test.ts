import { describe, it, expect } from 'vitest';
import {
  buildKeyring,
  isDefaultRegistryMatch,
  kubeletKeyOf,
  lookupKeyring,
  readDockerConfigAsKubelet,
  readPullSecretAsKubelet,
  readPullSecretWithPasswords,
  urlsMatchStr,
  type KubeletCredential,
} from '../../../src/domain/kubelet/kubelet-keyring.js';
import { base64 } from '../../support/docker-config-samples.js';

// Mirrors kubernetes/kubernetes pkg/credentialprovider/keyring_test.go, config_test.go and
// secrets/secrets_test.go case by case; each describe names the Go test it follows.

/** ReadDockerConfigFileFromBytes (legacy .dockercfg) then BasicDockerKeyring.Add. */
function keyringOf(config: object, format: 'config.json' | 'dockercfg' = 'dockercfg') {
  const reading = readDockerConfigAsKubelet(config, format);
  if (reading.kind !== 'credentials') throw new Error(`expected credentials, got ${JSON.stringify(reading)}`);
  return buildKeyring(reading.credentials).keyring;
}
const usernamesFor = (config: object, image: string) =>
  lookupKeyring(keyringOf(config), image)?.hits.map((hit) => hit.entry.username) ?? [];
/** The sample entry of the Go tests: email foo@bar.baz, auth base64("foo:bar"). */
const sampleEntry = { email: 'foo@bar.baz', auth: base64('foo:bar') };

describe('TestURLsMatch', () => {
  it.each([
    ['*.kubernetes.io', 'prefix.kubernetes.io', true],
    ['prefix.*.io', 'prefix.kubernetes.io', true],
    ['prefix.kubernetes.*', 'prefix.kubernetes.io', true],
    ['*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
    ['*.kubernetes.io/blah', 'prefix.kubernetes.io/blah', true],
    ['prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
    ['*.kubernetes.io:1111/blah', 'prefix.kubernetes.io:1111/blah', true],
    ['prefix.*.io:1111/foo', 'prefix.kubernetes.io:1111/foo/bar', true],
    ['*.kubernetes.io', 'kubernetes.io', false],
    ['*.*.kubernetes.io', 'prefix.kubernetes.io', false],
    ['*.*.kubernetes.io', 'kubernetes.io', false],
    ['*kubernetes.io', 'a.kubernetes.io', false],
    ['*kubernetes.io', 'kubernetes.io', true],
    ['*.*.*.kubernetes.io', 'a.b.c.kubernetes.io', true],
    ['kubernetes.io', 'kubernetes.com', false],
    ['k*.io', 'quay.io', false],
    ['*.kubernetes.io:1234/blah', 'prefix.kubernetes.io:1111/blah', false],
    ['prefix.*.io/foo', 'prefix.kubernetes.io:1111/foo/bar', false],
  ])('URLsMatchStr(%j, %j) is %s', (glob, target, matched) => {
    expect(urlsMatchStr(glob, target).matched).toBe(matched);
  });
});

describe('TestDockerKeyringForGlob', () => {
  it.each([
    ['https://hello.kubernetes.io', 'hello.kubernetes.io'],
    ['https://*.docker.io', 'prefix.docker.io'],
    ['https://prefix.*.io', 'prefix.docker.io'],
    ['https://prefix.docker.*', 'prefix.docker.io'],
    ['https://*.docker.io/path', 'prefix.docker.io/path'],
    ['https://prefix.*.io/path', 'prefix.docker.io/path/subpath'],
    ['https://prefix.docker.*/path', 'prefix.docker.io/path'],
    ['https://*.docker.io:8888', 'prefix.docker.io:8888'],
    ['https://prefix.*.io:8888', 'prefix.docker.io:8888'],
    ['https://prefix.docker.*:8888', 'prefix.docker.io:8888'],
    ['https://*.docker.io/path:1111', 'prefix.docker.io/path:1111'],
    ['https://*.docker.io/v1/', 'prefix.docker.io/path:1111'],
    ['https://*.docker.io/v2/', 'prefix.docker.io/path:1111'],
    ['https://prefix.docker.*/path:1111', 'prefix.docker.io/path:1111'],
    ['prefix.docker.io:1111', 'prefix.docker.io:1111/path'],
    ['*.docker.io:1111', 'prefix.docker.io:1111/path'],
  ])('when the key is %j, then %j/foo/bar finds its credentials', (glob, target) => {
    const found = lookupKeyring(keyringOf({ [glob]: sampleEntry }), `${target}/foo/bar`);

    expect(found?.hits[0].entry).toEqual({ server: glob, username: 'foo', hasPassword: true });
  });
});

describe('TestKeyringMiss', () => {
  it.each([
    ['https://hello.kubernetes.io', 'world.mesos.org/foo/bar'],
    ['https://*.docker.com', 'prefix.docker.io'],
    ['https://suffix.*.io', 'prefix.docker.io'],
    ['https://prefix.docker.c*', 'prefix.docker.io'],
    ['https://prefix.*.io/path:1111', 'prefix.docker.io/path/subpath:1111'],
    ['suffix.*.io', 'prefix.docker.io'],
  ])('when the key is %j, then %j/foo/bar finds nothing', (glob, lookup) => {
    expect(lookupKeyring(keyringOf({ [glob]: sampleEntry }), `${lookup}/foo/bar`)).toBeUndefined();
  });
});

describe('Docker Hub credentials (TestKeyringMissWithDockerHubCredentials, TestKeyringHitWith*DockerHub)', () => {
  const hub = { 'https://index.docker.io/v1/': sampleEntry };

  it('TestKeyringMissWithDockerHubCredentials: when the image is on another registry, then Docker Hub credentials do not apply', () => {
    expect(lookupKeyring(keyringOf(hub), 'world.mesos.org/foo/bar')).toBeUndefined();
  });

  it('TestKeyringHitWithUnqualifiedDockerHub: when the image is "google/docker-registry", then exactly the Docker Hub credentials apply', () => {
    expect(lookupKeyring(keyringOf(hub), 'google/docker-registry')).toEqual({
      rule: 'docker-hub-default',
      hits: [{ key: 'index.docker.io', entry: { server: 'https://index.docker.io/v1/', username: 'foo', hasPassword: true } }],
    });
  });

  it('TestKeyringHitWithUnqualifiedLibraryDockerHub: when the image is "jenkins", then exactly the Docker Hub credentials apply', () => {
    expect(usernamesFor(hub, 'jenkins')).toEqual(['foo']);
  });

  it('TestKeyringHitWithQualifiedDockerHub: when the image is "index.docker.io/v1//google/docker-registry", then the key itself matches', () => {
    const found = lookupKeyring(keyringOf(hub), 'index.docker.io/v1//google/docker-registry');

    expect(found?.rule).toBe('match');
    expect(found?.hits.map((hit) => hit.entry.username)).toEqual(['foo']);
  });
});

describe('TestIsDefaultRegistryMatch', () => {
  it.each([
    ['foo/bar', true],
    ['docker.io/foo/bar', true],
    ['index.docker.io/foo/bar', true],
    ['foo', true],
    ['', false],
    ['registry.tld/foo/bar', false],
    ['registry:5000/foo/bar', false],
    ['myhostdocker.io/foo/bar', false],
  ])('isDefaultRegistryMatch(%j) is %s', (image, expected) => {
    expect(isDefaultRegistryMatch(image)).toBe(expected);
  });
});

describe('TestDockerKeyringLookup', () => {
  const config = {
    'bar.example.com/pong': { username: 'grace', password: 'squash', email: 'grace@example.com' },
    'bar.example.com': { username: 'ada', password: 'smash', email: 'ada@example.com' },
  };

  it.each([
    ['bar.example.com', ['ada']], // direct match
    ['bar.example.com/pong', ['grace', 'ada']], // direct match deeper than other possible matches
    ['bar.example.com/ping', ['ada']], // no direct match, deeper path ignored
    ['bar.example.com/pongz', ['grace', 'ada']], // match first part of path token
    ['bar.example.com/pong/pang', ['grace', 'ada']], // match regardless of sub-path
    ['example.com', []], // no host match
    ['foo.example.com', []],
  ])('when the image is %j, then the credentials are %j in this order', (image, usernames) => {
    expect(usernamesFor(config, image)).toEqual(usernames);
  });
});

describe('TestIssue3797', () => {
  it.each(['quay.io', 'quay.io/foo', 'quay.io/foo/bar'])(
    'when the key is "https://quay.io/v1/" and the image %j, then it matches',
    (image) => {
      expect(usernamesFor({ 'https://quay.io/v1/': { username: 'rex', password: 'tiny arms', email: 'rex@example.com' } }, image)).toEqual([
        'rex',
      ]);
    },
  );
});

describe('TestDockerConfigJsonJSONDecode, TestDockerConfigJSONDecode, TestDockerConfigEntryJSONDecode, TestDecodeDockerConfigFieldAuth', () => {
  const entries = {
    'http://foo.example.com': { username: 'foo', password: 'bar', email: 'foo@example.com' },
    'http://bar.example.com': { username: 'bar', password: 'baz', email: 'bar@example.com' },
  };
  const expected: KubeletCredential[] = [
    { server: 'http://foo.example.com', username: 'foo', hasPassword: true },
    { server: 'http://bar.example.com', username: 'bar', hasPassword: true },
  ];

  it('TestDockerConfigJsonJSONDecode: when config.json has "auths", then its entries are read', () => {
    expect(readDockerConfigAsKubelet({ auths: entries }, 'config.json')).toEqual({ kind: 'credentials', credentials: expected });
  });

  it('TestDockerConfigJSONDecode: when a legacy .dockercfg lists servers, then its entries are read', () => {
    expect(readDockerConfigAsKubelet(entries, 'dockercfg')).toEqual({ kind: 'credentials', credentials: expected });
  });

  it.each([
    ['the fields are decoded', { username: 'foo', password: 'bar', email: 'foo@example.com' }, 'foo'],
    ['auth decodes to username and password', { auth: 'Zm9vOmJhcg==', email: 'foo@example.com' }, 'foo'],
    ['auth overrides username and password', { username: 'foo', password: 'bar', auth: 'cGluZzpwb25n', email: 'foo@example.com' }, 'ping'],
  ])('TestDockerConfigEntryJSONDecode: when %s, then the username is read', (_, entry, username) => {
    expect(readDockerConfigAsKubelet({ r: entry }, 'dockercfg')).toEqual({
      kind: 'credentials',
      credentials: [{ server: 'r', username, hasPassword: true }],
    });
  });

  it.each([
    ['a poorly formatted auth', { auth: 'pants', email: 'foo@example.com' }, '"auth" is not valid base64'],
    ['auth without a colon', { auth: 'cGFudHM=' }, '"auth" does not decode to "username:password"'],
    ['an email that is not a string', { email: false }, '"email" is not a string'],
  ])('TestDockerConfigEntryJSONDecode, TestDecodeDockerConfigFieldAuth: when an entry has %s, then decoding fails', (_, entry, reason) => {
    expect(readDockerConfigAsKubelet({ r: entry }, 'dockercfg')).toEqual({ kind: 'fails', reason: `registry "r": ${reason}` });
  });
});

describe('Test_MakeDockerKeyring (secrets_test.go), without a node keyring', () => {
  const dockerconfigjson = (content: string) => ({ '.dockerconfigjson': base64(content) });
  const dockercfg = (content: string) => ({ '.dockercfg': base64(content) });
  const usernamesOf = (type: string, data: Record<string, string>) => {
    const reading = readPullSecretAsKubelet(type, data);
    return reading.kind === 'credentials'
      ? lookupKeyring(buildKeyring(reading.credentials).keyring, 'test.registry.io')?.hits.map((h) => h.entry.username)
      : reading.kind;
  };
  const JSON_TYPE = 'kubernetes.io/dockerconfigjson';
  const CFG_TYPE = 'kubernetes.io/dockercfg';

  it.each([
    [
      'with .dockerconfigjson and auth field',
      JSON_TYPE,
      dockerconfigjson('{"auths": {"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}'),
      ['user'],
    ],
    ['with .dockerconfig and auth field', CFG_TYPE, dockercfg('{"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}'), ['user']],
    [
      'with .dockerconfigjson and username/password fields',
      JSON_TYPE,
      dockerconfigjson('{"auths": {"test.registry.io": {"username": "user", "password": "password"}}}'),
      ['user'],
    ],
    [
      'with .dockerconfig and username/password fields',
      CFG_TYPE,
      dockercfg('{"test.registry.io": {"username": "user", "password": "password"}}'),
      ['user'],
    ],
    [
      'with .dockerconfigjson but with wrong Secret Type',
      CFG_TYPE,
      dockerconfigjson('{"auths": {"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}'),
      'ignored',
    ],
    [
      'with .dockerconfig but with wrong Secret Type',
      JSON_TYPE,
      dockercfg('{"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}'),
      'ignored',
    ],
    [
      'with not matching .dockerconfigjson',
      JSON_TYPE,
      dockerconfigjson('{"auths": {"foobar.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}'),
      undefined,
    ],
    ['with not matching .dockerconfig', CFG_TYPE, dockercfg('{"foobar.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}'), undefined],
  ])('%s', (_, type, data, expected) => {
    expect(usernamesOf(type, data)).toEqual(expected);
  });
});

describe('kubeletKeyOf: the key BasicDockerKeyring.Add files a server under', () => {
  it.each([
    ['registry.example.com', 'registry.example.com'],
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['http://registry.example.com:5000/', 'registry.example.com:5000'],
    ['registry.example.com/v2/team', 'registry.example.com/team'],
    ['registry.example.com/v1/team/', 'registry.example.com/team/'],
    ['registry.example.com/v1', 'registry.example.com/v1'],
    ['registry.example.com/team?x=1#y', 'registry.example.com/team'],
    ['jane:secret@registry.example.com', 'registry.example.com'],
    ['Registry.Example.com', 'Registry.Example.com'],
    ['registry.example.com/a%2Fb', 'registry.example.com/a/b'],
    ['HTTPS://registry.example.com', 'HTTPS://registry.example.com'],
  ])('when the server is %j, then the key is %j', (server, key) => {
    expect(kubeletKeyOf(server)).toEqual({ ok: true, key });
  });

  it.each([
    ['registry.example.com:abc', 'invalid port ":abc" after host'],
    ['registry.example.com/%zz', 'invalid URL escape "%zz"'],
    ['reg[0-9].example.com', 'invalid port ".example.com" after host'],
    ['registry example.com', 'invalid character " " in host name'],
  ])('when the server is %j, then Go cannot parse it and the entry is dropped: %s', (server, error) => {
    expect(kubeletKeyOf(server)).toEqual({ ok: false, error });
  });
});

describe('buildKeyring and lookupKeyring: order and duplicates', () => {
  const entry = (server: string, username: string) => ({ server, username });

  it('when keys repeat, then each is tried once, in reverse byte order, and its entries stay in the order they were added', () => {
    const { keyring } = buildKeyring([
      entry('a.io', 'first'),
      entry('https://b.io/v1/', 'b'),
      entry('a.io/', 'second'),
      entry('B.io', 'upper'),
    ]);

    expect(keyring.index).toEqual(['b.io', 'a.io', 'B.io']);
    expect(keyring.creds.get('a.io')!.map((e) => e.username)).toEqual(['first', 'second']);
  });

  it('when a server cannot be parsed, then it is dropped and the others are kept', () => {
    const { keyring, dropped } = buildKeyring([entry('a.io:x', 'bad'), entry('a.io', 'good')]);

    expect(dropped).toEqual([{ entry: entry('a.io:x', 'bad'), error: 'invalid port ":x" after host' }]);
    expect(lookupKeyring(keyring, 'a.io/app')?.hits.map((h) => h.entry.username)).toEqual(['good']);
  });

  it('when a key matched, then Docker Hub credentials are not added, even for a Docker Hub image', () => {
    const { keyring } = buildKeyring([entry('https://index.docker.io/v1/', 'hub'), entry('docker.io', 'direct')]);

    expect(lookupKeyring(keyring, 'docker.io/library/nginx')).toEqual({
      rule: 'match',
      hits: [{ key: 'docker.io', entry: entry('docker.io', 'direct') }],
    });
  });

  it('when the image is on "localhost" and nothing matched, then the kubelet offers the Docker Hub credentials', () => {
    const { keyring } = buildKeyring([entry('https://index.docker.io/v1/', 'hub')]);

    expect(lookupKeyring(keyring, 'localhost/app')?.rule).toBe('docker-hub-default');
  });

  it('when a key is a bracketed IPv6 address with an IPv4 tail and no port, then its first label is a malformed glob and it never matches', () => {
    // Go keeps the brackets when there is no port, and the kubelet splits "[::ffff:1.2.3.4]" at the dots.
    expect(urlsMatchStr('[::ffff:1.2.3.4]', 'a.2.3.4')).toEqual({ matched: false, error: 'syntax error in pattern "[::ffff:1"' });
  });

  it('when the key has port 443 and the image none, then it does not match (ports are compared as written)', () => {
    expect(urlsMatchStr('registry.example.com:443', 'registry.example.com/app').matched).toBe(false);
  });

  it('when the key path ends inside a path element, then it still matches: paths are plain prefixes', () => {
    expect(urlsMatchStr('registry.example.com/team', 'registry.example.com/team-b/app').matched).toBe(true);
  });
});

describe('readPullSecretAsKubelet: secrets the kubelet skips or cannot decode', () => {
  const JSON_TYPE = 'kubernetes.io/dockerconfigjson';
  const data = (content: unknown) => ({ '.dockerconfigjson': base64(typeof content === 'string' ? content : JSON.stringify(content)) });

  it.each([
    [
      'an Opaque secret',
      'Opaque',
      data({ auths: {} }),
      'its type "Opaque" is not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg',
    ],
    ['no key', JSON_TYPE, {}, 'it has no ".dockerconfigjson" key, or it is empty'],
    ['an empty key', JSON_TYPE, { '.dockerconfigjson': '' }, 'it has no ".dockerconfigjson" key, or it is empty'],
  ])('when it is %s, then the kubelet ignores it', (_, type, secretData, reason) => {
    expect(readPullSecretAsKubelet(type, secretData)).toEqual({ kind: 'ignored', reason });
  });

  it.each([
    ['JSON that does not parse', '{"auths":', '".dockerconfigjson" is not valid JSON'],
    ['an array', [], 'it is not a JSON object'],
    ['auths that is a string', { auths: 'x' }, '"auths" is not an object'],
    ['HttpHeaders with a number', { auths: {}, HttpHeaders: { 'X-A': 1 } }, '"HttpHeaders" is not an object of strings'],
    ['an entry that is a string', { auths: { r: 'jane:pw' } }, 'registry "r": the entry is not an object'],
    ['a username that is a number', { auths: { r: { Username: 1 } } }, 'registry "r": "Username" is not a string'],
  ])('when it holds %s, then the kubelet fails', (_, content, reason) => {
    expect(readPullSecretAsKubelet(JSON_TYPE, data(content))).toEqual({ kind: 'fails', reason });
  });

  it('when fields are spelled in other cases, null or unknown, then Go reads them as it would', () => {
    const content = { AUTHS: { r: { USERNAME: 'jane', password: 'pw', identitytoken: 'tok', email: null } }, credsStore: 'desktop' };

    expect(readPullSecretAsKubelet(JSON_TYPE, data(content))).toEqual({
      kind: 'credentials',
      credentials: [{ server: 'r', username: 'jane', hasPassword: true }],
    });
  });

  it('when an entry is null or empty, then it is kept with empty credentials, as Go decodes it', () => {
    expect(readPullSecretAsKubelet(JSON_TYPE, data({ auths: { a: null, b: {} } }))).toEqual({
      kind: 'credentials',
      credentials: [
        { server: 'a', username: '', hasPassword: false },
        { server: 'b', username: '', hasPassword: false },
      ],
    });
  });

  it('when "auths" is spelled twice, then the entries merge, and a later null empties the map', () => {
    expect(readDockerConfigAsKubelet({ auths: { a: {} }, Auths: { b: {} } }, 'config.json')).toMatchObject({
      credentials: [{ server: 'a' }, { server: 'b' }],
    });
    expect(readDockerConfigAsKubelet({ auths: { a: {} }, Auths: null }, 'config.json')).toEqual({ kind: 'credentials', credentials: [] });
  });
});

describe('readPullSecretWithPasswords: what a registry probe presents', () => {
  const JSON_TYPE = 'kubernetes.io/dockerconfigjson';
  const data = (content: unknown) => ({ '.dockerconfigjson': base64(JSON.stringify(content)) });

  it('when entries have auth or username and password, then each keeps the password the kubelet would send, auth winning', () => {
    const content = {
      auths: { a: { username: 'u', password: 'p' }, b: { username: 'x', password: 'y', auth: base64('ping:po:ng') }, c: {} },
    };

    expect(readPullSecretWithPasswords(JSON_TYPE, data(content))).toEqual({
      kind: 'credentials',
      credentials: [
        { server: 'a', username: 'u', hasPassword: true, password: 'p' },
        { server: 'b', username: 'ping', hasPassword: true, password: 'po:ng' },
        { server: 'c', username: '', hasPassword: false, password: '' },
      ],
    });
  });

  it('when read without passwords, then the same entries carry none', () => {
    const reading = readPullSecretAsKubelet(JSON_TYPE, data({ auths: { a: { username: 'u', password: 'p' } } }));

    expect(JSON.stringify(reading)).not.toContain('"p"');
  });
});
