import fc from 'fast-check';

// Hostile PullSecretDistribution objects, as anyone with `create` on the CRD could `kubectl apply`
// them: odd types, lists at and past the limits, selectors that almost parse, unicode, other
// distributions' sources, kube-system, regcred's own namespace, forged claims and finalizers.
// No vitest here: the bench (bench/lib/distribution-fuzz.ts) sends the same objects.

/** What the objects aim at; each canary may be found only where `allowed` says. */
export interface DistributionFuzzWorld {
  /** The controller's own namespace (its sources live there). */
  own: string;
  /** A namespace named as another installation's: it holds a decoy source of the victim's name. */
  otherInstallation: string;
  /** Namespaces labelled `team=<teamLabel>`; the victim's namespace carries the label too. */
  teams: string[];
  teamLabel: string;
  /** A legitimate distribution, its source, and the one namespace its copy may be in. */
  victim: { name: string; source: string; namespace: string; secretName: string };
  /** A pull secret in `own` that is nobody's source (no label). */
  plainSource: string;
  /** A pull secret in kube-system. */
  kubeSystemSecret: string;
  /**
   * The passwords planted in each of those Secrets, and the only Secrets (`namespace/name`) each may
   * ever be found in; outside `own`, only in a copy the `copiedBy` distribution writes.
   */
  canaries: { text: string; allowed: string[]; copiedBy?: string }[];
}

export function distributionFuzzWorld(own: string, seed: number): DistributionFuzzWorld {
  const tag = seed.toString(36);
  const victim = { name: 'victim', source: 'distribution-victim', namespace: 'victim-team', secretName: 'regcred' };
  return {
    own,
    otherInstallation: 'regcred-other',
    teams: ['fuzz-a', 'fuzz-b'],
    teamLabel: `fuzz-${tag}`,
    victim,
    plainSource: 'plain-creds',
    kubeSystemSecret: 'kube-creds',
    canaries: [
      {
        text: `VICTIM-${tag}-Zq9`,
        allowed: [`${own}/${victim.source}`, `${victim.namespace}/${victim.secretName}`],
        copiedBy: victim.name,
      },
      { text: `PLAIN-${tag}-Zq9`, allowed: [`${own}/plain-creds`] },
      { text: `KUBE-${tag}-Zq9`, allowed: ['kube-system/kube-creds'] },
      { text: `OTHER-${tag}-Zq9`, allowed: [`regcred-other/${victim.source}`] },
    ],
  };
}

/** One step of a run: an object sent as it is, then perhaps its spec replaced, or the object deleted. */
export interface HostileObject {
  body: Record<string, unknown>;
  then: { kind: 'keep' } | { kind: 'delete' } | { kind: 'replace-spec'; spec: unknown };
}

const lists = new Map<string, string[]>();
/** Built once per size and shape: 20,000-entry lists for every object would take the generator seconds. */
const many = (n: number, prefix: string) => {
  const key = `${prefix}:${n}`;
  let built = lists.get(key);
  if (!built) lists.set(key, (built = Array.from({ length: n }, (_, i) => `${prefix}-${i}${prefix.startsWith('*') ? '-*-*-*' : ''}`)));
  return built;
};
const ODD = [null, 5, true, 'team-a', { a: 1 }, [1, 2], [null], -1.5];

/** Mostly a value of the right type (what the previous CRD stored: hostile, but typed), sometimes anything. */
const typed = <T>(values: fc.Arbitrary<T>, odd: unknown[] = ODD): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 12, arbitrary: values }, { weight: 1, arbitrary: fc.constantFrom(...odd) });

function namespaceName(w: DistributionFuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...w.teams, w.victim.namespace, 'kube-system', w.own, w.otherInstallation, 'default') },
    {
      weight: 3,
      arbitrary: fc.constantFrom('does-not-exist', 'Upper', 'a'.repeat(63), 'ñame', 'tëam', '', ' ', 'a b', '\u0000', '😀', '-a', 'a.b'),
    },
    { weight: 1, arbitrary: fc.constantFrom('a'.repeat(64)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 63, unit: 'grapheme' }) },
  );
}

