import { describe, it, expect } from 'vitest';
import { AppError, BadRequestError, ValidationError } from '../../../src/errors.js';
import { parseDockerConfigFile } from '../../../src/domain/docker-config/parse-docker-config.js';
import { authOf, base64, DOCKER_HUB, dockerDesktopConfig, plainDockerLoginConfig, thrownBy } from '../../support/docker-config-samples.js';

const parse = (config: unknown) => parseDockerConfigFile(typeof config === 'string' ? config : JSON.stringify(config));
const errorOf = (config: unknown) => thrownBy(() => parse(config)) as AppError;

describe('parseDockerConfigFile: what docker login writes', () => {
  it('when the file is what docker login writes without a credential store, then auth is decoded into username and password', () => {
    const { registries, warnings } = parse(plainDockerLoginConfig('s3cr3t'));

    expect(registries).toEqual([{ server: DOCKER_HUB, username: 'jane', password: 's3cr3t' }]);
    expect(warnings).toEqual([]);
  });

  it('when docker login used a credential store, then entries with credentials are kept and the rest is named in warnings', () => {
    const { registries, warnings } = parse(dockerDesktopConfig('s3cr3t'));

    expect(registries).toEqual([{ server: 'registry.example.com', username: 'jane', password: 's3cr3t' }]);
    expect(warnings).toContain('only "auths" is kept; dropped top-level fields: "credsStore", "currentContext", "plugins"');
    expect(warnings.filter((w) => w.includes('left out'))).toEqual([
      `registry "${DOCKER_HUB}": left out, the file holds no credentials for it (a credential store keeps them)`,
      'registry "ghcr.io": left out, the file holds no credentials for it (a credential store keeps them)',
    ]);
  });

  it('when the file starts with a UTF-8 byte order mark, then it is read like any other', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plainDockerLoginConfig('p'))]);

    expect(parseDockerConfigFile(withBom).registries).toEqual([{ server: DOCKER_HUB, username: 'jane', password: 'p' }]);
  });

  it('when field names are spelled in any case, then they are matched as Go does, and server keys keep their case', () => {
    const { registries } = parse({ AUTHS: { 'Registry.Example.com': { Username: 'jane', PASSWORD: 'p', eMail: 'jane@example.com' } } });

    expect(registries).toEqual([{ server: 'Registry.Example.com', username: 'jane', password: 'p', email: 'jane@example.com' }]);
  });

  it('when the file is a legacy ~/.dockercfg (no auths wrapper), then it is converted, with a warning', () => {
    const { registries, warnings } = parse({ [DOCKER_HUB]: { auth: authOf('jane', 'p'), email: 'jane@example.com' } });

    expect(registries).toEqual([{ server: DOCKER_HUB, username: 'jane', password: 'p', email: 'jane@example.com' }]);
    expect(warnings).toEqual([expect.stringContaining('legacy ~/.dockercfg format')]);
  });

  it('when several registries are listed, then they come out in file order', () => {
    const { registries } = parse({ auths: { b: { username: 'u1', password: 'p1' }, a: { username: 'u2', password: 'p2' } } });

    expect(registries.map((r) => r.server)).toEqual(['b', 'a']);
  });
});

describe('parseDockerConfigFile: entries rewritten as username, password, email', () => {
  it('when auth decodes to a password with colons, then it is split at the first colon only', () => {
    expect(parse({ auths: { r: { auth: authOf('jane', 'a:b:c') } } }).registries[0]).toMatchObject({ username: 'jane', password: 'a:b:c' });
  });

  it('when auth is unpadded or broken over lines, then it is decoded as the kubelet decodes it', () => {
    const unpadded = authOf('jane', 'p').replace(/=+$/, '');
    const wrapped = `${authOf('jane', 'pp').slice(0, 4)}\n${authOf('jane', 'pp').slice(4)}\n`;

    expect(parse({ auths: { r: { auth: unpadded } } }).registries[0]).toMatchObject({ username: 'jane', password: 'p' });
    expect(parse({ auths: { r: { auth: wrapped } } }).registries[0]).toMatchObject({ username: 'jane', password: 'pp' });
  });

  it('when auth and username/password agree, then there is no warning', () => {
    const { warnings } = parse({ auths: { r: { username: 'jane', password: 'p', auth: authOf('jane', 'p') } } });

    expect(warnings).toEqual([]);
  });

  it('when auth and username/password disagree, then auth wins, as in the kubelet, and a warning says so without values', () => {
    const { registries, warnings } = parse({ auths: { r: { username: 'old', password: 'old-pw', auth: authOf('new', 'new-pw') } } });

    expect(registries).toEqual([{ server: 'r', username: 'new', password: 'new-pw' }]);
    expect(warnings).toEqual(['registry "r": "auth" and "username"/"password" disagree; "auth" is used, as the kubelet does']);
  });

  it('when auth is an empty string, then username and password are used, as the kubelet skips an empty auth', () => {
    expect(parse({ auths: { r: { username: 'jane', password: 'p', auth: '' } } }).registries[0]).toMatchObject({
      username: 'jane',
      password: 'p',
    });
  });

  it('when an entry has identitytoken, serveraddress or other fields beside credentials, then each is dropped and named', () => {
    const { registries, warnings } = parse({
      auths: { r: { auth: authOf('jane', 'p'), identitytoken: 'tok', serveraddress: 'r', registrytoken: 'rt' } },
    });

    expect(registries).toEqual([{ server: 'r', username: 'jane', password: 'p' }]);
    expect(warnings).toEqual([
      'registry "r": dropped field "identitytoken" (the kubelet does not read it)',
      'registry "r": dropped field "serveraddress" (the kubelet does not read it)',
      'registry "r": dropped field "registrytoken" (the kubelet does not read it)',
    ]);
  });

  it('when the email is empty, then it is left out', () => {
    expect(parse({ auths: { r: { username: 'u', password: 'p', email: '' } } }).registries[0]).toEqual({
      server: 'r',
      username: 'u',
      password: 'p',
    });
  });
});

