import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { ServiceAccountObject } from '../../../src/domain/cluster.js';
import { desiredCopyOf, digestsOf } from '../../../src/domain/distributions/desired-copy.js';
import {
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  LINKED_SERVICE_ACCOUNTS_ANNOTATION,
  type DistributionObject,
  type DistributionSpec,
  type NamespaceStatus,
} from '../../../src/domain/distributions/distribution.js';
import type { NamespaceObject } from '../../../src/domain/distributions/distribution-cluster.js';
import type { DistributionWorld } from '../../../src/domain/distributions/plan-distribution.js';
import { planDistribution, statusAfter } from '../../support/whole-distribution-plan.js';
import type { SecretObject } from '../../../src/domain/kubernetes/secret.js';
import { linkedServiceAccountsOf } from '../../../src/domain/distributions/copy-marks.js';
import { OWNERSHIP_PROOF_ANNOTATION, ownershipProof, type ProofKey } from '../../../src/domain/distributions/ownership-proof.js';

const configJson = (password: string) =>
  Buffer.from(
    JSON.stringify({
      auths: { 'registry.example.com': { username: 'u', password, auth: Buffer.from(`u:${password}`).toString('base64') } },
    }),
  );

function sourceSecret(password: string): SecretObject {
  return {
    name: 'distribution-payments',
    namespace: 'regcred',
    type: 'kubernetes.io/dockerconfigjson',
    labels: {},
    annotations: {},
    data: { '.dockerconfigjson': configJson(password).toString('base64') },
    immutable: false,
  };
}

const desired = (password = 'one') => {
  const reading = desiredCopyOf(sourceSecret(password), { namespace: 'regcred', name: 'distribution-payments' });
  if (!('desired' in reading)) throw new Error(reading.problem);
  return reading.desired;
};

