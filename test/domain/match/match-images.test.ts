import { describe, it, expect } from 'vitest';
import { matchImages, type MissingPullSecret, type PullSecretSource } from '../../../src/domain/match/match-images.js';
import { matchBodySchema, matchResultSchema, namespacedMatchBodySchema } from '../../../src/domain/match/match-schemas.js';
import { registriesOf } from '../../../src/domain/docker-config/credential-schemas.js';
import { authOf, base64, DOCKER_HUB } from '../../support/docker-config-samples.js';

const pullSecret = (name: string, auths: Record<string, unknown>): PullSecretSource => ({
  name,
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': base64(JSON.stringify({ auths })) },
});
const login = (username: string, password = 'pw') => ({ auth: authOf(username, password) });
const bySecrets = (images: string[], secrets: Array<PullSecretSource | MissingPullSecret>) => matchImages(images, { secrets });
const only = (result: ReturnType<typeof matchImages>) => result.images[0];

describe('matchImages: which credentials the kubelet uses', () => {
  it('when a secret has the image registry, then its entry is used, named by secret, server and key', () => {
    const result = bySecrets(
      ['registry.example.com/team/app:1.0'],
      [pullSecret('regcred', { 'https://registry.example.com/v2/': login('jane') })],
    );

    expect(only(result)).toEqual({
      image: 'registry.example.com/team/app:1.0',
      repository: 'registry.example.com/team/app',
      entries: [
        {
          secret: 'regcred',
          server: 'https://registry.example.com/v2/',
          matchedKey: 'registry.example.com',
          username: 'jane',
          rule: 'match',
        },
      ],
      anonymous: false,
      warnings: [],
    });
    expect(result).toMatchObject({ warnings: [], failsAllPulls: false });
    expect(matchResultSchema.safeParse(result).success).toBe(true);
  });

  it("when the image is on Docker Hub and the secret has kubectl's default server, then the Docker Hub fallback applies", () => {
    const entries = only(bySecrets(['nginx'], [pullSecret('hub', { [DOCKER_HUB]: login('jane') })])).entries;

    expect(entries).toEqual([
      { secret: 'hub', server: DOCKER_HUB, matchedKey: 'index.docker.io', username: 'jane', rule: 'docker-hub-default' },
    ]);
  });

  it('when keys overlap, then the more specific path is tried first, then the host', () => {
    const secret = pullSecret('s', { 'registry.example.com': login('host'), 'registry.example.com/team': login('team') });

    expect(only(bySecrets(['registry.example.com/team/app'], [secret])).entries.map((e) => e.username)).toEqual(['team', 'host']);
  });

  it('when several secrets hold the same key, then all their entries are returned in Pod order, with a warning', () => {
    const result = bySecrets(
      ['registry.example.com/app'],
      [pullSecret('b', { 'registry.example.com': login('bob') }), pullSecret('a', { 'registry.example.com': login('ann') })],
    );

    expect(only(result).entries.map((e) => e.secret)).toEqual(['b', 'a']);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^key "registry.example.com" is held by secret "b" and secret "a": .*first the registry accepts$/),
    ]);
  });

  it('when one secret lists two servers with the same key, then both are used, with a warning that their order is random', () => {
    const result = bySecrets(
      ['registry.example.com/app'],
      [pullSecret('s', { 'registry.example.com': login('one'), 'https://registry.example.com/v1/': login('two') })],
    );

    expect(only(result).entries).toHaveLength(2);
    expect(result.warnings).toEqual([
      expect.stringContaining('which the kubelet files under the same key "registry.example.com"; it reads them in random order'),
    ]);
  });

  it('when no key matches, then the image is pulled anonymously', () => {
    expect(only(bySecrets(['quay.io/team/app'], [pullSecret('s', { 'ghcr.io': login('jane') })]))).toMatchObject({
      entries: [],
      anonymous: true,
      warnings: [],
    });
  });

  it('when credentials come from the request body, then entries carry no secret name and the default server is Docker Hub', () => {
    const result = matchImages(['jane/app', 'registry.example.com/x'], { registries: registriesOf({ username: 'jane', password: 'pw' }) });

    expect(result.images.map((i) => i.entries)).toEqual([
      [{ server: DOCKER_HUB, matchedKey: 'index.docker.io', username: 'jane', rule: 'docker-hub-default' }],
      [],
    ]);
  });

  it('when a Docker config is given, then it is read as a .dockerconfigjson secret would be', () => {
    const result = matchImages(['ghcr.io/jane/app'], { dockerConfig: { auths: { 'ghcr.io': login('jane') }, credsStore: 'desktop' } });

    expect(only(result).entries).toEqual([{ server: 'ghcr.io', matchedKey: 'ghcr.io', username: 'jane', rule: 'match' }]);
  });

  it('when the result lists keys, then they come in the order the kubelet tries them, with their entries', () => {
    const result = bySecrets(['x'], [pullSecret('s', { 'a.io': login('a'), 'b.io/team': login('b'), [DOCKER_HUB]: login('h') })]);

    expect(result.keys).toEqual([
      { key: 'index.docker.io', entries: [{ secret: 's', server: DOCKER_HUB }] },
      { key: 'b.io/team', entries: [{ secret: 's', server: 'b.io/team' }] },
      { key: 'a.io', entries: [{ secret: 's', server: 'a.io' }] },
    ]);
  });
});

