import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { checkWorkloads } from '../../../src/domain/pullcheck/check-workload.js';
import {
  VERDICTS,
  type ContainerCheck,
  type Verdict,
  type Workload,
  type WorkloadPodSpec,
} from '../../../src/domain/pullcheck/pullcheck-model.js';
import { VERDICT_TABLE, verdictTableInOrder } from '../../../src/domain/pullcheck/verdicts.js';
import { fakePullcheck, pullSecret, whenAnonymous, whenPassword, type FakeNamespace } from '../../support/fake-pullcheck.js';

const NS = 'team';
const deployment = (pod: Partial<WorkloadPodSpec> & { image?: string }): Workload => ({
  kind: 'Deployment',
  name: 'api',
  pod: {
    imagePullSecrets: pod.imagePullSecrets ?? [],
    containers: pod.containers ?? [{ kind: 'container', name: 'app', image: pod.image ?? 'registry.example.com/team/app:1.0' }],
    ...(pod.serviceAccountName && { serviceAccountName: pod.serviceAccountName }),
  },
});
async function checkOne(world: FakeNamespace, pod: Parameters<typeof deployment>[0] = {}) {
  const fake = fakePullcheck(world);
  const [check] = await checkWorkloads([deployment(pod)], NS, fake.ports);
  return { check, container: check.containers[0], fake };
}
const regcred = pullSecret('regcred', { 'registry.example.com': ['ci', 'good'] });
const linked = (...names: string[]) => ({ default: names });

