import fc from 'fast-check';
import { Entries, Raw, deepNesting } from './json-text.js';
import { SEEDED_SECRETS, basicAuth, isSecretField, type FuzzWorld } from './world.js';

export type Schema = Record<string, unknown>;
export type Resolve = (schema: Schema) => Schema;

const SERVERS = [
  'registry.example.com',
  'https://index.docker.io/v1/',
  'ghcr.io',
  'localhost:5000',
  'https://reg.example.com:8443/v2/',
  '*.example.com',
  '[::1]:5000',
  'HTTPS://REG.EXAMPLE.COM',
];
const IMAGES = [
  'nginx',
  'registry.example.com/team/app:1.0',
  'ghcr.io/o/r@sha256:' + 'a'.repeat(64),
  'localhost:5000/x',
  'UPPER/case',
  'a//b',
  ':tag',
  '@sha256:zz',
];
const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  '\u202e\u0301',
  '\ud800',
  '😀'.repeat(50),
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '<script>x</script>',
  "'; DROP TABLE x;--",
  '__proto__',
  'constructor',
  'NaN',
  '\r\n\r\nX: y',
  '%00%ZZ',
];

/** A string for a secret field: always carries the canary. */
function secretString(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(world.canary) },
    { weight: 2, arbitrary: fc.string({ maxLength: 20, unit: 'grapheme' }).map((s) => `${s}${world.canary}${s}`) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_TEXT).map((s) => `${world.canary}${s}`) },
    { weight: 1, arbitrary: fc.constant(`${world.canary}${'p'.repeat(70_000)}`) },
  );
}

/** A string for any other field: never the canary. */
export function plainString(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: 'grapheme' }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
    { weight: 1, arbitrary: fc.integer({ min: 256, max: 70_000 }).map((n) => 'x'.repeat(n)) },
  );
}

/** A hostile replacement for a value: wrong types, extremes, deep nesting; secret fields keep the canary. */
export function hostileValue(world: FuzzWorld, secret: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: secret ? secretString(world) : plainString() },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        null,
        true,
        false,
        0,
        -1,
        1.5,
        1e308,
        [],
        new Entries([]),
        ['a'],
        new Raw('1e999'),
        new Raw('-0'),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(50, 2_000, 20_000).chain((d) => fc.constantFrom(deepNesting(d, 'array'), deepNesting(d, 'object'))),
    },
    { weight: 1, arbitrary: fc.array(fc.constant(secret ? world.canary : 'x'), { maxLength: 2_000 }) },
    {
      weight: 1,
      arbitrary: fc.constant(
        new Entries([
          ['__proto__', new Entries([['polluted', true]])],
          ['constructor', new Entries([['prototype', 1]])],
        ]),
      ),
    },
  );
}

/** A Docker config.json: auths with every secret field carrying the canary, plus extras Docker writes. */
export function dockerConfig(world: FuzzWorld): fc.Arbitrary<Entries> {
  const entry = fc
    .record(
      {
        auth: fc.constantFrom(basicAuth(world), world.canary, `${basicAuth(world)}==`),
        username: fc.constantFrom('janedoe', 'a:b', ''),
        password: fc.constant(world.canary),
        identitytoken: fc.constant(world.canary),
        registrytoken: fc.constant(world.canary),
        email: fc.constantFrom('jane@example.com', ''),
      },
      { requiredKeys: [] },
    )
    .map((e) => new Entries(Object.entries(e)));
  const server = fc.oneof(
    fc.constantFrom(...SERVERS),
    fc.constant(`https://janedoe:${world.canary}@reg.example.com`),
    fc.string({ maxLength: 20 }),
  );
  return fc
    .record(
      {
        auths: fc.array(fc.tuple(server, entry), { maxLength: 4 }).map((pairs) => new Entries(pairs)),
        credsStore: fc.constant('desktop'),
        HttpHeaders: fc.constant(new Entries([['X-Token', world.canary]])),
        credHelpers: fc.constant(new Entries([['gcr.io', 'gcloud']])),
      },
      { requiredKeys: ['auths'] },
    )
    .map((c) => new Entries(Object.entries(c)));
}

function namespaceSelector(world: FuzzWorld): fc.Arbitrary<string> {
  const own = `${world.label.key}=${world.label.value}`;
  return fc.oneof(
    fc.constantFrom(own, `${own},team!=x`, `${own},!legacy`, `${own},env in (prod,staging)`),
    // Unparsable: refused before any namespace is listed.
    fc.constantFrom('!!', 'a in (', '=', 'a==b==c', `${own},`, 'x'.repeat(2000), 'é=1'),
  );
}

