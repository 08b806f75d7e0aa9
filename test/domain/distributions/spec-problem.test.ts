import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DistributionSpec } from '../../../src/domain/distributions/distribution.js';
import { MAX_DISTRIBUTION_NAMESPACES } from '../../../src/domain/distributions/distribution-schemas.js';
import { MAX_PODS_REPORTED } from '../../../src/controller/pods-lacking-secret.js';
import { MAX_STATUS_NAMESPACES } from '../../../src/domain/distributions/distribution-ledger.js';
import {
  cloudSourceNameProblem,
  distributionNameProblem,
  MAX_PROBLEM_CHARS,
  specProblem,
  specWithinSchema,
} from '../../../src/domain/distributions/spec-problem.js';
import { labelSelectorSchema, MAX_SERVICE_ACCOUNTS } from '../../../src/domain/pull-secrets/write-schemas.js';
import { preflightFindings } from '../../../scripts/crd-schema.js';
import { DISTRIBUTION_CRD } from '../../support/distribution-crd.js';

type Schema = { [key: string]: unknown; properties?: Record<string, Schema>; items?: Schema };

const crd = parse(readFileSync(DISTRIBUTION_CRD, 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
const specSchema = root.properties!.spec!;
const field = (name: string) => specSchema.properties![name]!;

/** The CRD's spec schema as the API server applies it, in Ajv: list-type set → uniqueItems, RFC 3339 date-time. */
function crdSpecValidator(): ValidateFunction {
  const translate = (schema: Schema): Schema => {
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'x-kubernetes-list-type') out.uniqueItems = value === 'set';
      else if (key === 'properties')
        out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, translate(v)]));
      else if (key === 'items') out.items = translate(value as Schema);
      else if (!key.startsWith('x-kubernetes-') && key !== 'default' && key !== 'description') out[key] = value;
    }
    return out;
  };
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv.compile(translate(specSchema));
}

const valid = (extra: Partial<DistributionSpec> = {}): Record<string, unknown> => ({
  secretName: 'regcred',
  source: { secretName: 'distribution-payments' },
  namespaces: ['team-a'],
  serviceAccounts: [],
  ...extra,
});

