import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { encodeJson, toPlain } from './json-text.js';
import { multipartBody } from './multipart.js';
import { OFF_CONTRACT_PATHS, type Operation, type Parameter } from './operations.js';
import {
  dockerConfig,
  fromSchema,
  hostileValue,
  mutateBody,
  plainString,
  wellFormedBody,
  wellFormedDockerConfig,
  type Resolve,
  type Schema,
} from './values.js';
import { SEEDED_SECRETS, basicAuth, type FuzzWorld } from './world.js';

/** One request as sent on the wire. */
export interface FuzzRequest {
  /** The operation (or `METHOD path` off the contract) it exercises. */
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent with Transfer-Encoding: chunked instead of Content-Length. */
  chunked: boolean;
  /** What kind of body it carries, for the findings. */
  shape: string;
}

// Already percent-encoded where needed; none names a namespace of the shared cluster but the deny-listed one.
const HOSTILE_SEGMENTS = [
  'A',
  'UPPER',
  '-a',
  'a-',
  'a_b',
  'a.b',
  '..',
  '.',
  '%2e%2e',
  'a%2Fb',
  '%00',
  '%ZZ',
  '%E9',
  '%C3%A9',
  '%20',
  'x'.repeat(64),
  'x'.repeat(254),
  'x'.repeat(4000),
  '__proto__',
  'constructor',
  'kube-system',
  '%3Cscript%3E',
  '~',
  '*',
  ';',
  ',',
  "'",
  '%F0%9F%98%80',
];
const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=UTF-16',
  'application/json; charset=latin1',
  'application/json;charset="utf-8"',
  'Application/JSON',
  'application/vnd.x+json',
  'application/merge-patch+json',
  'text/plain',
  'application/yaml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/mixed; boundary=x',
  '/',
  ';;',
  'application/json, text/plain',
  'x'.repeat(2000),
];
const ACCEPTS = [
  'application/json',
  '*/*',
  'text/html',
  'application/problem+json',
  'application/xml',
  'application/yaml',
  'garbage;;q=x',
  'text/plain;q=0, */*;q=0',
];
const METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

function authorization(world: FuzzWorld): fc.Arbitrary<string | undefined> {
  const bad = fc.constantFrom(
    `Bearer ${world.canary}`,
    `Basic ${basicAuth(world)}`,
    'Bearer',
    `bearer ${world.canary}`,
    world.canary,
    `Bearer ${world.canary}${'x'.repeat(6000)}`,
    `Bearer  ${world.tokens?.all ?? world.canary}`,
  );
  if (!world.tokens) return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bad });
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${world.tokens.all}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${world.tokens.one}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: bad },
  );
}

function pathValue(parameter: Parameter, world: FuzzWorld): fc.Arbitrary<string> {
  const valid =
    parameter.name === 'namespace'
      ? fc.constantFrom(...world.namespaces, 'fuzz-missing-ns')
      : fc.oneof(
          fc.constantFrom(...SEEDED_SECRETS, 'fresh', 'missing-x'),
          fc.stringMatching(new RegExp(String(parameter.schema.pattern))).filter((s) => s.length <= 253),
        );
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) });
}

function queryString(parameters: Parameter[], world: FuzzWorld, resolve: Resolve): fc.Arbitrary<string> {
  const queried = parameters.filter((p) => p.in === 'query');
  const value = (p: Parameter): fc.Arbitrary<string> => {
    if (p.name === 'namespaces') return fc.subarray([...world.namespaces, 'fuzz-missing-ns'], { minLength: 1 }).map((n) => n.join(','));
    if (p.name === 'serviceAccounts') return fc.constantFrom('default', 'default,builder', '', ',,', 'UPPER');
    return fromSchema(p.schema, world, resolve, p.name).map((v) => (typeof v === 'string' ? v : encodeJson(v)));
  };
  const hostile = plainString().map((s) => s.slice(0, 3000));
  const pairs = queried.map((p) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant<[string, string][]>([]) },
      { weight: 8, arbitrary: value(p).map((v): [string, string][] => [[p.name, v]]) },
      { weight: 1, arbitrary: hostile.map((v): [string, string][] => [[p.name, v]]) },
      {
        weight: 1,
        arbitrary: fc.tuple(value(p), value(p)).map(([a, b]): [string, string][] => [
          [p.name, a],
          [p.name, b],
        ]),
      },
    ),
  );
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant<[string, string][]>([]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<[string, string][]>(
        [['unknown', 'x']],
        [['__proto__', '1']],
        [['a[b]', 'c']],
        [['', '']],
        [['verify', 'maybe']],
      ),
    },
  );
  return fc.tuple(fc.tuple(...pairs), extras, fc.nat(9)).map(([chosen, extra, roll]) => {
    const rawPercent = roll === 0;
    const all = [...chosen.flat(), ...extra];
    if (all.length === 0) return '';
    const text = all.map(([k, v]) => `${encodeURIComponent(k.toWellFormed())}=${encodeURIComponent(v.toWellFormed())}`).join('&');
    return `?${rawPercent && all.length > 1 ? `${text}&%ZZ=%E9` : text}`;
  });
}

