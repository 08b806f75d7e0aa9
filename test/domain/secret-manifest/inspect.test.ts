import { describe, it, expect } from 'vitest';
import { AppError, BadRequestError, UnsupportedMediaTypeError, ValidationError } from '../../../src/errors.js';
import { inspectPullSecretInput } from '../../../src/domain/secret-manifest/inspect.js';
import { inspectViewSchema, REDACTED } from '../../../src/domain/view-schemas.js';
import { dockerConfigJsonData, kubectlDockerConfigJson, thrownBy } from '../../support/docker-config-samples.js';

const CONFIG = kubectlDockerConfigJson('registry.example.com', 'jane', 's3cr3t');
const VALUE = dockerConfigJsonData(CONFIG)['.dockerconfigjson'];
const REGISTRY = { server: 'registry.example.com', username: 'jane', secretFields: ['password', 'auth'], authMismatch: false };
const DECODED = { auths: { 'registry.example.com': { username: 'jane', password: REDACTED, auth: REDACTED } } };

const inspect = (body: string, contentType?: string) => inspectPullSecretInput(Buffer.from(body), contentType);
const errorOf = (body: string, contentType?: string) => thrownBy(() => inspect(body, contentType)) as AppError;

/** As `kubectl get secret regcred -o json` prints it, annotations and all. */
const kubectlJson = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'regcred', namespace: 'team-a', labels: { team: 'payments' }, annotations: { note: 'kept out' }, uid: 'x' },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': VALUE },
});
const kubectlYaml = `apiVersion: v1
kind: Secret
metadata:
  name: regcred
  namespace: team-a
  labels:
    team: payments
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ${VALUE}
`;

describe('inspectPullSecretInput: what it accepts', () => {
  it('when a JSON Secret manifest is sent, then the view has its metadata (no annotations) and the redacted content', () => {
    const view = inspect(kubectlJson, 'application/json; charset=utf-8');

    expect(view).toEqual({
      name: 'regcred',
      namespace: 'team-a',
      type: 'kubernetes.io/dockerconfigjson',
      labels: { team: 'payments' },
      registries: [REGISTRY],
      decoded: DECODED,
      warnings: [],
    });
    expect(inspectViewSchema.parse(view)).toEqual(view);
  });

  it.each(['application/yaml', 'application/x-yaml', 'text/yaml'])(
    'when a YAML Secret manifest is sent as %s, then it is read like JSON',
    (type) => {
      expect(inspect(kubectlYaml, type)).toEqual({
        name: 'regcred',
        namespace: 'team-a',
        type: 'kubernetes.io/dockerconfigjson',
        labels: { team: 'payments' },
        registries: [REGISTRY],
        decoded: DECODED,
        warnings: [],
      });
    },
  );

  it('when the manifest uses stringData, then it is read, written over data as the API server does', () => {
    const yaml = `kind: Secret\napiVersion: v1\nmetadata: {name: regcred}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: e30=\nstringData:\n  .dockerconfigjson: '${CONFIG}'\n`;

    expect(inspect(yaml, 'application/yaml')).toMatchObject({ registries: [REGISTRY], decoded: DECODED });
  });

  it('when a legacy kubernetes.io/dockercfg manifest is sent, then its .dockercfg is described', () => {
    const dockercfg = Buffer.from(JSON.stringify({ 'registry.example.com': { auth: Buffer.from('jane:p').toString('base64') } })).toString(
      'base64',
    );
    const yaml = `kind: Secret\napiVersion: v1\nmetadata: {name: old}\ntype: kubernetes.io/dockercfg\ndata: {.dockercfg: ${dockercfg}}\n`;

    expect(inspect(yaml, 'application/yaml').registries).toEqual([
      { server: 'registry.example.com', username: 'jane', secretFields: ['auth'], authMismatch: false },
    ]);
  });

  it.each([
    ['as jsonpath prints it', VALUE],
    ['with a trailing newline', `${VALUE}\n`],
    ['wrapped at 76 columns, as base64 does', `${VALUE.match(/.{1,76}/g)!.join('\n')}\n`],
  ])('when a bare .dockerconfigjson value is sent as text/plain %s, then it is described', (_, body) => {
    expect(inspect(body, 'text/plain')).toEqual({
      type: 'kubernetes.io/dockerconfigjson',
      registries: [REGISTRY],
      decoded: DECODED,
      warnings: [],
    });
  });

  it.each([
    ['a JSON manifest', kubectlJson],
    ['a YAML manifest', kubectlYaml],
  ])('when %s is pasted as text/plain or without a content type, then it is recognised', (_, body) => {
    expect(inspect(body, 'text/plain').registries).toEqual([REGISTRY]);
    expect(inspect(body, undefined).registries).toEqual([REGISTRY]);
  });

  it('when the YAML stream ends with an empty document, then the one manifest is read', () => {
    expect(inspect(`---\n${kubectlYaml}---\n`, 'application/yaml').registries).toEqual([REGISTRY]);
  });

  it('when a YAML value carries a tag such as !!binary, then it is not decoded but stays the text it is', () => {
    const yaml = kubectlYaml.replace(`.dockerconfigjson: ${VALUE}`, `.dockerconfigjson: !!binary ${VALUE}`);

    expect(inspect(yaml, 'application/yaml').registries).toEqual([REGISTRY]);
  });
});