function distribution(spec: Partial<DistributionSpec> = {}, status?: DistributionObject['status']): DistributionObject {
  return {
    name: 'payments',
    uid: 'u-1',
    resourceVersion: '1',
    generation: 1,
    finalizers: ['regcred.io/cleanup'],
    labels: {},
    annotations: {},
    spec: {
      secretName: 'regcred',
      source: { secretName: 'distribution-payments' },
      namespaceSelector: 'team=payments',
      serviceAccounts: [],
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

const ns = (name: string, labels: Record<string, string> = { team: 'payments' }, terminating = false): NamespaceObject => ({
  name,
  labels,
  terminating,
});

const KEY: ProofKey = { bytes: new Uint8Array(32).fill(7) };

/** A copy as the distribution wrote it (or `overrides.annotations`), proven with KEY over the UID and links it carries, if it carries a UID. */
function copy(namespace: string, overrides: Partial<SecretObject> = {}, password = 'one'): SecretObject {
  const d = desired(password);
  const secret: SecretObject = {
    name: 'regcred',
    namespace,
    type: 'kubernetes.io/dockerconfigjson',
    uid: `uid-${namespace}`,
    resourceVersion: '7',
    labels: { 'app.kubernetes.io/managed-by': 'regcred', [DISTRIBUTION_LABEL]: 'payments' },
    data: d.data,
    immutable: false,
    ...overrides,
    annotations: { ...(overrides.annotations ?? { [CONTENT_HASH_ANNOTATION]: d.contentHash, [DISTRIBUTION_UID_ANNOTATION]: 'u-1' }) },
  };
  const uid = secret.annotations[DISTRIBUTION_UID_ANNOTATION];
  delete secret.annotations[OWNERSHIP_PROOF_ANNOTATION];
  if (uid)
    secret.annotations[OWNERSHIP_PROOF_ANNOTATION] = ownershipProof(KEY, {
      distribution: { name: 'payments', uid },
      copy: { namespace, name: secret.name },
      linked: linkedServiceAccountsOf(secret),
    });
  return secret;
}

const sa = (namespace: string, name: string, imagePullSecrets: string[] = []): ServiceAccountObject => ({
  namespace,
  name,
  resourceVersion: '3',
  imagePullSecrets,
});

function world(
  overrides: Partial<DistributionWorld> & { secrets?: SecretObject[]; accounts?: ServiceAccountObject[] } = {},
): DistributionWorld {
  const secrets = overrides.secrets ?? [];
  const accounts = overrides.accounts ?? [];
  const namespaces = [...(overrides.namespaces ?? [ns('a'), ns('b'), ns('other', { team: 'web' })])];
  return {
    distribution: overrides.distribution ?? distribution(),
    desired: overrides.desired ?? desired(),
    namespaces,
    namespaceNamed: (name) => namespaces.find((n) => n.name === name),
    secretIn: (namespace, name) => secrets.find((s) => s.namespace === namespace && s.name === name),
    labelledCopies: secrets.filter((s) => s.labels[DISTRIBUTION_LABEL] === (overrides.distribution ?? distribution()).name),
    serviceAccountsIn: (namespace) => accounts.filter((a) => a.namespace === namespace),
    denyNamespaces: overrides.denyNamespaces ?? ['kube-system'],
    ownNamespace: 'regcred',
    proofKey: KEY,
  };
}

const none = new Map<string, NamespaceStatus>();

describe('planDistribution', async () => {
  it('creates a copy in every namespace the selector matches, and none elsewhere', async () => {
    const plan = await planDistribution(world(), none);
    expect(plan.namespaces.map((p) => [p.namespace, p.state, p.write?.kind])).toEqual([
      ['a', 'inSync', 'create'],
      ['b', 'inSync', 'create'],
    ]);
    const draft = plan.namespaces[0]!.write!.draft;
    expect(draft.labels[DISTRIBUTION_LABEL]).toBe('payments');
    expect(draft.annotations[CONTENT_HASH_ANNOTATION]).toBe(desired().contentHash);
    expect(draft.data).toEqual(desired().data);
    expect(plan.removals).toEqual([]);
  });

  it('writes nothing when every copy is current', async () => {
    const plan = await planDistribution(world({ secrets: [copy('a'), copy('b')] }), none);
    expect(plan.namespaces.filter((p) => p.write)).toEqual([]);
    expect(plan.removals).toEqual([]);
  });

  it('compares a copy cached as digests (no data held) with the source, and still sees a tampered one', async () => {
    const cached = { ...copy('a'), data: digestsOf(copy('a').data) };
    expect(cached.data['.dockerconfigjson']).toMatch(/^digest:/);
    expect((await planDistribution(world({ secrets: [cached, copy('b')] }), none)).namespaces.filter((p) => p.write)).toEqual([]);
    const tampered = { ...cached, data: digestsOf({ '.dockerconfigjson': configJson('tampered').toString('base64') }) };
    expect((await planDistribution(world({ secrets: [tampered, copy('b')] }), none)).namespaces[0]!.write?.kind).toBe('replace');
  });

  it('replaces a copy in place after a rotation, keeping labels others added, and calls it no drift', async () => {
    const old = copy('a', { labels: { ...copy('a').labels, owner: 'ops' } }, 'old');
    const plan = await planDistribution(world({ secrets: [old, copy('b')] }), none);
    const a = plan.namespaces.find((p) => p.namespace === 'a')!;
    expect(a.write?.kind).toBe('replace');
    expect(a.write?.draft.resourceVersion).toBe('7');
    expect(a.write?.draft.labels.owner).toBe('ops');
    expect(a.drift).toBeUndefined();
  });

  it('restores an edited copy and a deleted one as drift', async () => {
    const edited = copy('a', { data: { '.dockerconfigjson': configJson('tampered').toString('base64') } });
    const previous = new Map<string, NamespaceStatus>([['b', { namespace: 'b', state: 'inSync', contentHash: desired().contentHash }]]);
    const plan = await planDistribution(world({ secrets: [edited] }), previous);
    expect(plan.namespaces.map((p) => [p.namespace, p.state, p.write?.kind, p.drift])).toEqual([
      ['a', 'drifted-restored', 'replace', 'edited'],
      ['b', 'drifted-restored', 'create', 'deleted'],
    ]);
  });

  it('never touches a Secret of the same name that it did not make', async () => {
    const foreign = copy('a', { labels: {} });
    const plan = await planDistribution(world({ secrets: [foreign] }), none);
    const a = plan.namespaces.find((p) => p.namespace === 'a')!;
    expect(a.state).toBe('failed');
    expect(a.write).toBeUndefined();
    expect(a.reason).toMatch(/someone else/);
    expect(plan.removals).toEqual([]);
  });

  it('excludes by spec, deny list, namespace label and deletion, and removes its copy there', async () => {
    const namespaces = [
      ns('a'),
      ns('b', { team: 'payments', 'regcred.io/exclude': 'true' }),
      ns('kube-system'),
      ns('c'),
      ns('d', undefined, true),
    ];
    const d = distribution({ namespaces: ['kube-system'], excludeNamespaces: ['c'] });
    const plan = await planDistribution(world({ distribution: d, namespaces, secrets: [copy('b'), copy('other')] }), none);
    expect(plan.namespaces.map((p) => [p.namespace, p.state])).toEqual([
      ['a', 'inSync'],
      ['b', 'excluded'],
      ['c', 'excluded'],
      ['d', 'excluded'],
      ['kube-system', 'excluded'],
    ]);
    expect(plan.removals.map((r) => r.copy.namespace).sort()).toEqual(['b', 'other']);
  });

  it('names a namespace that does not exist yet as pending', async () => {
    const plan = await planDistribution(
      world({ distribution: distribution({ namespaces: ['later'], namespaceSelector: undefined }) }),
      none,
    );
    expect(plan.namespaces).toEqual([expect.objectContaining({ namespace: 'later', state: 'pending', absent: true })]);
  });

  it('links every ServiceAccount with ["*"], and waits for named ones that are missing', async () => {
    const accounts = [sa('a', 'default'), sa('a', 'builder', ['regcred']), sa('b', 'default')];
    const all = await planDistribution(world({ distribution: distribution({ serviceAccounts: ['*'] }), accounts }), none);
    expect(all.namespaces.map((p) => [p.namespace, p.links.map((l) => l.name)])).toEqual([
      ['a', ['default']],
      ['b', ['default']],
    ]);
    const named = await planDistribution(world({ distribution: distribution({ serviceAccounts: ['builder'] }), accounts }), none);
    expect(named.namespaces.map((p) => [p.namespace, p.state, p.links.length])).toEqual([
      ['a', 'inSync', 0],
      ['b', 'pending', 0],
    ]);
  });

  it('unlinks before removing a copy the distribution no longer targets', async () => {
    const accounts = [sa('other', 'default', ['x', 'regcred']), sa('other', 'builder', ['regcred'])];
    const linked = copy('other', { annotations: { ...copy('other').annotations, [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: 'default' } });
    const plan = await planDistribution(
      world({ distribution: distribution({ serviceAccounts: ['*'] }), secrets: [linked], accounts }),
      none,
    );
    expect(plan.removals).toHaveLength(1);
    // builder referenced it before regcred did anything there: not ours to remove.
    expect(plan.removals[0]!.unlinks.map((a) => a.name)).toEqual(['default']);
  });

  it('removes the old copy when secretName changes', async () => {
    const plan = await planDistribution(
      world({ distribution: distribution({ secretName: 'pull' }), secrets: [copy('a'), copy('b')] }),
      none,
    );
    expect(plan.namespaces.map((p) => p.write?.kind)).toEqual(['create', 'create']);
    expect(plan.removals.map((r) => `${r.copy.namespace}/${r.copy.name}`)).toEqual(['a/regcred', 'b/regcred']);
  });
});

describe('planDistribution: ownership proven by UID, not by labels', () => {
  it("changes and removes only copies carrying this object's UID: forged or earlier-object copies are left alone", async () => {
    const forged = copy('other', { annotations: { [CONTENT_HASH_ANNOTATION]: 'sha256:x' }, uid: 'forged' });
    const earlier = copy('web', { annotations: { ...copy('web').annotations, [DISTRIBUTION_UID_ANNOTATION]: 'u-0' } });
    const denied = copy('kube-system');
    const own = copy('regcred');
    const namespaces = [ns('a'), ns('other', { team: 'web' }), ns('web', { team: 'web' }), ns('kube-system', {}), ns('regcred', {})];
    const plan = await planDistribution(world({ namespaces, secrets: [forged, earlier, denied, own] }), none);
    // forged has no UID mark, so it is not removed either (only adopted where the distribution writes anyway).
    expect(plan.removals).toEqual([]);
  });

  it('neither removes nor unlinks for a copy whose UID and proof were lifted from a real copy elsewhere', async () => {
    const real = copy('a');
    const lifted = {
      ...real,
      namespace: 'other',
      name: 'regcred-mirror',
      uid: 'forged',
      annotations: { ...real.annotations, [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: 'builder' },
    };
    const accounts = [sa('other', 'builder', ['regcred-mirror'])];
    const plan = await planDistribution(world({ secrets: [real, lifted], accounts }), none);
    expect(plan.removals).toEqual([]);
    // A proof made up for that place without the key proves nothing either.
    const madeUp = { ...lifted, annotations: { ...lifted.annotations, [OWNERSHIP_PROOF_ANNOTATION]: 'v1:AAAA' } };
    expect((await planDistribution(world({ secrets: [real, madeUp], accounts }), none)).removals).toEqual([]);
  });

  it('reports a copy of this name made by an earlier object of the same name as failed, and leaves it', async () => {
    const earlier = copy('a', { annotations: { ...copy('a').annotations, [DISTRIBUTION_UID_ANNOTATION]: 'u-0' } });
    const plan = await planDistribution(world({ secrets: [earlier] }), none);
    const a = plan.namespaces.find((p) => p.namespace === 'a')!;
    expect(a).toMatchObject({ state: 'failed', reason: expect.stringMatching(/earlier distribution of this name/) });
    expect(a.write).toBeUndefined();
  });

  it('adopts a copy made before copies carried a UID, in place and without calling it drift', async () => {
    const { [DISTRIBUTION_UID_ANNOTATION]: _uid, ...annotations } = copy('a').annotations;
    const unmarked = copy('a', { annotations });
    const accounts = [sa('a', 'default', ['regcred'])];
    const plan = await planDistribution(
      world({ distribution: distribution({ serviceAccounts: ['default'] }), secrets: [unmarked, copy('b')], accounts }),
      none,
    );
    const a = plan.namespaces.find((p) => p.namespace === 'a')!;
    expect(a.write?.kind).toBe('replace');
    expect(a.write?.draft.resourceVersion).toBe('7');
    expect(a.write?.draft.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe('u-1');
    // Older versions removed the selected ServiceAccounts' reference with the copy: recorded as ours.
    expect(a.write?.draft.annotations[LINKED_SERVICE_ACCOUNTS_ANNOTATION]).toBe('default');
    expect(a.write?.draft.data).toEqual(desired().data);
    expect(a.drift).toBeUndefined();
    expect(a.state).toBe('inSync');
  });

  it('records the ServiceAccounts it links on the copy before linking them', async () => {
    const accounts = [sa('a', 'default'), sa('a', 'builder', ['regcred'])];
    const plan = await planDistribution(
      world({ distribution: distribution({ serviceAccounts: ['*'] }), secrets: [copy('a')], accounts }),
      none,
    );
    const a = plan.namespaces.find((p) => p.namespace === 'a')!;
    expect(a.links.map((l) => l.name)).toEqual(['default']);
    expect(a.write?.draft.annotations[LINKED_SERVICE_ACCOUNTS_ANNOTATION]).toBe('default');
  });

  it("never targets regcred's own namespace, even when named or selected", async () => {
    const namespaces = [ns('a'), ns('regcred')];
    const plan = await planDistribution(world({ distribution: distribution({ namespaces: ['regcred'] }), namespaces }), none);
    expect(plan.namespaces.map((p) => [p.namespace, p.state, p.write?.kind])).toEqual([
      ['a', 'inSync', 'create'],
      ['regcred', 'excluded', undefined],
    ]);
  });

  it('pauses between namespaces, so a long plan can yield', async () => {
    let pauses = 0;
    const namespaces = Array.from({ length: 50 }, (_, i) => ns(`n-${i}`));
    await planDistribution(world({ namespaces }), none, () => void pauses++);
    expect(pauses).toBe(50);
  });
});

describe('desiredCopyOf', () => {
  it('refuses a missing or unreadable source without a word of its content', () => {
    expect(desiredCopyOf(undefined, { namespace: 'regcred', name: 's' })).toEqual({ problem: expect.stringMatching(/does not exist/) });
    const broken = { ...sourceSecret('canary-pw'), data: { '.dockerconfigjson': Buffer.from('{"auths": canary-pw').toString('base64') } };
    const reading = desiredCopyOf(broken, { namespace: 'regcred', name: 's' });
    expect(reading).toEqual({ problem: expect.stringMatching(/valid config.json/) });
    expect(JSON.stringify(reading)).not.toContain('canary-pw');
  });

  it('gives different hashes for different credentials and the same for the same', () => {
    expect(desired('one').contentHash).toBe(desired('one').contentHash);
    expect(desired('one').contentHash).not.toBe(desired('two').contentHash);
    expect(desired('one').contentHash).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});

describe('statusAfter', () => {
  const now = new Date('2026-11-30T06:00:00.000Z');
  const later = new Date('2026-11-30T06:05:00.000Z');

  it('counts states and current copies, and marks the roll-out done when all are current', () => {
    const status = statusAfter(
      distribution(),
      desired(),
      [
        { namespace: 'a', state: 'inSync', written: true, currentHash: desired().contentHash },
        { namespace: 'b', state: 'excluded', written: false },
        { namespace: 'c', state: 'pending', written: false, absent: true, reason: 'the namespace does not exist yet' },
      ],
      undefined,
      now,
    );
    expect(status.counts).toEqual({ targeted: 2, current: 1, inSync: 1, excluded: 1, pending: 1 });
    expect(status.rolledOutAt).toBe(now.toISOString());
    expect(status.namespaces![0]).toEqual({
      namespace: 'a',
      state: 'inSync',
      contentHash: desired().contentHash,
      lastSynced: now.toISOString(),
    });
  });

  it('yields the same status again when a later pass changes nothing', () => {
    const outcomes = [{ namespace: 'a', state: 'inSync' as const, written: true, currentHash: desired().contentHash }];
    const first = statusAfter(distribution(), desired(), outcomes, undefined, now);
    const second = statusAfter(distribution({}, first), desired(), [{ ...outcomes[0]!, written: false }], undefined, later);
    expect(second).toEqual(first);
  });

  it('starts a rotation when the content hash changes and completes it when every copy carries it', () => {
    const before = statusAfter(
      distribution(),
      desired('one'),
      [{ namespace: 'a', state: 'inSync', written: true, currentHash: desired('one').contentHash }],
      undefined,
      now,
    );
    const midway = statusAfter(
      distribution({}, before),
      desired('two'),
      [
        { namespace: 'a', state: 'failed', written: false, currentHash: desired('one').contentHash, reason: 'x' },
        { namespace: 'b', state: 'inSync', written: true, currentHash: desired('two').contentHash },
      ],
      undefined,
      later,
    );
    expect(midway.contentChangedAt).toBe(later.toISOString());
    expect(midway.rolledOutAt).toBeUndefined();
    expect(midway.counts).toMatchObject({ targeted: 2, current: 1 });
  });
});

describe('statusAfter with more namespaces than a status lists', () => {
  it('keeps every count but lists only the namespaces needing attention', () => {
    const d = desired();
    const outcomes = Array.from({ length: 1500 }, (_, i) => ({
      namespace: `ns-${String(i).padStart(4, '0')}`,
      state: i === 1400 ? ('failed' as const) : ('inSync' as const),
      written: false,
      currentHash: d.contentHash,
    }));
    const status = statusAfter(distribution(), d, outcomes, undefined, new Date());
    expect(status.counts).toMatchObject({ targeted: 1500, inSync: 1499, failed: 1 });
    expect(status.namespaces!.map((n) => n.namespace)).toEqual(['ns-1400']);
  });
});
