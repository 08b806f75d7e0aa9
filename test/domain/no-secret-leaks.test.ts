import { describe, it, expect } from 'vitest';
import { inspectPullSecretInput } from '../../src/domain/secret-manifest/inspect.js';
import { parseDockerConfigFile } from '../../src/domain/docker-config/parse-docker-config.js';
import { describePullSecretData, toPullSecretView } from '../../src/domain/secret-manifest/redact-secret.js';
import {
  authOf,
  base64,
  dockerConfigJsonData,
  dockerDesktopConfig,
  everythingIn,
  kubectlDockerConfigJson,
} from '../support/docker-config-samples.js';

// One unique password, in every place a secret can hide. Whatever these functions return or
// throw, as a caller or a log would see it, must not contain it in any form.
const CANARY = 'cAnArY-pw-0d1f7e93';
const AUTH = authOf('jane', CANARY);
// Parsers quote about ten characters around an error, so a fragment of the canary counts too.
const forms = (extra: string[] = []) => [CANARY, CANARY.slice(0, 8), AUTH, base64(CANARY), ...extra];

function exposed(act: () => unknown): string {
  try {
    return everythingIn(act());
  } catch (error) {
    return everythingIn(error);
  }
}

const dockerConfigs: Record<string, unknown> = {
  'kubectl create secret docker-registry': JSON.parse(kubectlDockerConfigJson('r.example.com', 'jane', CANARY, 'jane@example.com')),
  'auth only': { auths: { r: { auth: AUTH } } },
  'auth without a colon': { auths: { r: { auth: base64(CANARY) } } },
  'auth that is not base64': { auths: { r: { auth: `!${CANARY}!` } } },
  'auth that disagrees with the fields': { auths: { r: { username: 'jane', password: CANARY, auth: authOf('jane', 'other') } } },
  'tokens only': { auths: { r: { identitytoken: CANARY, registrytoken: CANARY } } },
  'tokens and other fields beside credentials': {
    auths: { r: { auth: AUTH, identitytoken: CANARY, token: CANARY, secret: { v: CANARY } } },
  },
  'a whole docker config.json': {
    ...JSON.parse(dockerDesktopConfig(CANARY)),
    credsStore: CANARY,
    HttpHeaders: { 'X-Key': CANARY },
    extra: [CANARY],
  },
  'fields that are not strings': { auths: { r: { username: { v: CANARY }, password: [CANARY], email: { v: CANARY } } } },
  'an entry that is a string': { auths: { r: `jane:${CANARY}` } },
  'auths that is a string': { auths: CANARY },
  'the legacy format': { r: { auth: AUTH, email: 'jane@example.com' } },
  'auth with bytes that are not UTF-8': {
    auths: { r: { auth: base64(Buffer.concat([Buffer.from(`jane:${CANARY}`), Buffer.from([0xff])])) } },
  },
  'an empty username in auth': { auths: { r: { auth: base64(`:${CANARY}`) } } },
};