describe('matchImages: what the kubelet does with secrets it cannot use', () => {
  it('when a secret does not exist, then it is named and the others still apply', () => {
    const result = bySecrets(['a.io/x'], [{ name: 'gone', missing: true }, pullSecret('s', { 'a.io': login('jane') })]);

    expect(result.warnings).toEqual([
      'secret "gone" does not exist: the kubelet reports FailedToRetrieveImagePullSecret and pulls without it',
    ]);
    expect(only(result).entries).toHaveLength(1);
  });

  it('when a secret is not a pull secret, then the kubelet ignores it', () => {
    const result = bySecrets(['a.io/x'], [{ name: 'opaque', type: 'Opaque', data: {} }]);

    expect(result.warnings).toContain(
      'secret "opaque" is ignored by the kubelet: its type "Opaque" is not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg',
    );
  });

  it('when a secret cannot be decoded, then every pull of the Pod fails and no image gets credentials', () => {
    const result = bySecrets(
      ['a.io/x', 'nginx'],
      [pullSecret('good', { 'a.io': login('jane') }), pullSecret('bad', { 'b.io': { auth: 'pants' } })],
    );

    expect(result.failsAllPulls).toBe(true);
    expect(result.warnings).toContain(
      'the kubelet cannot decode secret "bad" (registry "b.io": "auth" is not valid base64), so the kubelet fails every image pull of the Pod',
    );
    expect(result.images.map((i) => [i.entries, i.anonymous])).toEqual([
      [[], false],
      [[], false],
    ]);
    expect(only(result).warnings).toEqual(['secret "bad" cannot be decoded, so the kubelet fails this pull before it picks credentials']);
  });

  it('when a secret is listed twice, then it is read twice', () => {
    const secret = pullSecret('s', { 'a.io': login('jane') });
    const result = bySecrets(['a.io/x'], [secret, secret]);

    expect(only(result).entries).toHaveLength(2);
    expect(result.warnings).toContain(
      'secret "s" is listed more than once: the kubelet reads it each time, so its credentials are tried again',
    );
  });

  it('when an image reference is invalid, then it is reported as the kubelet reports it', () => {
    expect(only(bySecrets(['Registry.example.com/App'], []))).toEqual({
      image: 'Registry.example.com/App',
      invalid: `couldn't parse image name "Registry.example.com/App": invalid reference format: repository name (App) must be lowercase`,
      entries: [],
      anonymous: false,
      warnings: ['the kubelet does not pull it (InvalidImageName)'],
    });
  });
});