describe('specProblem: a stored distribution spec, checked again with the API rules', () => {
  it('when the spec is what the API writes, then there is no problem', () => {
    expect(specProblem(valid())).toBeUndefined();
    expect(specProblem(valid({ namespaces: undefined, namespaceSelector: 'team in (a,b),!legacy' }))).toBeUndefined();
    expect(
      specProblem(
        valid({
          source: { secretName: 'distribution-payments', namespace: 'regcred' },
          excludeNamespaces: ['tmp-*', 'sandbox'],
          serviceAccounts: ['*'],
          expiresAt: '2026-01-31T00:00:00Z',
          verify: 'required',
        }),
      ),
    ).toBeUndefined();
  });

  it("when a rule of today's controller is broken, then it answers as today's controller did", () => {
    expect(specProblem({ ...valid(), source: undefined })).toBe('spec.source.secretName is required');
    expect(specProblem(valid({ source: { secretName: '' } }))).toBe('spec.source.secretName is required');
    expect(specProblem(valid({ namespaces: undefined }))).toBe('give spec.namespaces or spec.namespaceSelector');
    expect(specProblem(valid({ namespaces: [] }))).toBe('give spec.namespaces or spec.namespaceSelector');
    expect(specProblem(valid({ namespaceSelector: 'team in (a' }))).toMatch(/^spec\.namespaceSelector: found .*expected/);
  });

  it('when an empty namespaces list stands beside a selector, then it is accepted (the API asks for one, but it harms nothing)', () => {
    expect(specProblem(valid({ namespaces: [], namespaceSelector: 'team=a' }))).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['not an object', { spec: 'x' }, /^spec: must be an object$/],
    ['source.secretName upper-case', { source: { secretName: 'Payments' } }, /^spec\.source\.secretName: must be a DNS-1123 subdomain/],
    [
      'source.secretName too long',
      { source: { secretName: 'a'.repeat(254) } },
      /^spec\.source\.secretName: must be at most 253 characters$/,
    ],
    ['source.secretName a number', { source: { secretName: 7 } }, /^spec\.source\.secretName: must be a string$/],
    [
      'source.namespace a subdomain',
      { source: { secretName: 's', namespace: 'a.b' } },
      /^spec\.source\.namespace: must be a DNS-1123 label/,
    ],
    ['secretName with "_"', { secretName: 'a_b' }, /^spec\.secretName: must be a DNS-1123 subdomain/],
    [
      '1,001 namespaces',
      { namespaces: Array.from({ length: 1001 }, (_, i) => `ns-${i}`) },
      /^spec\.namespaces: must list at most 1000 namespaces$/,
    ],
    ['an upper-case namespace', { namespaces: ['ok', 'Team-A'] }, /^spec\.namespaces\[1\]: must be a DNS-1123 label/],
    ['a 64-character namespace', { namespaces: ['a'.repeat(64)] }, /^spec\.namespaces\[0\]: must be at most 63 characters$/],
    ['a repeated namespace', { namespaces: ['a', 'a'] }, /^spec\.namespaces\[1\]: duplicate "a"$/],
    ['namespaces a string', { namespaces: 'team-a' }, /^spec\.namespaces: must be a list of namespaces$/],
    ['a namespace that is a number', { namespaces: [1] }, /^spec\.namespaces\[0\]: must be a string$/],
    ['an empty selector', { namespaceSelector: '' }, /^spec\.namespaceSelector: must not be empty$/],
    ['a selector past 1024', { namespaceSelector: `a=${'b'.repeat(1023)}` }, /^spec\.namespaceSelector: must be at most 1024 characters$/],
    ['a bad label key', { namespaceSelector: '-x=1' }, /^spec\.namespaceSelector: invalid label key/],
    [
      '1,001 excludes',
      { excludeNamespaces: Array.from({ length: 1001 }, (_, i) => `x-${i}`) },
      /^spec\.excludeNamespaces: must list at most 1000/,
    ],
    ['an exclude with "?"', { excludeNamespaces: ['tmp-?'] }, /^spec\.excludeNamespaces\[0\]: must be a namespace name or a glob/],
    [
      '51 ServiceAccounts',
      { serviceAccounts: Array.from({ length: 51 }, (_, i) => `sa-${i}`) },
      /^spec\.serviceAccounts: must list at most 50 ServiceAccounts$/,
    ],
    ['"*" beside a name', { serviceAccounts: ['*', 'default'] }, /^spec\.serviceAccounts: "\*" stands for every ServiceAccount/],
    ['a ServiceAccount "**"', { serviceAccounts: ['**'] }, /^spec\.serviceAccounts\[0\]: must be a DNS-1123 subdomain/],
    ['expiresAt not a date', { expiresAt: 'tomorrow' }, /^spec\.expiresAt: must be an RFC 3339 date-time/],
    ['verify other than required', { verify: 'always' }, /^spec\.verify: must be "required" when given$/],
  ])('when %s, then the problem names the field and the rule', (_title, change, expected) => {
    const spec = 'spec' in change ? change.spec : { ...valid(), ...change };
    expect(specProblem(spec)).toMatch(expected);
  });

  it('when the spec is hostile (20,000 namespaces × 20,000 globs), then the size rule answers before any glob is read', () => {
    const namespaces = Array.from({ length: 20_000 }, (_, i) => `ns-${i}`);
    const excludeNamespaces = Array.from({ length: 20_000 }, (_, i) => `*-${i}-*-*-*`);
    expect(specProblem(valid({ namespaces, excludeNamespaces }))).toBe('spec.namespaces: must list at most 1000 namespaces');
  });

  it('when the spec is the largest legal one, then it passes', () => {
    const spec = valid({
      namespaces: Array.from({ length: 1000 }, (_, i) => `team-${i}-${'x'.repeat(50)}`),
      excludeNamespaces: Array.from({ length: 1000 }, (_, i) => `*-${i}-*-${'y'.repeat(40)}*`),
      serviceAccounts: Array.from({ length: 50 }, (_, i) => `sa-${i}.${'z'.repeat(200)}`),
      namespaceSelector: Array.from({ length: 60 }, (_, i) => `k${i}=v`).join(','),
    });
    expect(specProblem(spec)).toBeUndefined();
  });

  it('when a stored value is long, then the problem quotes a bounded piece of it, never the whole', () => {
    const junk = `${'Q'.repeat(900)}(${'W'.repeat(100)}`;
    for (const spec of [
      valid({ namespaceSelector: junk }),
      valid({ namespaces: ['a', `X${'y'.repeat(61)}`, 'a'] }),
      valid({ source: { secretName: 'S'.repeat(253) } }),
      valid({ namespaces: ['a'.repeat(100_000)] }),
      valid({ serviceAccounts: [`${'d'.repeat(250)}`, `${'d'.repeat(250)}`] }),
    ]) {
      const problem = specProblem(spec)!;
      expect(problem.length).toBeLessThanOrEqual(MAX_PROBLEM_CHARS);
      expect(problem).not.toMatch(/(.)\1{45}/);
    }
  });
});