describe('no secret leaks: describePullSecretData and toPullSecretView', () => {
  const cases: [string, string, Record<string, string>][] = [
    ...Object.entries(dockerConfigs).map(([name, config]): [string, string, Record<string, string>] => [
      name,
      'kubernetes.io/dockerconfigjson',
      dockerConfigJsonData(config),
    ]),
    ...Object.entries(dockerConfigs).map(([name, config]): [string, string, Record<string, string>] => [
      `${name}, as .dockercfg`,
      'kubernetes.io/dockercfg',
      { '.dockercfg': base64(JSON.stringify(config)) },
    ]),
    [
      'JSON that does not parse',
      'kubernetes.io/dockerconfigjson',
      { '.dockerconfigjson': base64(`{"auths":{"r":{"password":${CANARY}}}}`) },
    ],
    ['base64 that does not decode', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': `%${CANARY}%` }],
    ['an Opaque secret', 'Opaque', { password: base64(CANARY), '.dockerconfigjson': base64(JSON.stringify(dockerConfigs['auth only'])) }],
  ];

  it.each(cases)('when the secret holds %s, then the description holds no secret', (_, type, data) => {
    const text = exposed(() => describePullSecretData(type, data));

    for (const form of forms(Object.values(data))) expect(text).not.toContain(form);
  });

  it.each(cases)('when a Secret holds %s, then its view holds no secret, nor its annotations', (_, type, data) => {
    const lastApplied = JSON.stringify({ type, data, stringData: { password: CANARY } });
    const secret = {
      name: 'n',
      namespace: 'ns',
      type,
      labels: {},
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
      data,
      immutable: false,
    };

    const text = exposed(() => toPullSecretView(secret));

    for (const form of forms(Object.values(data))) expect(text).not.toContain(form);
  });
});

describe('no secret leaks: parseDockerConfigFile', () => {
  it.each(Object.entries(dockerConfigs))('when the file holds %s, then no warning or error holds the secret', (_, config) => {
    const text = exposed(() => parseDockerConfigFile(JSON.stringify(config)).warnings);

    for (const form of forms()) expect(text).not.toContain(form);
  });

  it.each([
    ['an unquoted password', `{"auths":{"r":{"password":${CANARY}}}}`],
    ['nothing but an unquoted password', `{"p":${CANARY}}`],
    ['a password at the end of a cut-off file', `{"auths":{"r":{"password":"${CANARY}`],
    ['a stray value after the password', `{"auths":{"r":{"password":"${CANARY}" "x"}}}`],
  ])('when malformed JSON has %s, then the error does not quote it', (_, file) => {
    for (const form of forms()) expect(exposed(() => parseDockerConfigFile(file))).not.toContain(form);
  });

  it('when the password is too long, then the error does not quote it', () => {
    const long = CANARY.repeat(5000);

    const text = exposed(() => parseDockerConfigFile(JSON.stringify({ auths: { r: { username: 'u', password: long } } })));

    for (const form of forms()) expect(text).not.toContain(form);
  });
});

describe('no secret leaks: inspectPullSecretInput', () => {
  const value = dockerConfigJsonData(dockerConfigs['tokens and other fields beside credentials'])['.dockerconfigjson'];
  const manifest = (type: string, data: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'n', annotations: { a: CANARY } },
    type,
    data,
  });
  const yaml = (type: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: n\ntype: ${type}\ndata:\n  .dockerconfigjson: ${value}\n`;

  it.each<[string, string, string | undefined]>([
    ['a JSON manifest', JSON.stringify(manifest('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': value })), 'application/json'],
    ['a YAML manifest', yaml('kubernetes.io/dockerconfigjson'), 'application/yaml'],
    [
      'a stringData manifest',
      JSON.stringify({
        kind: 'Secret',
        type: 'kubernetes.io/dockerconfigjson',
        stringData: { '.dockerconfigjson': JSON.stringify(dockerConfigs['a whole docker config.json']) },
      }),
      'application/json',
    ],
    ['a bare value', `${value}\n`, 'text/plain'],
    ['a bare value without content type', value, undefined],
    ['an Opaque manifest', JSON.stringify(manifest('Opaque', { password: base64(CANARY) })), 'application/json'],
    ['an Opaque YAML manifest', yaml('Opaque'), 'text/plain'],
    ['a ConfigMap', JSON.stringify({ kind: 'ConfigMap', data: { password: CANARY } }), 'application/json'],
    [
      'a data value that is not a string',
      JSON.stringify(manifest('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': { password: CANARY } })),
      'application/json',
    ],
    ['broken JSON', `{"kind":"Secret","data":{".dockerconfigjson":${CANARY}}}`, 'application/json'],
    ['broken YAML', `kind: Secret\ndata:\n  .dockerconfigjson: "${CANARY}\n`, 'application/yaml'],
    ['an unknown YAML directive', `%${CANARY}\n---\nkind: Secret\n`, 'application/yaml'],
    ['a YAML alias without anchor', `kind: Secret\ndata: *${CANARY}\n`, 'application/yaml'],
    ['a YAML tag', `kind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata: !<${CANARY}> {}\n`, 'application/yaml'],
    ['a YAML key repeated', `kind: Secret\ndata:\n  ${CANARY}: x\n  ${CANARY}: y\n`, 'application/yaml'],
    ['two YAML documents', `${yaml('kubernetes.io/dockerconfigjson')}---\n${yaml('kubernetes.io/dockerconfigjson')}`, 'application/yaml'],
    ['text that is no manifest', `password = ${CANARY}!`, 'text/plain'],
    ['base64 of text that is not JSON', base64(`password ${CANARY}`), 'text/plain'],
    ['an unsupported content type', `<password>${CANARY}</password>`, 'application/xml'],
  ])('when the body is %s, then the answer or error holds no secret', (_, body, contentType) => {
    const text = exposed(() => inspectPullSecretInput(Buffer.from(body), contentType));

    for (const form of forms([value, base64(`password ${CANARY}`)])) expect(text).not.toContain(form);
  });
});