describe('matchImages: keys that surprise', () => {
  const warningsFor = (server: string, image = 'registry.example.com/app') => {
    const result = bySecrets([image], [pullSecret('s', { [server]: login('jane') })]);
    return { pod: result.warnings, image: only(result).warnings, anonymous: only(result).anonymous };
  };

  it('when the key has port 443 and the image none, then it does not apply, and both warnings say why', () => {
    const { pod, image, anonymous } = warningsFor('https://registry.example.com:443');

    expect(anonymous).toBe(true);
    expect(pod).toEqual([
      'key "registry.example.com:443" matches only images that spell the port, like registry.example.com:443/app; registry.example.com/app does not match',
    ]);
    expect(image).toEqual(['key "registry.example.com:443" does not apply: it names port 443 and the image no port']);
  });

  it('when the key is registry-1.docker.io, then Docker Hub images are pulled anonymously, with a hint', () => {
    const { pod, anonymous } = warningsFor('registry-1.docker.io', 'nginx');

    expect(anonymous).toBe(true);
    expect(pod).toEqual([expect.stringContaining('Docker Hub images are named docker.io/..., so use https://index.docker.io/v1/')]);
  });

  it('when the key path is a prefix that does not end at a "/", then the match is flagged', () => {
    const { image, anonymous } = warningsFor('registry.example.com/team', 'registry.example.com/team-b/app');

    expect(anonymous).toBe(false);
    expect(image).toEqual([expect.stringContaining('"/team" begins "/team-b/app" but does not end at a "/"')]);
  });

  it('when the key has upper-case letters, then the case-sensitive comparison is explained', () => {
    const { pod, image } = warningsFor('Registry.example.com');

    expect(pod).toEqual([expect.stringContaining('compares hosts case-sensitively')]);
    expect(image).toEqual([expect.stringContaining('differs in case from the image\'s registry "registry.example.com"')]);
  });

  it('when the key uses a character class, then Go refuses the host and the kubelet drops the entry', () => {
    expect(warningsFor('registry[0-9].example.com').pod).toEqual([
      'secret "s": the kubelet ignores server "registry[0-9].example.com", which Go cannot parse as a URL (invalid port ".example.com" after host; Go accepts "[...]" in a host only around an IPv6 address)',
    ]);
  });

  it.each([
    ['myregistry', 'in image names, a registry without "." or ":" can only be "localhost"'],
    ['index.docker.io/jane', 'the Docker Hub fallback uses only the key "index.docker.io"'],
    ['registry.example.com/Team', 'no image path looks like its path'],
    ['my_registry.example.com', 'its host is not one an image name can have'],
  ])('when the key is %j, then it can never match', (server, reason) => {
    expect(warningsFor(server).pod).toEqual([expect.stringMatching(new RegExp(`can never match: .*${reason.replace(/[."()]/g, '\\$&')}`))]);
  });

  it('when the scheme is upper-case, then the kubelet reads it as a host, and the key can never match', () => {
    expect(warningsFor('HTTPS://registry.example.com').pod).toEqual([
      'secret "s": server "HTTPS://registry.example.com" gets "https://" put in front, since the kubelet looks for a lower-case scheme',
      'key "HTTPS://registry.example.com" can never match: no image path looks like its path (image paths are lower-case, without empty parts)',
    ]);
  });

  it('when the key keeps "/v1" without the slash, then it is named', () => {
    expect(warningsFor('registry.example.com/v1').pod).toEqual([expect.stringContaining('keeps its path "/v1"')]);
  });

  it('when the image is on localhost and only Docker Hub credentials exist, then the kubelet sends them there, with a warning', () => {
    const image = only(bySecrets(['localhost/app'], [pullSecret('hub', { [DOCKER_HUB]: login('jane') })]));

    expect(image.entries.map((e) => e.rule)).toEqual(['docker-hub-default']);
    expect(image.warnings).toEqual([expect.stringContaining('sends the Docker Hub credentials to "localhost"')]);
  });

  it('when the matching entry is empty, then the pull is as good as anonymous, with a warning', () => {
    const image = only(bySecrets(['ghcr.io/x'], [pullSecret('desktop', { 'ghcr.io': {} })]));

    expect(image.entries).toEqual([{ secret: 'desktop', server: 'ghcr.io', matchedKey: 'ghcr.io', username: '', rule: 'match' }]);
    expect(image.warnings).toEqual(['secret "desktop" holds no credentials for "ghcr.io": the runtime tries it as an anonymous pull']);
  });
});