describe('the verdict table', () => {
  it('when the table is read, then it lists every verdict once, in the order of precedence, each with a condition', () => {
    expect(verdictTableInOrder()).toBe(true);
    expect(VERDICT_TABLE.map((r) => r.verdict)).toEqual([...VERDICTS]);
    for (const rule of VERDICT_TABLE) expect(rule.when.length).toBeGreaterThan(10);
  });

  it('when docs/pullcheck.md is read, then its table is VERDICT_TABLE, row by row and in order', () => {
    const doc = readFileSync(new URL('../../../docs/pullcheck.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \|/gm)].map(([, verdict, when]) => [verdict, when.trim()]);

    expect(rows).toEqual(VERDICT_TABLE.map((rule) => [rule.verdict, rule.when]));
  });

  it('when a fix names a secret, then it never carries its password', async () => {
    const secret = pullSecret('regcred', { 'registry.example.com': ['ci', 'hunter2-canary'] });
    const { check } = await checkOne({
      secrets: [secret],
      serviceAccounts: linked('regcred'),
      registry: [whenPassword('hunter2-canary', 'unauthorized')],
    });

    expect(JSON.stringify(check)).not.toContain('hunter2-canary');
  });
});

describe('each verdict is reachable', () => {
  const cases: Array<[Verdict, string, FakeNamespace, Parameters<typeof deployment>[0]]> = [
    ['invalid-image', 'the image has upper-case letters in its path', {}, { image: 'registry.example.com/Team/App' }],
    ['no-serviceaccount', 'the template names a ServiceAccount that does not exist', {}, { serviceAccountName: 'builder' }],
    ['secret-missing', 'the only listed secret does not exist', { serviceAccounts: linked('regcred') }, {}],
    ['not-linked', 'a matching secret exists but nothing links it', { secrets: [regcred] }, {}],
    ['no-credential', 'nothing matches a private image', {}, {}],
    [
      'registry-unreachable',
      'the registry does not answer',
      { secrets: [regcred], serviceAccounts: linked('regcred'), registry: [() => 'unreachable'] },
      {},
    ],
    [
      'unauthorized',
      'the credential is refused',
      { secrets: [regcred], serviceAccounts: linked('regcred'), registry: [whenPassword('good', 'unauthorized')] },
      {},
    ],
    [
      'denied',
      'the credential may not pull the repository',
      { secrets: [regcred], serviceAccounts: linked('regcred'), registry: [() => 'denied'] },
      {},
    ],
    ['not-found', 'the tag does not exist', { secrets: [regcred], serviceAccounts: linked('regcred'), registry: [() => 'not-found'] }, {}],
    [
      'denied-or-not-found',
      'the registry cannot tell',
      { secrets: [regcred], serviceAccounts: linked('regcred'), registry: [() => 'denied-or-not-found'] },
      {},
    ],
    ['pulls', 'the linked credential works', { secrets: [regcred], serviceAccounts: linked('regcred') }, {}],
    ['pulls-anonymously', 'the image is public', { registry: [whenAnonymous('pulls')] }, { image: 'nginx:1.27' }],
  ];

  it.each(cases)('%s: when %s', async (verdict, _, world, pod) => {
    const { check, container } = await checkOne(world, pod);

    expect(container.verdict).toBe(verdict);
    expect(container.fix).toMatch(/\w/);
    expect(check.willPull).toBe(verdict === 'pulls' || verdict === 'pulls-anonymously');
  });

  it('when every verdict has a case, then none is left out', () => {
    expect(new Set(cases.map(([v]) => v))).toEqual(new Set(VERDICTS));
  });
});

describe('precedence', () => {
  const hasTried = (c: ContainerCheck) => c.tried.map((t) => [t.secret, t.username, t.result.outcome]);

  it('when a listed secret is missing and another is refused, then secret-missing wins: nothing tried pulls', async () => {
    const { container } = await checkOne(
      { secrets: [regcred], registry: [whenPassword('good', 'unauthorized')] },
      { imagePullSecrets: ['gone', 'regcred'] },
    );

    expect(container.verdict).toBe('secret-missing');
    expect(container.fix).toContain('"gone"');
    expect(container.secrets).toEqual([
      { name: 'gone', state: 'missing' },
      { name: 'regcred', state: 'used' },
    ]);
    expect(hasTried(container)).toEqual([['regcred', 'ci', 'unauthorized']]);
  });

  it('when the missing secret comes from the ServiceAccount, then the fix says to unlink it there, not to edit the Pod', async () => {
    const { container } = await checkOne({ serviceAccounts: linked('gone') });

    expect(container.fix).toBe(
      'create pull secret "gone" in namespace "team" with credentials for registry.example.com, or unlink it from ServiceAccount "default"',
    );
  });

  it('when a listed secret is missing but another works, then the container pulls, with a note: the kubelet skips missing secrets', async () => {
    const { container } = await checkOne({ secrets: [regcred] }, { imagePullSecrets: ['gone', 'regcred'] });

    expect(container.verdict).toBe('pulls');
    expect(container.notes.join(' ')).toContain('secret "gone" is missing: the kubelet skips it');
  });

  it('when the first credential tried is refused and the second works, then it pulls, and both are in tried, in the kubelet order', async () => {
    const team = pullSecret('team', { 'registry.example.com/team': ['team-bot', 'expired'] });
    const { container } = await checkOne(
      { secrets: [regcred, team], registry: [whenPassword('expired', 'unauthorized')] },
      { imagePullSecrets: ['regcred', 'team'] },
    );

    expect(container.verdict).toBe('pulls');
    expect(hasTried(container)).toEqual([
      ['team', 'team-bot', 'unauthorized'],
      ['regcred', 'ci', 'pulls'],
    ]);
    expect(container.anonymous).toBeUndefined();
  });

  it('when a credential matched and was refused, then no anonymous pull is tried, even for a public image', async () => {
    const { container, fake } = await checkOne({
      secrets: [regcred],
      serviceAccounts: linked('regcred'),
      registry: [whenPassword('good', 'unauthorized'), whenAnonymous('pulls')],
    });

    expect(container.verdict).toBe('unauthorized');
    expect(fake.probes.map((p) => p.as)).toEqual(['ci:good']);
  });

  it('when the kubelet cannot decode a listed secret, then secret-missing, before any probe: it fails every pull of the Pod', async () => {
    const broken = {
      name: 'broken',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":').toString('base64') },
    };
    const { container, fake } = await checkOne({ secrets: [broken, regcred] }, { imagePullSecrets: ['regcred', 'broken'] });

    expect(container.verdict).toBe('secret-missing');
    expect(container.fix).toContain('cannot decode');
    expect(fake.probes).toEqual([]);
  });

  it('when a listed secret has a type the kubelet ignores and nothing else matches, then secret-missing names the type', async () => {
    const opaque = { ...regcred, name: 'opaque', type: 'Opaque' };
    const { container } = await checkOne({ secrets: [opaque] }, { imagePullSecrets: ['opaque'] });

    expect(container.verdict).toBe('secret-missing');
    expect(container.secrets[0]).toMatchObject({ state: 'wrong-type' });
    expect(container.fix).toContain('kubernetes.io/dockerconfigjson');
  });

  it('when regcred may not read a listed secret and nothing pulls, then secret-missing says so', async () => {
    const { container } = await checkOne({ secrets: [regcred], forbidden: ['regcred'] }, { imagePullSecrets: ['regcred'] });

    expect(container.verdict).toBe('secret-missing');
    expect(container.secrets[0]).toMatchObject({ state: 'unreadable' });
    expect(container.fix).toContain('regcred may not read secret "regcred"');
  });

  it('when the ServiceAccount is missing, then no-serviceaccount, even if a listed secret is missing too', async () => {
    const { container } = await checkOne({ serviceAccounts: {} }, { imagePullSecrets: ['gone'] });

    expect(container.verdict).toBe('no-serviceaccount');
    expect(container.fix).toContain('create ServiceAccount "default"');
  });

  it('when the image is invalid, then invalid-image wins over everything, and nothing is probed', async () => {
    const { container, fake } = await checkOne({ serviceAccounts: {} }, { image: 'registry.example.com/app:bad tag' });

    expect(container.verdict).toBe('invalid-image');
    expect(fake.probes).toEqual([]);
  });

  it('when nothing matches and the anonymous pull finds no such tag, then not-found, not no-credential', async () => {
    const { container } = await checkOne({ registry: [whenAnonymous('not-found')] });

    expect(container.verdict).toBe('not-found');
  });

  it('when the template lists its own secrets and the ServiceAccount links a matching one, then not-linked asks to add it to the template', async () => {
    const other = pullSecret('other', { 'elsewhere.example.com': ['x', 'y'] });
    const { container } = await checkOne(
      { secrets: [regcred, other], serviceAccounts: linked('regcred') },
      { imagePullSecrets: ['other'] },
    );

    expect(container.verdict).toBe('not-linked');
    expect(container.fix).toContain(`add "regcred" to the Pod template's imagePullSecrets`);
  });

  it('when a matching secret is linked nowhere, then not-linked says to link it to the ServiceAccount', async () => {
    const { container } = await checkOne({ secrets: [regcred] });

    expect(container.fix).toBe('link secret "regcred" to ServiceAccount "default", or add it to the Pod template\'s imagePullSecrets');
  });

  it("when the Pod's own credential is refused and another, unlisted secret would match, then the refusal is the verdict (the other was never tried)", async () => {
    const stale = pullSecret('stale', { 'registry.example.com': ['ci', 'expired'] });
    const { container } = await checkOne({
      secrets: [stale, regcred],
      serviceAccounts: linked('stale'),
      registry: [whenPassword('expired', 'unauthorized')],
    });

    expect(container.verdict).toBe('unauthorized');
    expect(container.tried.map((t) => t.secret)).toEqual(['stale']);
  });
});