describe('distributionNameProblem', () => {
  it('when the name is a DNS-1123 label, then there is none; otherwise it names metadata.name', () => {
    expect(distributionNameProblem('payments')).toBeUndefined();
    expect(distributionNameProblem('team.payments')).toMatch(/^metadata\.name: must be a DNS-1123 label/);
    expect(distributionNameProblem('a'.repeat(64))).toMatch(/^metadata\.name: must be at most 63 characters/);
  });
});

describe('the CRD carries the API limits (deploy/base/crd-pullsecretdistribution.yaml)', () => {
  const crdAccepts = crdSpecValidator();

  it('when the limits are read from the CRD, then they are the API ones and the controller caps of its status', () => {
    expect(field('namespaces')).toMatchObject({ maxItems: MAX_DISTRIBUTION_NAMESPACES, 'x-kubernetes-list-type': 'set' });
    expect(field('namespaces').items).toMatchObject({ maxLength: 63 });
    expect(field('excludeNamespaces')).toMatchObject({ maxItems: MAX_DISTRIBUTION_NAMESPACES, 'x-kubernetes-list-type': 'set' });
    expect(field('serviceAccounts')).toMatchObject({ maxItems: MAX_SERVICE_ACCOUNTS, 'x-kubernetes-list-type': 'set' });
    expect(field('namespaceSelector')).toMatchObject({
      minLength: labelSelectorSchema.minLength,
      maxLength: labelSelectorSchema.maxLength,
    });
    const status = root.properties!.status!.properties!;
    // A cap below what the controller writes would make every status write of a large distribution fail.
    expect(status.namespaces).toMatchObject({ maxItems: MAX_STATUS_NAMESPACES });
    expect(status.podsLackingSecret).toMatchObject({ maxItems: MAX_PODS_REPORTED });
    // Names stay unconstrained: an object stored under a longer name could never lose its finalizer.
    expect(root.properties!.metadata).toEqual({ type: 'object' });
  });

  const name = fc.oneof(
    fc.constantFrom('team-a', 'a', 'Team-A', 'a.b', '-a', 'a-', '*', '**', 'tmp-*', 'a_b', '', 'é', 'a'.repeat(63), 'b'.repeat(64)),
    fc.stringMatching(/^[a-z0-9*.A-Z_-]{0,70}$/),
  );
  const names = (max: number) => fc.array(name, { maxLength: max });
  const specs = fc.record(
    {
      secretName: name,
      source: fc.record({ secretName: name, namespace: name }, { requiredKeys: ['secretName'] }),
      namespaces: names(4),
      namespaceSelector: fc.constantFrom('team=a', 'a in (b', '', '!x', 'x', 'A=b'),
      excludeNamespaces: names(4),
      serviceAccounts: names(3),
      verify: fc.constantFrom('required', 'always'),
    },
    { requiredKeys: ['source'] },
  );

  it('when the CRD refuses a spec, then specProblem refuses it too; where only specProblem does, it is a rule the schema cannot express', () => {
    // What a structural schema without CEL cannot say: "*" alone, a selector that parses, some target.
    const controllerOnly = /^(spec\.serviceAccounts: "\*" stands|spec\.namespaceSelector: (?!must)|give spec\.namespaces)/;
    fc.assert(
      fc.property(specs, (spec) => {
        const problem = specProblem(spec);
        if (!crdAccepts(spec)) expect(problem).toBeDefined();
        else if (problem) expect(problem).toMatch(controllerOnly);
      }),
      { numRuns: 2000, seed: 16 },
    );
  });

  it('when the lists are at and just past their limits, then the CRD and specProblem agree', () => {
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    for (const [n, ok] of [
      [MAX_DISTRIBUTION_NAMESPACES, true],
      [MAX_DISTRIBUTION_NAMESPACES + 1, false],
    ] as const) {
      for (const spec of [valid({ namespaces: many(n, 'ns') }), valid({ excludeNamespaces: many(n, 'x') })]) {
        expect(crdAccepts(spec)).toBe(ok);
        expect(specProblem(spec) === undefined).toBe(ok);
      }
    }
    for (const [n, ok] of [
      [MAX_SERVICE_ACCOUNTS, true],
      [MAX_SERVICE_ACCOUNTS + 1, false],
    ] as const) {
      const spec = valid({ serviceAccounts: many(n, 'sa') });
      expect(crdAccepts(spec)).toBe(ok);
      expect(specProblem(spec) === undefined).toBe(ok);
    }
  });

  it('when a deleted object breaks the schema, then specWithinSchema gives a spec the CRD accepts, keeping the valid fields', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const trimmed = specWithinSchema(spec as unknown as DistributionSpec);
        expect(crdAccepts(trimmed)).toBe(true);
        if (!specProblem(spec)) expect(trimmed).toBe(spec);
      }),
      { numRuns: 1000, seed: 17 },
    );
    const trimmed = specWithinSchema(
      valid({
        namespaces: Array.from({ length: 1500 }, (_, i) => `ns-${i}`),
        source: { secretName: 'src', namespace: 'regcred' },
      }) as never,
    );
    expect(trimmed).toEqual({ secretName: 'regcred', source: { secretName: 'src', namespace: 'regcred' }, serviceAccounts: [] });
  });
});