describe('parseDockerConfigFile: files that cannot become a pull secret', () => {
  it('when the JSON is malformed, then 400 gives a line and column but no part of the input', () => {
    const error = errorOf('{\n  "auths": {"r": {"password": topsecret}}\n}');

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.status).toBe(400);
    expect(error.message).not.toContain('topsecret');
  });

  it('when the JSON breaks where V8 would report a position, then the line and column are given', () => {
    expect(errorOf('{\n"auths": {} "x"\n}').message).toBe('The Docker config file is not valid JSON (line 2, column 13)');
  });

  it('when the file is JSON but not an object, then 400', () => {
    expect(errorOf('["auths"]')).toBeInstanceOf(BadRequestError);
  });

  it.each([
    ['only a credsStore', { credsStore: 'desktop' }],
    ['only credHelpers', { credHelpers: { 'gcr.io': 'gcloud' } }],
    ['only empty entries', { auths: { [DOCKER_HUB]: {}, 'ghcr.io': {} }, credsStore: 'osxkeychain' }],
    ['empty entries and no store', { auths: { 'ghcr.io': {} } }],
  ])('when the file holds %s, then 422 explains the credential store and points to the credentials body', (_, config) => {
    const error = errorOf(config);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('credential store');
    expect(error.message).toContain('PUT /v1/namespaces/{namespace}/pullsecrets/{name}');
    expect(error.errors).toEqual([expect.objectContaining({ path: 'auths', code: 'no_credentials' })]);
  });

  it('when an entry holds only an identitytoken, then 422 says the kubelet ignores it', () => {
    const error = errorOf({ auths: { 'myacr.azurecr.io': { identitytoken: 'eyJhbGciOi' } } });

    expect(error.errors).toEqual([
      {
        path: 'auths/myacr.azurecr.io/identitytoken',
        code: 'unsupported_token',
        message: expect.stringContaining('the kubelet ignores "identitytoken"'),
      },
    ]);
  });

  it('when auth carries a placeholder user with no password beside an identitytoken (az acr login), then the token is the problem named', () => {
    const acr = { auth: authOf('00000000-0000-0000-0000-000000000000', ''), identitytoken: 'eyJhbGciOi' };

    expect(errorOf({ auths: { 'myacr.azurecr.io': acr } }).errors.map((e) => e.code)).toEqual(['unsupported_token']);
  });

  it.each([
    ['not valid base64', '!!not-base64!!', 'invalid_base64'],
    ['base64 without a colon', base64('just-a-token'), 'no_colon'],
  ])('when auth is %s, then 422 says the kubelet would fail every image pull', (_, auth, code) => {
    const error = errorOf({ auths: { r: { auth } } });

    expect(error.errors).toEqual([{ path: 'auths/r/auth', code, message: expect.stringContaining('every image pull') }]);
  });

  it('when auth decodes to an empty username, then 422 names the auth field', () => {
    expect(errorOf({ auths: { r: { auth: base64(':p') } } }).errors).toEqual([
      expect.objectContaining({ path: 'auths/r/auth', code: 'empty_username' }),
    ]);
  });

  it('when auth decodes to bytes that are not UTF-8, then 422: they could not be carried over unchanged', () => {
    const auth = base64(Buffer.concat([Buffer.from('jane:'), Buffer.from([0xff, 0xfe])]));

    expect(errorOf({ auths: { r: { auth } } }).errors).toEqual([expect.objectContaining({ path: 'auths/r/auth', code: 'not_utf8' })]);
  });

  it.each([
    ['there is no auths', {}, 'auths', 'required'],
    ['auths is empty', { auths: {} }, 'auths', 'too_small'],
    ['auths is not an object', { auths: ['r'] }, 'auths', 'invalid_type'],
    ['an entry is not an object', { auths: { r: 'u:p' } }, 'auths/r', 'invalid_type'],
    ['a field is not a string', { auths: { r: { username: 'u', password: 42 } } }, 'auths/r/password', 'invalid_type'],
    ['the password is missing', { auths: { r: { username: 'u' } } }, 'auths/r/password', 'required'],
    ['the username is empty', { auths: { r: { username: '', password: 'p' } } }, 'auths/r/username', 'too_small'],
  ])('when %s, then 422 at the offending path', (_, config, path, code) => {
    const error = errorOf(config);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors).toContainEqual(expect.objectContaining({ path, code }));
  });

  it("when server, username, password and email break the credential rules, then the credential schemas' messages are used", () => {
    const error = errorOf({
      auths: {
        'bad server': { username: 'u', password: 'p' },
        r1: { username: 'a:b', password: 'p', email: 'not-an-email' },
        r2: { auth: base64('jane:') },
      },
    });

    expect(error.errors).toEqual([
      { path: 'auths/bad server', code: 'invalid_format', message: 'must not contain whitespace or control characters' },
      { path: 'auths/r1/username', code: 'no_colon', message: expect.stringContaining('must not contain ":"') },
      { path: 'auths/r1/email', code: 'invalid_format', message: 'must be a valid email address' },
      { path: 'auths/r2/auth', code: 'too_small', message: 'password in auth must not be empty' },
    ]);
  });

  it('when more registries are listed than a Secret may carry, then 422', () => {
    const auths = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`r${i}.example.com`, { username: 'u', password: 'p' }]));

    expect(errorOf({ auths }).errors).toEqual([expect.objectContaining({ path: 'auths', code: 'too_big' })]);
  });
});