describe('inspectPullSecretInput: what it refuses', () => {
  it.each([
    ['Opaque', kubectlJson.replace('kubernetes.io/dockerconfigjson', 'Opaque')],
    ['missing, so Opaque', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: {} })],
  ])('when the type is %s, then 422 at "type" names the two pull secret types', (_, body) => {
    const error = errorOf(body, 'application/json');

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors).toEqual([
      {
        path: 'type',
        code: 'invalid_value',
        message: expect.stringMatching(/"kubernetes.io\/dockerconfigjson" or "kubernetes.io\/dockercfg"/),
      },
    ]);
  });

  it('when the manifest is not a Secret, then 422 at "kind" says how to send a bare value', () => {
    expect(errorOf('{"auths": {}}', 'application/json').errors).toEqual([
      expect.objectContaining({ path: 'kind', code: 'required', message: expect.stringContaining('base64-encoded as text/plain') }),
      expect.objectContaining({ path: 'type' }),
    ]);
  });

  it('when a data value is not a string, then 422 at its path', () => {
    const yaml = kubectlYaml.replace(`.dockerconfigjson: ${VALUE}`, '.dockerconfigjson: 42');

    expect(errorOf(yaml, 'application/yaml').errors).toEqual([
      { path: 'data/.dockerconfigjson', code: 'invalid_type', message: 'must be a string' },
    ]);
  });

  it('when the YAML holds two documents, then 400 asks for exactly one', () => {
    const error = errorOf(`${kubectlYaml}---\n${kubectlYaml}`, 'application/yaml');

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe('The YAML body holds 2 documents: send exactly one Secret manifest');
  });

  it('when the YAML is broken, then 400 gives the problem and where, never the text', () => {
    const error = errorOf('kind: Secret\ndata:\n  .dockerconfigjson: "unterminated-s3cr3t\n', 'application/yaml');

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/^The YAML body is not valid YAML \(MISSING_CHAR at line \d+, column \d+\)$/);
  });

  it('when the YAML expands aliases again and again, then 400 before it grows', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n';

    expect(errorOf(bomb, 'application/yaml').message).toContain('aliases');
  });

  it('when a YAML alias refers to no anchor, then 400 says so', () => {
    expect(errorOf('kind: Secret\ndata: *nowhere\n', 'application/yaml').message).toBe(
      'The YAML body has an alias without a matching anchor',
    );
  });

  it('when the JSON is broken, then 400 without the text', () => {
    const error = errorOf('{"kind": "Secret", "data": {".dockerconfigjson": s3cr3t}}', 'application/json');

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).not.toContain('s3cr3t');
  });

  it.each([
    ['not base64', 'this is not a secret!'],
    ['base64, but not of JSON', Buffer.from('plain words').toString('base64')],
  ])('when a text/plain body is %s, then 400 says what to send', (_, body) => {
    expect(errorOf(body, 'text/plain').message).toContain('neither a Secret manifest nor a base64-encoded .dockerconfigjson value');
  });

  it('when the body is empty, then 400', () => {
    expect(errorOf(' \n', 'text/plain')).toBeInstanceOf(BadRequestError);
  });

  it('when the content type is neither JSON, YAML nor text, then 415', () => {
    expect(errorOf(kubectlJson, 'application/xml')).toBeInstanceOf(UnsupportedMediaTypeError);
  });
});