describe('matchImages: no secret leaks', () => {
  const CANARY = 'cAnArY-pw-5e1f';
  const forms = [CANARY, base64(CANARY), authOf('jane', CANARY), CANARY.slice(0, 8)];

  it.each([
    [
      'secrets',
      {
        secrets: [
          pullSecret('a', { 'a.io': { username: 'jane', password: CANARY } }),
          pullSecret('b', { 'a.io': { auth: authOf('jane', CANARY) } }),
        ],
      },
    ],
    ['a secret that fails', { secrets: [pullSecret('a', { 'a.io': { auth: `!${CANARY}` }, 'b.io': { password: { v: CANARY } } })] }],
    [
      'a dockercfg secret with a bad key',
      {
        secrets: [
          {
            name: 'c',
            type: 'kubernetes.io/dockercfg',
            data: { '.dockercfg': base64(JSON.stringify({ [`u:${CANARY}@a.io:x`]: { auth: authOf('u', CANARY) } })) },
          },
        ],
      },
    ],
    [
      'a Docker config',
      { dockerConfig: { auths: { 'a.io': { auth: authOf('jane', CANARY), identitytoken: CANARY } }, HttpHeaders: { x: CANARY } } },
    ],
    ['request credentials', { registries: [{ server: 'a.io', username: 'jane', password: CANARY }] }],
  ])('when the credentials are %s, then the result never holds the password', (_, sources) => {
    const text = JSON.stringify(matchImages(['a.io/x', 'nginx', 'Bad/Image'], sources as Parameters<typeof matchImages>[1]));

    for (const form of forms) expect(text).not.toContain(form);
  });
});

describe('matchImages: entries and secrets that give nothing', () => {
  it('when an entry has a username but no password, then it is used, with a warning', () => {
    const image = only(bySecrets(['a.io/x'], [pullSecret('s', { 'a.io': { username: 'jane' } })]));

    expect(image.entries.map((e) => e.username)).toEqual(['jane']);
    expect(image.warnings).toEqual(['secret "s" holds a username but no password for "a.io": the registry will likely refuse it']);
  });

  it('when a secret lists no registries (e.g. the legacy format in a .dockerconfigjson), then it is named', () => {
    const legacy: PullSecretSource = {
      name: 'old',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': base64(JSON.stringify({ 'a.io': login('jane') })) },
    };

    expect(bySecrets(['a.io/x'], [legacy]).warnings).toEqual([
      'secret "old" lists no registries, so it adds no credentials',
      'there are no registry credentials: every image is pulled without any',
    ]);
  });
});

describe('matchImages: a password in a server name', () => {
  it('when a server carries userinfo with a password (Go accepts it), then the whole userinfo is shown redacted and the key has no userinfo', () => {
    const image = only(
      bySecrets(['registry.example.com/app'], [pullSecret('s', { 'https://jane:pw@registry.example.com/v1/': login('jane') })]),
    );

    expect(image.entries).toEqual([
      {
        secret: 's',
        server: 'https://[REDACTED]@registry.example.com/v1/',
        matchedKey: 'registry.example.com',
        username: 'jane',
        rule: 'match',
      },
    ]);
  });
});