/**
 * Values that follow a request schema, with the names that matter steered to this run's world:
 * namespaces and selectors never reach beyond its own namespaces, secret fields carry the canary.
 */
export function fromSchema(schema: Schema, world: FuzzWorld, resolve: Resolve, field?: string): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (isSecretField(field) && s.type === 'string') return secretString(world);
  switch (field) {
    case 'namespaces':
      return fc.array(fc.constantFrom(...world.namespaces, 'fuzz-missing-ns'), { minLength: 1, maxLength: 4 });
    case 'namespaceSelector':
      return namespaceSelector(world);
    case 'name':
    case 'serviceAccount':
      if (s.type === 'string') return fc.constantFrom(...SEEDED_SECRETS, 'fresh', 'default', 'missing-x');
      break;
    case 'server':
      return fc.oneof(fc.constantFrom(...SERVERS), fc.stringMatching(new RegExp(String(s.pattern))));
    case 'dockerconfigjson':
      return dockerConfig(world);
    // Mostly values a caller would send, so that writes reach the cluster; the schema's own space now and then.
    case 'username':
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('janedoe', 'jane.doe@example.com', 'robot$ci+bot', 'ключ') },
        { weight: 1, arbitrary: fc.stringMatching(new RegExp(String(s.pattern))) },
      );
    case 'email':
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('jane@example.com', '') },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      );
    case 'repository':
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('janedoe/app', 'library/nginx:1.27') },
        { weight: 1, arbitrary: fc.constantFrom('UPPER/x', 'a'.repeat(300)) },
      );
    case 'labels':
    case 'annotations': {
      const keys = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('team', 'app.kubernetes.io/name', 'example.com/owner') },
        { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
      );
      const values = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('payments', 'x', '') }, { weight: 1, arbitrary: plainString() });
      return fc.array(fc.tuple(keys, values), { maxLength: 3 }).map((pairs) => new Entries(pairs));
    }
  }
  if (field === 'images' || field === 'image')
    return fc.array(fc.oneof(fc.constantFrom(...IMAGES), fc.string({ minLength: 1, maxLength: 40 })), { minLength: 1, maxLength: 5 });
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  switch (s.type) {
    case 'string':
      if (typeof s.pattern === 'string')
        return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= Number(s.maxLength ?? Infinity));
      return fc.string({ minLength: Number(s.minLength ?? 0), maxLength: Math.min(Number(s.maxLength ?? 40), 40) });
    case 'integer':
      return fc.integer({ min: Number(s.minimum ?? -1000), max: Number(s.maximum ?? 1000) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = fromSchema(
        (s.items ?? {}) as Schema,
        world,
        resolve,
        field === 'secrets' || field === 'serviceAccounts' ? 'name' : undefined,
      );
      return fc.array(items, { minLength: Number(s.minItems ?? 0), maxLength: Math.min(Number(s.maxItems ?? 4), 4) });
    }
    case 'object':
      return objectFromSchema(s, world, resolve);
  }
  return fc.jsonValue({ maxDepth: 2 });
}

function objectFromSchema(s: Schema, world: FuzzWorld, resolve: Resolve): fc.Arbitrary<Entries> {
  const properties = (s.properties ?? {}) as Record<string, Schema>;
  const keys = Object.keys(properties);
  if (keys.length === 0) {
    const values =
      typeof s.additionalProperties === 'object' ? fromSchema(s.additionalProperties as Schema, world, resolve) : plainString();
    return fc.array(fc.tuple(fc.string({ maxLength: 20 }), values), { maxLength: 3 }).map((pairs) => new Entries(pairs));
  }
  const requiredKeys = ((s.required ?? []) as string[]).filter((k) => keys.includes(k));
  const shape = (omitted: string[]) => {
    const kept = keys.filter((k) => !omitted.includes(k));
    const record = Object.fromEntries(kept.map((k) => [k, fromSchema(properties[k]!, world, resolve, k)]));
    return fc.record(record, { requiredKeys: requiredKeys.filter((k) => kept.includes(k)) }).map((r) => new Entries(Object.entries(r)));
  };
  // Credentials come either as one registry's fields or as `registries`; both at once is one refusal, so mostly one or the other.
  if (keys.includes('registries') && keys.includes('password')) {
    return fc.oneof(
      { weight: 4, arbitrary: shape(['registries']) },
      { weight: 2, arbitrary: shape(SINGLE_REGISTRY_FIELDS) },
      { weight: 1, arbitrary: shape([]) },
    );
  }
  return shape([]);
}

const SINGLE_REGISTRY_FIELDS = ['server', 'username', 'password', 'email', 'repository'];