function glob(w: DistributionFuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    namespaceName(w),
    fc.constantFrom('*', '*'.repeat(63), 'a*'.repeat(31), 'kube-*', '*-system', `*${w.own.slice(1, -1)}*`, 'fuzz-?', '**a**b**c**d**e**f'),
  );
}

/** A few entries, or a list at, just past or far past the limit (the incident: 20,000 × 20,000), or a repeat. */
function list(item: fc.Arbitrary<string>, limit: number, prefix: string): fc.Arbitrary<unknown> {
  return typed(
    fc.oneof(
      { weight: 12, arbitrary: fc.array(item, { maxLength: 6 }) },
      { weight: 1, arbitrary: fc.constant(many(limit, prefix)) },
      { weight: 1, arbitrary: fc.constant(many(limit + 1, prefix)) },
      { weight: 1, arbitrary: fc.constant(many(20 * limit, prefix)) },
      { weight: 1, arbitrary: fc.constant([...many(limit - 1, prefix), `${prefix}-0`]) },
    ),
  );
}

function selector(w: DistributionFuzzWorld): fc.Arbitrary<unknown> {
  const label = `team=${w.teamLabel}`;
  return typed(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.constantFrom(
          label,
          `${label},`,
          `team in (${w.teamLabel}`,
          `team in (${w.teamLabel})`,
          `team notin (${w.teamLabel})`,
          'kubernetes.io/metadata.name=kube-system',
          '!team',
          'team',
          'team notin ()',
          '',
          '(',
          '=',
          'x>1',
          'x<a',
          `team==${w.teamLabel}`,
          ` team = ${w.teamLabel} `,
          'tëam=x',
          `team=${'x'.repeat(64)}`,
          `${label},`.repeat(120),
          'a'.repeat(1025),
          `${'a'.repeat(1014)}=${w.teamLabel}`,
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    ),
  );
}

/** Anything: odd types, past every limit, names that are no names. */
function anySpec(w: DistributionFuzzWorld, name: string): fc.Arbitrary<unknown> {
  const source = fc.record(
    {
      secretName: typed(fc.constantFrom(w.victim.source, w.plainSource, w.kubeSystemSecret, `distribution-${name}`, 'Bad_Name', 'ñ'), [
        '',
        7,
        'x'.repeat(300),
      ]),
      namespace: typed(fc.constantFrom(w.own, w.own, w.own, 'kube-system', w.otherInstallation, w.victim.namespace, 'Bad', ''), [
        'x'.repeat(64),
        3,
      ]),
    },
    { requiredKeys: ['secretName'] },
  );
  const fields = fc.record(
    {
      secretName: typed(fc.constantFrom('regcred', w.victim.secretName, w.plainSource, 'Bad', 'x'.repeat(200), 'ñ'), [
        9,
        '',
        'x'.repeat(254),
      ]),
      source: typed(source),
      namespaces: list(namespaceName(w), 1000, 'ns'),
      namespaceSelector: selector(w),
      excludeNamespaces: list(glob(w), 1000, '*'),
      serviceAccounts: typed(
        fc.oneof(
          fc.constantFrom<unknown>([], ['*'], ['*', 'default'], ['default'], ['Default'], [''], ['**']),
          fc.constant(many(51, 'sa')),
        ),
        ['default', [1]],
      ),
      expiresAt: typed(fc.constantFrom('2026-01-31T00:00:00Z', '2026-01-31T00:00:00+02:00'), ['tomorrow', 5, '']),
      verify: typed(fc.constant('required'), ['always', '']),
      unknownField: fc.constant('pruned by the API server'),
    },
    { requiredKeys: ['source'] },
  );
  return fc.oneof({ weight: 30, arbitrary: fields }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'x', [], {}) });
}

/**
 * Within the current CRD's schema, so the API server stores it, and hostile all the same: other
 * distributions' sources, kube-system, regcred's own namespace, lists at the limits, and what only
 * the controller can refuse ("*" beside names, a selector that does not parse, no target at all).
 */