describe('matchImages: a password the kubelet reads into the key', () => {
  const SECRET = 'S3CRET';
  const everyText = (result: ReturnType<typeof matchImages>) => JSON.stringify(result);

  it('when a "/" in the password ends Go\'s authority early, then the key, matchedKey and warnings show it only up to its last "@" as [REDACTED]', () => {
    const result = bySecrets(
      ['reg.example.com/app', 'deploy:2024/app'],
      [pullSecret('kubectl-made', { [`https://deploy:2024/${SECRET}@reg.example.com`]: login('deploy') })],
    );

    expect(everyText(result)).not.toContain(SECRET);
    expect(result.keys).toEqual([
      { key: '[REDACTED]@reg.example.com', entries: [{ secret: 'kubectl-made', server: 'https://[REDACTED]@reg.example.com' }] },
    ]);
    expect(result.warnings).toContainEqual(
      expect.stringMatching(/^key "\[REDACTED\]@reg\.example\.com" holds part of its server's userinfo/),
    );
    expect(result.images[1].warnings).toContainEqual(expect.stringMatching(/^key "\[REDACTED\]@reg\.example\.com" does not apply/));
  });

  it('when a "#" in the password leaves "user:port" as the key, then the key is shown as [REDACTED], matched all the same', () => {
    const result = bySecrets(['u:2024/app'], [pullSecret('s', { [`https://u:2024#${SECRET}@reg.example.com`]: login('u') })]);

    expect(everyText(result)).not.toMatch(/2024#|S3CRET|"u:2024"/);
    expect(result.keys.map((k) => k.key)).toEqual(['[REDACTED]']);
    expect(only(result).entries).toEqual([
      { secret: 's', server: 'https://[REDACTED]@reg.example.com', matchedKey: '[REDACTED]', username: 'u', rule: 'match' },
    ]);
  });

  it('when a password holds a "#" and a non-numeric port follows, then the dropped server is named redacted, without Go\'s reason', () => {
    const result = bySecrets(['reg.example.com/app'], [pullSecret('s', { [`https://u:${SECRET}#x@reg.example.com`]: login('u') })]);

    expect(everyText(result)).not.toContain(SECRET);
    expect(result.keys).toEqual([]);
  });

  it('when the userinfo is parsed away by Go, then the key is shown as it is', () => {
    const result = bySecrets(
      ['reg.example.com/team/app'],
      [pullSecret('s', { [`https://u:${SECRET}@reg.example.com/v2/team`]: login('u') })],
    );

    expect(result.keys.map((k) => k.key)).toEqual(['reg.example.com/team']);
    expect(everyText(result)).not.toContain(SECRET);
  });
});

describe('match schemas', () => {
  it.each([
    ['a Docker config', { images: ['nginx'], dockerconfigjson: { auths: {} } }, true],
    ['one registry', { images: ['nginx'], username: 'u', password: 'p' }, true],
    ['several registries', { images: ['nginx'], registries: [{ username: 'u', password: 'p' }] }, true],
    ['both a Docker config and credentials', { images: ['nginx'], dockerconfigjson: {}, username: 'u', password: 'p' }, false],
    ['no credentials at all', { images: ['nginx'] }, false],
    ['no images', { images: [], username: 'u', password: 'p' }, false],
    ['101 images', { images: Array(101).fill('nginx'), username: 'u', password: 'p' }, false],
    ['an image of 513 characters', { images: ['a'.repeat(513)], username: 'u', password: 'p' }, false],
    ['an unknown field', { images: ['nginx'], username: 'u', password: 'p', labels: {} }, false],
  ])('MatchBody with %s is valid: %s', (_, body, valid) => {
    expect(matchBodySchema.safeParse(body).success).toBe(valid);
  });

  it.each([
    ['secrets', { images: ['nginx'], secrets: ['regcred'] }, true],
    ['no secrets', { images: ['nginx'], secrets: [] }, true],
    ['a service account', { images: ['nginx'], serviceAccount: 'default' }, true],
    ['both', { images: ['nginx'], secrets: ['a'], serviceAccount: 'default' }, false],
    ['neither', { images: ['nginx'] }, false],
    ['a secret name that is not a name', { images: ['nginx'], secrets: ['Not_A_Name'] }, false],
  ])('NamespacedMatchBody with %s is valid: %s', (_, body, valid) => {
    expect(namespacedMatchBodySchema.safeParse(body).success).toBe(valid);
  });

  it('each schema has an id for the OpenAPI components', () => {
    expect([matchBodySchema, namespacedMatchBodySchema, matchResultSchema].map((s) => (s.meta() as { id: string }).id)).toEqual([
      'MatchBody',
      'NamespacedMatchBody',
      'MatchResult',
    ]);
  });
});
