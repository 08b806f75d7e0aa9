import { describe, it, expect } from 'vitest';
import { describePullSecretData } from '../../../src/domain/secret-manifest/redact-secret.js';
import { REDACTED, registryViewSchema } from '../../../src/domain/view-schemas.js';
import {
  authOf,
  base64,
  DOCKER_HUB,
  dockerConfigJsonData,
  dockerDesktopConfig,
  kubectlDockerConfigJson,
} from '../../support/docker-config-samples.js';

const JSON_TYPE = 'kubernetes.io/dockerconfigjson';
const CFG_TYPE = 'kubernetes.io/dockercfg';
const describeJson = (content: unknown) => describePullSecretData(JSON_TYPE, dockerConfigJsonData(content));
const describeCfg = (content: unknown) => describePullSecretData(CFG_TYPE, { '.dockercfg': base64(JSON.stringify(content)) });
const EVERY_PULL = 'the kubelet fails every image pull of a Pod that references this secret';

describe('describePullSecretData: what kubectl create secret docker-registry writes', () => {
  it("when the secret is kubectl's, then username and email are shown, password and auth are redacted and named", () => {
    const result = describeJson(kubectlDockerConfigJson('registry.example.com', 'jane', 's3cr3t', 'jane@example.com'));

    expect(result).toEqual({
      registries: [
        {
          server: 'registry.example.com',
          username: 'jane',
          email: 'jane@example.com',
          secretFields: ['password', 'auth'],
          authMismatch: false,
        },
      ],
      decoded: { auths: { 'registry.example.com': { username: 'jane', password: REDACTED, email: 'jane@example.com', auth: REDACTED } } },
      warnings: [],
    });
    result.registries.forEach((registry) => registryViewSchema.parse(registry));
  });

  it('when a whole docker config.json was stored, then every other top-level key keeps its name but not its value', () => {
    const { decoded } = describeJson({ ...JSON.parse(dockerDesktopConfig('s3cr3t')), HttpHeaders: { 'X-Api-Key': 'k' } });

    expect(decoded).toEqual({
      auths: { [DOCKER_HUB]: {}, 'ghcr.io': {}, 'registry.example.com': { auth: REDACTED } },
      credsStore: REDACTED,
      currentContext: REDACTED,
      plugins: REDACTED,
      HttpHeaders: REDACTED,
    });
  });

  it('when entries hold serveraddress and tokens, then serveraddress is shown and the tokens are redacted, named and warned about', () => {
    const result = describeJson({ auths: { r: { auth: authOf('u', 'p'), serveraddress: 'r', identitytoken: 't' } } });

    expect(result.decoded).toEqual({ auths: { r: { auth: REDACTED, serveraddress: 'r', identitytoken: REDACTED } } });
    expect(result.registries[0]).toEqual({ server: 'r', username: 'u', secretFields: ['auth', 'identitytoken'], authMismatch: false });
    expect(result.warnings).toEqual(['registry "r": the kubelet ignores "identitytoken"']);
  });

  it('when an entry holds only a registrytoken, then the warning says the kubelet has no credentials for it', () => {
    expect(describeJson({ auths: { r: { registrytoken: 't' } } }).warnings).toEqual([
      'registry "r": holds only "registrytoken", which the kubelet ignores, so it has no credentials for this registry',
    ]);
  });

  it('when an entry is empty, then the warning says the kubelet pulls anonymously', () => {
    expect(describeJson({ auths: { r: {} } }).warnings).toEqual([
      'registry "r": holds no credentials; the kubelet pulls from it anonymously',
    ]);
  });
});

describe('describePullSecretData: the username the kubelet reads', () => {
  it('when only auth is given, then the username comes from auth', () => {
    expect(describeJson({ auths: { r: { auth: authOf('jane', 'p') } } }).registries[0].username).toBe('jane');
  });

  it('when auth disagrees with username/password, then auth wins and authMismatch is set, with a warning', () => {
    const result = describeJson({ auths: { r: { username: 'old', password: 'p', auth: authOf('new', 'p') } } });

    expect(result.registries[0]).toMatchObject({ username: 'new', authMismatch: true });
    expect(result.warnings).toEqual(['registry "r": "auth" and "username"/"password" disagree; the kubelet uses "auth"']);
  });

  it('when only the passwords disagree, then authMismatch is set too', () => {
    expect(describeJson({ auths: { r: { username: 'u', password: 'a', auth: authOf('u', 'b') } } }).registries[0].authMismatch).toBe(true);
  });

  it('when keys are spelled in other cases, then they are read as the kubelet reads them', () => {
    const result = describeJson({ Auths: { r: { Username: 'old', PASSWORD: 'p', AUTH: authOf('new', 'p'), Email: 'e@example.com' } } });

    expect(result.registries[0]).toEqual({
      server: 'r',
      username: 'new',
      email: 'e@example.com',
      secretFields: ['password', 'auth'],
      authMismatch: true,
    });
    expect(result.decoded).toEqual({ Auths: { r: { Username: 'old', PASSWORD: REDACTED, AUTH: REDACTED, Email: 'e@example.com' } } });
  });

  it('when auths is spelled twice, then the entries merge as in Go', () => {
    const { registries } = describeJson({ auths: { a: { auth: authOf('u1', 'p') } }, AUTHS: { b: { auth: authOf('u2', 'p') } } });

    expect(registries.map((r) => [r.server, r.username])).toEqual([
      ['a', 'u1'],
      ['b', 'u2'],
    ]);
  });

  it.each([
    ['has no colon', base64('token-only'), 'does not decode to "username:password" (no colon)'],
    ['is not base64', '%%%', 'is not valid base64'],
  ])('when auth %s, then the warning says every pull fails, and the username falls back to the field', (_, auth, what) => {
    const result = describeJson({ auths: { r: { username: 'jane', auth } } });

    expect(result.warnings).toEqual([`registry "r": "auth" ${what}; ${EVERY_PULL}`]);
    expect(result.registries[0]).toMatchObject({ username: 'jane', authMismatch: false });
  });

  it('when auth decodes to an empty username, then a warning says so', () => {
    expect(describeJson({ auths: { r: { auth: base64(':p') } } }).warnings).toEqual([expect.stringContaining('empty username')]);
  });
});