/** One top-level change to a valid body: a field of the wrong kind, an extra or duplicated key, a missing one. */
export function mutateBody(body: fc.Arbitrary<unknown>, world: FuzzWorld): fc.Arbitrary<unknown> {
  const unknownKey = fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'pasword',
    '',
    'toString',
    'x'.repeat(1000),
    'ключ',
    '\u0000',
  );
  return fc
    .tuple(
      body,
      fc.nat(),
      fc.constantFrom('retype', 'extra', 'duplicate', 'drop'),
      hostileValue(world, true),
      hostileValue(world, false),
      unknownKey,
    )
    .map(([value, pick, how, secretValue, plainValue, extraKey]) => {
      if (!(value instanceof Entries) || value.entries.length === 0) return how === 'extra' ? new Entries([[extraKey, plainValue]]) : value;
      const entries = [...value.entries];
      const i = pick % entries.length;
      const [key] = entries[i]!;
      const replacement = isSecretField(key) ? secretValue : plainValue;
      if (how === 'retype') entries[i] = [key, replacement];
      if (how === 'extra') entries.push([extraKey, plainValue]);
      if (how === 'duplicate') entries.push([key, replacement]);
      if (how === 'drop') entries.splice(i, 1);
      return new Entries(entries);
    });
}

const VALID_SERVERS = ['registry.example.com', 'https://index.docker.io/v1/', 'ghcr.io', 'localhost:5000', 'reg.example.com:8443'];

/** Bodies a careful caller sends, per operation: what reaches the cluster and the kubelet matcher. */
export function wellFormedBody(operationId: string, world: FuzzWorld): fc.Arbitrary<Entries> {
  const registry = (server: string) =>
    new Entries([
      ['server', server],
      ['username', 'janedoe'],
      ['password', world.canary],
      ['email', 'jane@example.com'],
    ]);
  const servers = fc.uniqueArray(fc.constantFrom(...VALID_SERVERS), { minLength: 1, maxLength: 3 });
  const credentials = fc.oneof(
    fc.constantFrom(...VALID_SERVERS).map((server) => registry(server).entries),
    servers.map((list): [string, unknown][] => [['registries', list.map(registry)]]),
  );
  const extras = fc.constantFrom<[string, unknown][]>(
    [],
    [['labels', new Entries([['team', 'payments']])]],
    [['annotations', new Entries([['example.com/owner', 'x']])]],
  );
  const images = fc.uniqueArray(
    fc.constantFrom(...VALID_SERVERS.map((s) => `${s.replace(/^https:\/\/|\/v1\/$/g, '')}/team/app:1.0`), 'nginx'),
    { minLength: 1, maxLength: 4 },
  );
  switch (operationId) {
    case 'createPullSecret':
      return fc
        .tuple(fc.constantFrom(...SEEDED_SECRETS, 'fresh', 'posted'), credentials, extras)
        .map(([name, c, e]) => new Entries([['name', name], ...c, ...e]));
    case 'mergePullSecret':
      return fc.tuple(servers, fc.subarray(VALID_SERVERS)).map(
        ([upsert, remove]) =>
          new Entries([
            ['upsert', upsert.map(registry)],
            ['remove', remove.filter((r) => !upsert.includes(r))],
          ]),
      );
    case 'applyPullSecretToNamespaces':
      return fc
        .tuple(credentials, fc.boolean())
        .map(
          ([c, bySelector]) =>
            new Entries([
              ...c,
              bySelector ? ['namespaceSelector', `${world.label.key}=${world.label.value}`] : ['namespaces', world.namespaces],
            ]),
        );
    case 'matchImages':
      return fc.tuple(images, credentials).map(([i, c]) => new Entries([['images', i], ...c]));
    case 'matchImagesInNamespace':
      return fc.tuple(images, fc.subarray(SEEDED_SECRETS)).map(
        ([i, secrets]) =>
          new Entries(
            secrets.length
              ? [
                  ['images', i],
                  ['secrets', secrets],
                ]
              : [['images', i]],
          ),
      );
    case 'verifyCredentials':
    case 'renderPullSecret':
      return credentials.map((c) => new Entries(c));
    default:
      return fc.tuple(credentials, extras).map(([c, e]) => new Entries([...c, ...e]));
  }
}

/** A config.json as `docker login` writes it. */
export function wellFormedDockerConfig(world: FuzzWorld): fc.Arbitrary<Entries> {
  return fc
    .uniqueArray(fc.constantFrom(...VALID_SERVERS), { minLength: 1, maxLength: 3 })
    .map((servers) => new Entries([['auths', new Entries(servers.map((s) => [s, new Entries([['auth', basicAuth(world)]])]))]]));
}