/** Raw bodies that are not what any schema asks for. */
const ODD_BODIES: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['null', Buffer.from('null')],
  ['array', Buffer.from('[]')],
  ['string', Buffer.from('"s"')],
  ['number', Buffer.from('123')],
  ['truncated', Buffer.from('{"password":"')],
  ['bad-utf8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ['bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')])],
  ['comment', Buffer.from('{/* c */}')],
  ['over-limit', Buffer.from(`{"a":"${'x'.repeat(600_000)}"}`)],
];

function inspectBody(world: FuzzWorld, type: string): fc.Arbitrary<[string, Buffer]> {
  return dockerConfig(world).map((config) => {
    const encoded = Buffer.from(encodeJson(config)).toString('base64');
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': encoded },
    };
    if (type === 'text/plain') return ['base64-config', Buffer.from(encoded)];
    if (type.includes('yaml'))
      return ['yaml-manifest', Buffer.from(stringify({ ...manifest, stringData: { '.dockerconfigjson': toPlain(config) } }))];
    return ['json-manifest', Buffer.from(JSON.stringify(manifest))];
  });
}

const BILLION_LAUGHS = [
  'a: &a [x,x,x,x,x,x,x,x,x]',
  ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
].join('\n');

function bodyFor(op: Operation, type: string, world: FuzzWorld, resolve: Resolve): fc.Arbitrary<[string, Buffer]> {
  const schema = op.bodies[type] as Schema;
  const odd = fc.constantFrom(...ODD_BODIES);
  if (op.id === 'inspectPullSecret') {
    return fc.oneof(
      { weight: 6, arbitrary: inspectBody(world, type) },
      { weight: 1, arbitrary: fc.constant<[string, Buffer]>(['billion-laughs', Buffer.from(BILLION_LAUGHS)]) },
      { weight: 1, arbitrary: odd },
    );
  }
  const base = op.template.endsWith('/dockerconfig') ? dockerConfig(world) : fromSchema(schema, world, resolve);
  return fc.oneof(
    { weight: 6, arbitrary: base.map((v): [string, Buffer] => ['valid', Buffer.from(encodeJson(v))]) },
    { weight: 4, arbitrary: mutateBody(base, world).map((v): [string, Buffer] => ['mutated', Buffer.from(encodeJson(v))]) },
    { weight: 1, arbitrary: hostileValue(world, false).map((v): [string, Buffer] => ['hostile-top', Buffer.from(encodeJson(v))]) },
    { weight: 1, arbitrary: odd },
  );
}

type Payload = [contentType: string | undefined, shape: string, body: Buffer | undefined];

/** The content type and body: mostly a declared pair, sometimes a body under the wrong or no content type. */
function payload(op: Operation, world: FuzzWorld, resolve: Resolve): fc.Arbitrary<Payload> {
  const types = Object.keys(op.bodies);
  if (types.length === 0) {
    return fc.oneof(
      { weight: 9, arbitrary: fc.constant<Payload>([undefined, 'none', undefined]) },
      { weight: 1, arbitrary: fc.constant<Payload>(['application/json', 'json-on-bodiless', Buffer.from('{"a":1}')]) },
    );
  }
  const declared = types.map((type) =>
    type === 'multipart/form-data'
      ? multipartBody(dockerConfig(world).map(encodeJson)).map((m): Payload => [m.contentType, `multipart:${m.shape}`, m.body])
      : bodyFor(op, type, world, resolve).map(([shape, body]): Payload => [type, shape, body]),
  );
  const first = bodyFor(op, types[0]!, world, resolve);
  return fc.oneof(
    { weight: 8, arbitrary: fc.oneof(...declared) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), first).map(([type, [shape, body]]): Payload => [type, shape, body]),
    },
    { weight: 1, arbitrary: first.map(([shape, body]): Payload => [undefined, shape, body]) },
  );
}

function contractRequest(op: Operation, world: FuzzWorld, resolve: Resolve): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const path = fc
    .tuple(...pathParams.map((p) => pathValue(p, world)))
    .map((values) => pathParams.reduce((template, p, i) => template.replace(`{${p.name}}`, values[i]!), op.template));
  const method = fc.oneof({ weight: 12, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });
  return fc
    .tuple(path, queryString(op.parameters, world, resolve), method, payload(op, world, resolve), headers(world), fc.nat())
    .map(([p, query, m, [type, shape, body], h, pick]) =>
      finish(
        {
          label: m === op.method ? op.id : `${m} ${op.template}`,
          method: m,
          path: p + query,
          headers: { ...h, ...(type ? { 'content-type': type } : {}) },
          body,
          chunked: false,
          shape,
        },
        pick,
      ),
    );
}