const ECR = { region: 'eu-central-1', registryIds: ['123456789012'] };
const cloud = (source: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  valid({ source: { secretName: 'distribution-payments', ...source } as never, ...extra });

describe('specProblem: a cloud source', () => {
  it('when each provider is given within its limits, then there is no problem', () => {
    for (const region of ['us-east-1', 'cn-north-1', 'us-gov-west-1', 'eu-central-2', 'ap-southeast-5', 'us-isob-east-1']) {
      expect(specProblem(cloud({ ecr: { ...ECR, region } }))).toBeUndefined();
    }
    const roles = [
      'arn:aws:iam::123456789012:role/regcred-pull',
      'arn:aws-cn:iam::123456789012:role/team/payments/regcred',
      'arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g_h',
    ];
    for (const roleArn of roles) {
      const ecr = { ...ECR, registryIds: ['123456789012', '210987654321'], roleArn, externalId: 'tenant:42/a', fips: true };
      expect(specProblem(cloud({ ecr }))).toBeUndefined();
    }
    expect(specProblem(cloud({ googleArtifactRegistry: { hosts: ['europe-west1-docker.pkg.dev', 'gcr.io'] } }))).toBeUndefined();
    expect(specProblem(cloud({ acr: { hosts: ['payments.azurecr.io', 'mirror.internal:5000'] } }))).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'two providers',
      { ecr: ECR, acr: { hosts: ['a.azurecr.io'] } },
      /^spec\.source: give at most one of ecr, googleArtifactRegistry, acr/,
    ],
    ['ecr a string', { ecr: 'eu-central-1' }, /^spec\.source\.ecr: must be an object$/],
    ['ecr without region', { ecr: { registryIds: ['123456789012'] } }, /^spec\.source\.ecr\.region: is required$/],
    ['ecr without registryIds', { ecr: { region: 'eu-central-1' } }, /^spec\.source\.ecr\.registryIds: is required$/],
    ['ecr with an unknown field', { ecr: { ...ECR, profile: 'x' } }, /^spec\.source\.ecr: .*profile/],
    ['a region not AWS-like', { ecr: { ...ECR, region: 'Europe' } }, /^spec\.source\.ecr\.region: must be an AWS region/],
    ['a 33-character region', { ecr: { ...ECR, region: 'a'.repeat(33) } }, /^spec\.source\.ecr\.region: must be at most 32 characters$/],
    ['no registry ID', { ecr: { ...ECR, registryIds: [] } }, /^spec\.source\.ecr\.registryIds: must list at least one/],
    [
      '11 registry IDs',
      { ecr: { ...ECR, registryIds: Array.from({ length: 11 }, (_, i) => `1234567890${10 + i}`) } },
      /^spec\.source\.ecr\.registryIds: must list at most 10 registry IDs$/,
    ],
    [
      'an 11-digit account',
      { ecr: { ...ECR, registryIds: ['12345678901'] } },
      /^spec\.source\.ecr\.registryIds\[0\]: must be an AWS account ID/,
    ],
    [
      'a repeated account',
      { ecr: { ...ECR, registryIds: ['123456789012', '123456789012'] } },
      /^spec\.source\.ecr\.registryIds\[1\]: duplicate "123456789012"$/,
    ],
    [
      'a role of another partition',
      { ecr: { ...ECR, roleArn: 'arn:aws-iso:iam::123456789012:role/x' } },
      /^spec\.source\.ecr\.roleArn: must be an IAM role ARN/,
    ],
    [
      'a user, not a role',
      { ecr: { ...ECR, roleArn: 'arn:aws:iam::123456789012:user/x' } },
      /^spec\.source\.ecr\.roleArn: must be an IAM role ARN/,
    ],
    [
      'a role past 2048',
      { ecr: { ...ECR, roleArn: `arn:aws:iam::123456789012:role/${'p/'.repeat(1100)}x` } },
      /^spec\.source\.ecr\.roleArn: must be at most 2048 characters$/,
    ],
    ['a one-character external ID', { ecr: { ...ECR, externalId: 'x' } }, /^spec\.source\.ecr\.externalId: must be at least 2 characters$/],
    ['an external ID with a space', { ecr: { ...ECR, externalId: 'a b' } }, /^spec\.source\.ecr\.externalId: must consist of/],
    ['fips a string', { ecr: { ...ECR, fips: 'yes' } }, /^spec\.source\.ecr\.fips: must be true or false$/],
    ['no host', { googleArtifactRegistry: { hosts: [] } }, /^spec\.source\.googleArtifactRegistry\.hosts: must list at least one host$/],
    [
      'a host with a scheme',
      { acr: { hosts: ['https://a.azurecr.io'] } },
      /^spec\.source\.acr\.hosts\[0\]: must be a lower-case host or host:port/,
    ],
    ['a host with a path', { acr: { hosts: ['a.azurecr.io/v2'] } }, /^spec\.source\.acr\.hosts\[0\]: must be a lower-case host/],
    [
      'an upper-case host',
      { googleArtifactRegistry: { hosts: ['GCR.io'] } },
      /^spec\.source\.googleArtifactRegistry\.hosts\[0\]: must be a lower-case/,
    ],
    [
      'a repeated host',
      { acr: { hosts: ['a.azurecr.io', 'a.azurecr.io'] } },
      /^spec\.source\.acr\.hosts\[1\]: duplicate "a\.azurecr\.io"$/,
    ],
    [
      '11 hosts',
      { acr: { hosts: Array.from({ length: 11 }, (_, i) => `r${i}.azurecr.io`) } },
      /^spec\.source\.acr\.hosts: must list at most 10 hosts$/,
    ],
    [
      'a 254-character host',
      { acr: { hosts: [`${'a.'.repeat(126)}io`] } },
      /^spec\.source\.acr\.hosts\[0\]: must be at most 253 characters$/,
    ],
  ])('when %s, then the problem names the field and the rule', (_title, source, expected) => {
    expect(specProblem(cloud(source))).toMatch(expected);
  });

  it('when a cloud source is hostile (20,000 accounts of 100,000 characters), then the size rule answers before any is read', () => {
    const registryIds = Array.from({ length: 20_000 }, () => '1'.repeat(100_000));
    expect(specProblem(cloud({ ecr: { ...ECR, registryIds } }))).toBe('spec.source.ecr.registryIds: must list at most 10 registry IDs');
    const hosts = Array.from({ length: 20_000 }, (_, i) => `${'h'.repeat(1000)}${i}`);
    expect(specProblem(cloud({ acr: { hosts } }))).toBe('spec.source.acr.hosts: must list at most 10 hosts');
  });
});