function validSpec(w: DistributionFuzzWorld, name: string): fc.Arbitrary<unknown> {
  const names = fc.constantFrom(
    ...w.teams,
    w.victim.namespace,
    'kube-system',
    w.own,
    w.otherInstallation,
    'default',
    'does-not-exist',
    'a'.repeat(63),
  );
  const globs = fc.oneof(
    names,
    fc.constantFrom('*', '*'.repeat(63), 'a*'.repeat(31), 'kube-*', '*-system', 'fuzz-*', '**a**b**c**d**e**f'),
  );
  const atLimit = (item: fc.Arbitrary<string>, prefix: string) =>
    fc.oneof({ weight: 12, arbitrary: fc.uniqueArray(item, { maxLength: 6 }) }, { weight: 1, arbitrary: fc.constant(many(1000, prefix)) });
  return fc.record(
    {
      secretName: fc.constantFrom('regcred', w.victim.secretName, w.plainSource, 'x'.repeat(200)),
      source: fc.record(
        {
          secretName: fc.constantFrom(w.victim.source, w.plainSource, w.kubeSystemSecret, `distribution-${name}`),
          namespace: fc.constantFrom(w.own, w.own, w.own, 'kube-system', w.otherInstallation, w.victim.namespace),
        },
        { requiredKeys: ['secretName'] },
      ),
      namespaces: atLimit(names, 'ns'),
      namespaceSelector: fc.constantFrom(
        `team=${w.teamLabel}`,
        'kubernetes.io/metadata.name=kube-system',
        '!team',
        'team',
        `team in (${w.teamLabel}`,
        `team=${w.teamLabel},`,
        'x>1',
        `${'a'.repeat(1014)}=${w.teamLabel}`,
      ),
      excludeNamespaces: atLimit(globs, '*'),
      serviceAccounts: fc.constantFrom<unknown>([], ['*'], ['*', 'default'], ['default']),
      expiresAt: fc.constant('2026-01-31T00:00:00Z'),
      verify: fc.constant('required'),
    },
    { requiredKeys: ['source'] },
  );
}

function spec(w: DistributionFuzzWorld, name: string): fc.Arbitrary<unknown> {
  return fc.oneof(validSpec(w, name), anySpec(w, name));
}

function metadata(w: DistributionFuzzWorld, name: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    name: fc.constant(name),
    finalizers: fc.constantFrom([], [], ['regcred.io/cleanup'], ['other.io/keep']),
    annotations: fc.constantFrom<Record<string, string>>(
      {},
      {},
      { 'regcred.io/orphan': 'true' },
      { 'regcred.io/installation': w.own },
      { 'regcred.io/installation': w.otherInstallation },
    ),
    labels: fc.constantFrom<Record<string, string>>({}, { 'regcred.io/distribution': w.victim.name }),
  });
}

/** The i-th object's name: mostly unique, sometimes dotted or long, sometimes the victim's (a conflict). */
function objectName(w: DistributionFuzzWorld, i: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(`h${i}`) },
    { weight: 1, arbitrary: fc.constant(`h${i}.dotted`) },
    { weight: 1, arbitrary: fc.constant(`h${i}-${'x'.repeat(90)}`) },
    { weight: 1, arbitrary: fc.constant(w.victim.name) },
  );
}

/** `count` hostile objects from `seed`, the same every time for the same seed. */
export function hostileObjects(w: DistributionFuzzWorld, count: number, seed: number): HostileObject[] {
  return Array.from({ length: count }, (_, i) => {
    const arbitrary = objectName(w, i).chain((name) =>
      fc.record({
        body: fc
          .record({ metadata: metadata(w, name), spec: spec(w, name) }, { requiredKeys: ['metadata'] })
          .map((o) => ({ apiVersion: 'regcred.io/v1alpha1', kind: 'PullSecretDistribution', ...o })),
        then: fc.oneof(
          { weight: 5, arbitrary: fc.constant({ kind: 'keep' as const }) },
          { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
          { weight: 2, arbitrary: spec(w, name).map((s) => ({ kind: 'replace-spec' as const, spec: s })) },
        ),
      }),
    );
    return fc.sample(arbitrary, { seed: seed + i, numRuns: 1 })[0]!;
  });
}