function offContractRequest(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(fc.constantFrom(...OFF_CONTRACT_PATHS), fc.constantFrom(...METHODS), headers(world), fc.boolean(), fc.nat())
    .map(([path, method, h, withBody, pick]) =>
      finish(
        {
          label: `${method} ${path}`,
          method,
          path,
          headers: { ...h, ...(withBody ? { 'content-type': 'application/json' } : {}) },
          body: withBody ? Buffer.from('{"a":1}') : undefined,
          chunked: false,
          shape: withBody ? 'json' : 'none',
        },
        pick,
      ),
    );
}

function headers(world: FuzzWorld): fc.Arbitrary<Record<string, string>> {
  return fc
    .record(
      {
        accept: fc.option(fc.constantFrom(...ACCEPTS)),
        authorization: authorization(world),
        'x-request-id': fc.option(fc.constantFrom('fuzz-1', 'x'.repeat(300), '../../x', 'a b')),
      },
      { requiredKeys: [] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string')));
}

/** Now and then: chunked instead of Content-Length, or a gzip/unknown Content-Encoding. */
function finish(request: FuzzRequest, pick: number): FuzzRequest {
  if (!request.body) return request;
  const roll = pick % 40;
  if (roll === 0) return { ...request, chunked: true };
  if (roll === 1) return { ...request, body: gzipSync(request.body), headers: { ...request.headers, 'content-encoding': 'gzip' } };
  if (roll === 2) return { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' } };
  if (roll === 3) return { ...request, headers: { ...request.headers, 'content-encoding': 'x-unknown' } };
  return request;
}

/**
 * A request a well-behaved caller could send: valid path, known query parameters, the declared
 * content type and a body from the schema (which may still break a rule the schema cannot say).
 * These reach the cluster, where hostile requests mostly stop at validation.
 */
function wellFormedRequest(op: Operation, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const path = fc
    .tuple(
      ...pathParams.map((p) =>
        p.name === 'namespace' ? fc.constantFrom(...world.namespaces) : fc.constantFrom(...SEEDED_SECRETS, 'fresh'),
      ),
    )
    .map((values) => pathParams.reduce((template, p, i) => template.replace(`{${p.name}}`, values[i]!), op.template));
  const query = fc
    .subarray(op.parameters.filter((p) => p.in === 'query' && WELL_FORMED_QUERY[p.name]))
    .map((chosen) =>
      chosen.length ? `?${chosen.map((p) => `${p.name}=${encodeURIComponent(WELL_FORMED_QUERY[p.name]!(world))}`).join('&')}` : '',
    );
  const types = Object.keys(op.bodies);
  const body: fc.Arbitrary<Payload> =
    types.length === 0
      ? fc.constant([undefined, 'none', undefined])
      : fc.constantFrom(...types).chain((type): fc.Arbitrary<Payload> => {
          if (type === 'multipart/form-data')
            return multipartBody(wellFormedDockerConfig(world).map(encodeJson), ['valid']).map((m) => [
              m.contentType,
              'multipart:valid',
              m.body,
            ]);
          if (op.id === 'inspectPullSecret') return inspectBody(world, type).map(([shape, b]) => [type, shape, b]);
          const value = op.template.endsWith('/dockerconfig') ? wellFormedDockerConfig(world) : wellFormedBody(op.id, world);
          return value.map((v) => [type, 'well-formed', Buffer.from(encodeJson(v))]);
        });
  const auth: Record<string, string> = world.tokens ? { authorization: `Bearer ${world.tokens.all}` } : {};
  return fc.tuple(path, query, body).map(([p, q, [type, shape, b]]): FuzzRequest => ({
    label: op.id,
    method: op.method,
    path: p + q,
    headers: { accept: 'application/json', ...auth, ...(type ? { 'content-type': type } : {}) },
    body: b,
    chunked: false,
    shape,
  }));
}

const WELL_FORMED_QUERY: Record<string, (world: FuzzWorld) => string> = {
  dryRun: () => 'server',
  appendHash: () => 'true',
  unlink: () => 'true',
  namespaces: (world) => world.namespaces.join(','),
  namespaceSelector: (world) => `${world.label.key}=${world.label.value}`,
};

/** Requests over every operation of the contract (a third well-formed, the rest hostile), and a few off it (docs, metrics, unknown paths, wrong methods). */
export function requestArbitrary(operations: Operation[], world: FuzzWorld, resolve: Resolve): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...operations.map((op) => wellFormedRequest(op, world))) },
    { weight: 13, arbitrary: fc.oneof(...operations.map((op) => contractRequest(op, world, resolve))) },
    { weight: 1, arbitrary: offContractRequest(world) },
  );
}