describe('cloudSourceNameProblem', () => {
  const spec = (source: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    cloud(source, extra) as unknown as DistributionSpec;

  it('when a cloud source names distribution-<name>, then there is none; without a cloud source, any name is the spec rules’ business', () => {
    expect(cloudSourceNameProblem('payments', spec({ ecr: ECR }))).toBeUndefined();
    expect(cloudSourceNameProblem('other', valid() as unknown as DistributionSpec)).toBeUndefined();
  });

  it('when a cloud source names any other Secret, then it is refused, naming the one it must be', () => {
    const problem = cloudSourceNameProblem('payments', spec({ secretName: 'regcred-tls', acr: { hosts: ['a.azurecr.io'] } }));
    expect(problem).toMatch(/^spec\.source\.secretName must be "distribution-payments" with spec\.source\.acr/);
    expect(cloudSourceNameProblem('billing', spec({ googleArtifactRegistry: { hosts: ['gcr.io'] } }))).toMatch(
      /must be "distribution-billing"/,
    );
    const long = cloudSourceNameProblem('x'.repeat(253), spec({ ecr: ECR }))!;
    expect(long.length).toBeLessThanOrEqual(MAX_PROBLEM_CHARS);
  });

  it('when a cloud source comes with expiresAt or verify, then it is refused: the token has its own expiry and comes from the registry cloud', () => {
    expect(cloudSourceNameProblem('payments', spec({ ecr: ECR }, { expiresAt: '2030-01-01T00:00:00Z' }))).toMatch(
      /^spec\.expiresAt must not be given with spec\.source\.ecr/,
    );
    expect(cloudSourceNameProblem('payments', spec({ ecr: ECR }, { verify: 'required' }))).toMatch(/^spec\.verify must not be given/);
  });
});

describe('the CRD carries the cloud source limits', () => {
  const crdAccepts = crdSpecValidator();

  it('when cloud sources are at and past their limits, then the CRD and specProblem agree', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
    const hosts = (n: number) => Array.from({ length: n }, (_, i) => `r${i}.azurecr.io`);
    const cases: [Record<string, unknown>, boolean][] = [
      [{ ecr: { ...ECR, registryIds: ids(10) } }, true],
      [{ ecr: { ...ECR, registryIds: ids(11) } }, false],
      [{ ecr: { ...ECR, registryIds: [] } }, false],
      [{ ecr: { ...ECR, registryIds: ['1', '1'] } }, false],
      [{ ecr: { region: 'eu-central-1' } }, false],
      [
        { ecr: { ...ECR, region: 'us-gov-west-1', roleArn: 'arn:aws-us-gov:iam::123456789012:role/x', externalId: 'ab', fips: false } },
        true,
      ],
      [{ ecr: { ...ECR, roleArn: 'arn:aws:iam::123456789012:role/' } }, false],
      [{ ecr: { ...ECR, externalId: 'x'.repeat(1225) } }, false],
      [{ ecr: { ...ECR, fips: 'true' } }, false],
      [{ acr: { hosts: hosts(10) } }, true],
      [{ acr: { hosts: hosts(11) } }, false],
      [{ googleArtifactRegistry: { hosts: ['gcr.io:443'] } }, true],
      [{ googleArtifactRegistry: { hosts: ['gcr.io/x'] } }, false],
      [{ googleArtifactRegistry: {} }, false],
    ];
    for (const [source, ok] of cases) {
      expect([source, crdAccepts(cloud(source))]).toEqual([source, ok]);
      expect([source, specProblem(cloud(source)) === undefined]).toEqual([source, ok]);
    }
  });

  it('when a deleted object breaks the schema, then specWithinSchema keeps a valid cloud source and drops an invalid one whole', () => {
    const tooMany = Array.from({ length: 1500 }, (_, i) => `ns-${i}`);
    const kept = specWithinSchema(cloud({ ecr: ECR }, { namespaces: tooMany }) as never);
    expect(kept.source).toEqual({ secretName: 'distribution-payments', ecr: ECR });
    expect(crdAccepts(kept)).toBe(true);
    const dropped = specWithinSchema(cloud({ acr: { hosts: ['A.azurecr.io'] } }) as never);
    expect(dropped.source).toEqual({ secretName: 'distribution-payments' });
    expect(crdAccepts(dropped)).toBe(true);
  });
});

describe('the CRD preflight and cloud sources (scripts/crd-schema.ts)', () => {
  const object = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });

  it('when a stored cloud source points at another Secret, then the preflight lists it as refused; a valid one and an over-limit one as today', () => {
    const findings = preflightFindings([
      object('payments', cloud({ ecr: ECR })),
      object('billing', cloud({ ecr: ECR })),
      object('huge', cloud({ acr: { hosts: Array.from({ length: 11 }, (_, i) => `r${i}.azurecr.io`) } })),
    ]);
    expect(findings).toEqual([
      {
        name: 'billing',
        verdict: 'refused',
        problems: [expect.stringMatching(/^spec\.source\.secretName must be "distribution-billing"/)],
      },
      { name: 'huge', verdict: 'blocks', problems: [expect.stringMatching(/hosts/)] },
    ]);
  });
});