describe('describePullSecretData: contents the kubelet cannot use never throw', () => {
  it.each([
    ['the key is missing', JSON_TYPE, {}, 'there is no ".dockerconfigjson" key'],
    ['the value is empty', JSON_TYPE, { '.dockerconfigjson': '' }, 'there is no ".dockerconfigjson" key (or it is empty)'],
    ['the value is not base64', JSON_TYPE, { '.dockerconfigjson': '%%%' }, 'is not valid base64'],
    ['the value is not JSON', JSON_TYPE, { '.dockerconfigjson': base64('{"auths":') }, `does not decode to valid JSON; ${EVERY_PULL}`],
    ['the value is a JSON array', JSON_TYPE, { '.dockerconfigjson': base64('[]') }, `is not a JSON object; ${EVERY_PULL}`],
    ['the value is JSON null', JSON_TYPE, { '.dockerconfigjson': base64('null') }, 'is null'],
    ['the .dockercfg key is missing', CFG_TYPE, { '.dockerconfigjson': base64('{}') }, 'there is no ".dockercfg" key'],
    ['the type is not a pull secret type', 'Opaque', { '.dockerconfigjson': base64('{}') }, 'the kubelet reads no image pull credentials'],
  ])('when %s, then there is one warning and nothing else', (_, type, data, warning) => {
    const result = describePullSecretData(type, data);

    expect(result).toEqual({ registries: [], decoded: {}, warnings: [expect.stringContaining(warning)] });
  });

  it('when auths is not an object, then it is redacted and the warning says every pull fails', () => {
    expect(describeJson({ auths: 'x' })).toEqual({
      registries: [],
      decoded: { auths: REDACTED },
      warnings: [`"auths" is not an object; ${EVERY_PULL}`],
    });
  });

  it('when an entry is not an object or a field is not a string, then it is redacted and the warning says every pull fails', () => {
    const result = describeJson({ auths: { a: 'u:p', b: { username: { nested: 'x' }, password: 'p' } } });

    expect(result.decoded).toEqual({ auths: { a: REDACTED, b: { username: REDACTED, password: REDACTED } } });
    expect(result.warnings).toEqual([
      `registry "a": the entry is not an object; ${EVERY_PULL}`,
      `registry "b": "username" is not a string; ${EVERY_PULL}`,
    ]);
  });

  it('when HttpHeaders is not an object of strings, then the warning says every pull fails', () => {
    expect(describeJson({ auths: {}, HttpHeaders: 'x' }).warnings).toContain(`"HttpHeaders" is not an object of strings; ${EVERY_PULL}`);
  });

  it('when a .dockerconfigjson has no auths but looks like the legacy format, then the warning says where it belongs', () => {
    const result = describeJson({ [DOCKER_HUB]: { auth: authOf('u', 'p') } });

    expect(result.registries).toEqual([]);
    expect(result.decoded).toEqual({ [DOCKER_HUB]: REDACTED });
    expect(result.warnings).toEqual([
      expect.stringContaining('legacy .dockercfg format, which belongs in a kubernetes.io/dockercfg secret'),
    ]);
  });
});

describe('describePullSecretData: legacy kubernetes.io/dockercfg secrets', () => {
  it('when the .dockercfg maps servers to entries, then each is described and redacted like in .dockerconfigjson', () => {
    const result = describeCfg({ [DOCKER_HUB]: { auth: authOf('jane', 'p'), email: 'jane@example.com' } });

    expect(result).toEqual({
      registries: [{ server: DOCKER_HUB, username: 'jane', email: 'jane@example.com', secretFields: ['auth'], authMismatch: false }],
      decoded: { [DOCKER_HUB]: { auth: REDACTED, email: 'jane@example.com' } },
      warnings: [],
    });
  });

  it('when a .dockercfg holds config.json content, then the warning says the kubelet reads "auths" as a registry', () => {
    const result = describeCfg({ auths: { r: { auth: authOf('u', 'p') } } });

    expect(result.decoded).toEqual({ auths: { r: REDACTED } });
    expect(result.warnings[0]).toContain('"auths" looks like the config.json wrapper, but .dockercfg has none');
  });
});
