import { Buffer } from 'node:buffer';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import { defaultConfig } from '../../src/config.js';
import { startDistributionRuntime, type DistributionRuntime } from '../../src/distribution-runtime.js';
import {
  CLEANUP_FINALIZER,
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  LINKED_SERVICE_ACCOUNTS_ANNOTATION,
  type DistributionDraft,
  type DistributionSpec,
} from '../../src/domain/distributions/distribution.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretObject } from '../../src/domain/kubernetes/secret.js';
import { ROUTES } from '../../src/http/routes.js';
import { createMetrics } from '../../src/metrics.js';
import { fakeVerifier } from '../support/fake-verifier.js';
import { memoryWorld, privateKitWorld, type HostileNames, type HostileWorld } from '../support/hostile-worlds.js';
import { eventually } from '../support/poll.js';
import { kitSuiteTitle, realClusterAvailable } from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// The attacker's view, end to end: a real regcred app and its controller (and a second installation
// beside it), a platform that distributes one credential (the canary), and tenants who try to
// borrow regcred's rights to read it, copy it elsewhere, or make regcred change what it did not write.

const OWN = 'regcred';
const OTHER = 'platform-regcred';
const [PAYMENTS, TEAM_A, TEAM_B, SHARED] = ['payments-ns', 'team-a-ns', 'team-b-ns', 'shared-ns'];
const NAMES: HostileNames = { own: OWN, other: OTHER, teamA: TEAM_A, namespaces: [PAYMENTS, TEAM_A, TEAM_B, SHARED] };
const CANARY = 'canary-hostile-5e1f0c';
// Every other credential in play, each expected in exactly the Secrets listed at the end.
const LEGACY = 'legacy-pw-77ad';
const TEAM_A_PW = 'team-a-pw-31c9';
const INTRUDER = 'intruder-pw-c0de';
const FORGED = 'forged-pw-f00d';
const [SHARED_ONE, SHARED_TWO] = ['shared-one-pw-1a1a', 'shared-two-pw-2b2b'];
const intruder = { server: 'registry.example.com', username: 'intruder', password: INTRUDER };

const TOKENS = {
  platform: 'platform-token-0123456789abcdef',
  teamA: 'team-a-token-0123456789abcdef',
  ownExact: 'own-exact-token-0123456789abcdef',
  ownGlob: 'own-glob-token-0123456789abcdef',
};
const tokenMode = tokenGatekeeper(
  parseTokensFile(`
- { caller: platform, token: ${TOKENS.platform}, namespaces: ['*'] }
- { caller: team-a, token: ${TOKENS.teamA}, namespaces: ['${TEAM_A}'] }
- { caller: own-exact, token: ${TOKENS.ownExact}, namespaces: ['${OWN}'] }
- { caller: own-glob, token: ${TOKENS.ownGlob}, namespaces: ['reg*', 'regcred*', 'r*d'] }
`),
);

const b64 = (text: string) => Buffer.from(text).toString('base64');
const dockerConfig = (username: string, password: string) =>
  b64(JSON.stringify({ auths: { 'registry.example.com': { username, password, auth: b64(`${username}:${password}`) } } }));
const keyOf = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;
const forbiddenIn = (namespace: string) => `you may not manage pull secrets in namespace "${namespace}" through regcred`;

/** A Secret as text a reader could get a password from: metadata, decoded data, decoded `auth` fields. */
function plainText(secret: SecretObject): string {
  const parts = [JSON.stringify(secret)];
  for (const value of Object.values(secret.data)) {
    const text = Buffer.from(value, 'base64').toString('utf8');
    parts.push(text);
    for (const [, auth] of text.matchAll(/"auth"\s*:\s*"([^"]*)"/g)) parts.push(Buffer.from(auth, 'base64').toString('utf8'));
  }
  return parts.join('\n');
}

/** Every /v1/namespaces/{namespace}/… route, in `namespace`, aimed at the payments source. */
const namespacedRoutes = (namespace: string) =>
  ROUTES.filter((r) => r.path.includes('{namespace}')).map((r) => ({
    method: r.method,
    path: r.path.replace('{namespace}', namespace).replace('{name}', 'distribution-payments'),
  }));

/** The audit lines these callers caused about regcred's own namespace. */
const auditsInOwn = (apps: TestApp[], callers: string[]) =>
  apps
    .flatMap((t) =>
      t.logLines.map(
        (line) => JSON.parse(line) as { audit?: boolean; namespace?: string; caller?: string; result?: string; reason?: string },
      ),
    )
    .filter((l) => l.audit && l.namespace === OWN && callers.includes(l.caller ?? ''));

interface Installation {
  namespace: string;
  runtime: DistributionRuntime;
  runtimeLog: string[];
  token: TestApp;
  kubernetes: TestApp;
}

const worlds: [string, boolean, () => Promise<HostileWorld>][] = [
  ['the in-memory cluster', true, async () => memoryWorld(NAMES)],
  [kitSuiteTitle('a private kube-apiserver v1.20'), realClusterAvailable(), () => privateKitWorld(NAMES)],
];

describe.each(worlds)('a hostile tenant against regcred on %s', (title, enabled, makeWorld) => {
  let world: HostileWorld;
  let one: Installation;
  let two: Installation;
  /** Every answer body any app gave. */
  const answers: string[] = [];
  /** resourceVersions of every Secret and ServiceAccount as arranged before the attacks, and of what the attackers wrote. */
  let baseline: Map<string, string | undefined>;
  let mirror: SecretObject;
  const wait = { timeoutMs: title.startsWith('the in-memory') ? 10_000 : 15_000, intervalMs: 50 };

  const snapshot = async () =>
    new Map<string, string | undefined>([
      ...(await world.secrets()).map((s) => [`secret:${keyOf(s)}`, s.resourceVersion] as const),
      ...(await world.serviceAccounts()).map((sa) => [`sa:${keyOf(sa)}`, sa.resourceVersion] as const),
    ]);
  const secret = (namespace: string, name: string) => world.cluster.readSecret(namespace, name);
  const distribution = (name: string) => world.distributions.readDistribution(name);

  function install(namespace: string): Installation {
    const runtimeLog: string[] = [];
    const ports = world.connect();
    const app = (gatekeeper: Gatekeeper) =>
      buildTestApp({ ...ports, verifier: fakeVerifier, gatekeeper, config: { namespace, auth: gatekeeper.mode } });
    const runtime = startDistributionRuntime({
      config: defaultConfig({ namespace }),
      ...ports,
      metrics: createMetrics({ processMetrics: false }),
      logger: pino({ level: 'debug' }, { write: (line: string) => void runtimeLog.push(line) }),
      verifier: fakeVerifier,
    });
    return { namespace, runtime, runtimeLog, token: app(tokenMode), kubernetes: app(world.gatekeeper) };
  }

  /** One request, its answer kept for the canary check. */
  async function call(t: TestApp, method: string, path: string, bearer: string, body?: object) {
    const req = request(t.app)[method as 'get'](path).set('Authorization', `Bearer ${bearer}`);
    const res = body && method !== 'get' && method !== 'delete' ? await req.send(body) : await req;
    answers.push(res.text);
    return res;
  }

  const pullSecret = (namespace: string, name: string, labels: Record<string, string>, annotations: Record<string, string>, data: string) =>
    world.cluster.createSecret({
      namespace,
      name,
      type: 'kubernetes.io/dockerconfigjson',
      labels,
      annotations,
      data: { '.dockerconfigjson': data },
    });

  const opaque = (namespace: string, name: string, data: Record<string, string>) =>
    world.cluster.createSecret({ namespace, name, type: 'Opaque', labels: {}, annotations: {}, data });

  beforeAll(async () => {
    if (!enabled) return;
    world = await makeWorld();
    // What each installation's namespace and the tenants' namespaces hold before regcred is asked anything.
    for (const ns of [OWN, OTHER]) await opaque(ns, 'regcred-tls', { 'tls.key': b64('not-a-key') });
    await pullSecret(OWN, 'distribution-shared', { [DISTRIBUTION_SOURCE_LABEL]: 'shared' }, {}, dockerConfig('shared-robot', SHARED_ONE));
    await pullSecret(OTHER, 'distribution-shared', { [DISTRIBUTION_SOURCE_LABEL]: 'shared' }, {}, dockerConfig('shared-robot', SHARED_TWO));
    await opaque('kube-system', 'node-credentials', { token: b64('kube-system-own') });
    await world.createServiceAccount(PAYMENTS, 'default', []);
    // It referenced a Secret named regcred before any distribution: not regcred's to unlink.
    await world.createServiceAccount(PAYMENTS, 'legacy-builder', ['regcred']);
    await world.createServiceAccount(TEAM_A, 'default', []);
    await world.createServiceAccount(TEAM_B, 'default', ['regcred']);
    await world.createServiceAccount(TEAM_B, 'builder', ['regcred-mirror']);
    await world.createServiceAccount(SHARED, 'default', []);
    await world.createServiceAccount('kube-system', 'kube-proxy', ['regcred-payments']);
    [one, two] = [install(OWN), install(OTHER)];

    const payments = await call(one.token, 'put', '/v1/distributions/payments', TOKENS.platform, {
      server: 'registry.example.com',
      username: 'payments-robot',
      password: CANARY,
      namespaces: [PAYMENTS],
      serviceAccounts: ['*'],
    });
    expect(payments.status, payments.text).toBe(201);
    await eventually(async () => {
      expect(plainText((await secret(PAYMENTS, 'regcred'))!)).toContain(CANARY);
      expect((await distribution('payments'))?.status?.counts?.current).toBe(1);
    }, wait);

    // A distribution deleted with orphan=true leaves its source bound to an object that is gone.
    const legacy = await call(one.kubernetes, 'put', '/v1/distributions/legacy', world.tokens.platform, {
      server: 'registry.example.com',
      username: 'legacy-robot',
      password: LEGACY,
      secretName: 'legacy-creds',
      namespaces: [PAYMENTS],
    });
    expect(legacy.status, legacy.text).toBe(201);
    await eventually(async () => expect(plainText((await secret(PAYMENTS, 'legacy-creds'))!)).toContain(LEGACY), wait);
    expect((await call(one.kubernetes, 'delete', '/v1/distributions/legacy?orphan=true', world.tokens.platform)).status).toBe(202);
    await eventually(async () => expect(await distribution('legacy')).toBeUndefined(), wait);
    expect((await secret(OWN, 'distribution-legacy'))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBeTruthy();

    const own = await call(one.token, 'put', `/v1/namespaces/${TEAM_A}/pullsecrets/team-a-creds`, TOKENS.teamA, {
      server: 'registry.example.com',
      username: 'team-a-robot',
      password: TEAM_A_PW,
    });
    expect(own.status, own.text).toBe(201);
    baseline = await snapshot();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([one?.runtime.stop(), two?.runtime.stop()]);
    await world?.destroy();
  }, 60_000);

  describe.skipIf(!enabled)('', () => {
    it("when a caller granted one namespace aims at regcred's namespace, fan-out into it or regcred.io/ labels, then 403 or 422 as documented, and nothing is written", async () => {
      const callers = [
        ['team-a token', one.token, TOKENS.teamA],
        ['alice (kubernetes)', one.kubernetes, world.tokens.alice],
      ] as const;
      for (const [who, t, bearer] of callers) {
        for (const { method, path } of namespacedRoutes(OWN)) {
          const res = await call(t, method, path, bearer, { ...intruder, name: 'x' });
          expect([who, method, path, res.status, res.body.detail]).toEqual([who, method, path, 403, forbiddenIn(OWN)]);
        }
        const fanOut = await call(t, 'put', `/v1/pullsecrets/fanout-${who.split(' ')[0]}`, bearer, {
          ...intruder,
          namespaces: [TEAM_A, OWN],
        });
        expect(fanOut.status, fanOut.text).toBe(207);
        expect(fanOut.body.results.map((r: { namespace: string; result: string }) => [r.namespace, r.result])).toEqual([
          [TEAM_A, 'created'],
          [OWN, 'forbidden'],
        ]);
        for (const [field, extra] of [
          ['labels', { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_LABEL]: 'payments' } }],
          ['labels', { labels: { [DISTRIBUTION_SOURCE_LABEL]: 'payments' } }],
          ['annotations', { annotations: { [DISTRIBUTION_UID_ANNOTATION]: 'a-uid', [CONTENT_HASH_ANNOTATION]: 'sha256:0' } }],
        ] as const) {
          const res = await call(t, 'put', `/v1/namespaces/${TEAM_A}/pullsecrets/looks-like-a-copy`, bearer, { ...intruder, ...extra });
          expect([who, res.status, res.body.errors?.[0]?.path, res.body.errors?.[0]?.code]).toEqual([who, 422, field, 'reserved']);
        }
        for (const res of [
          await call(t, 'put', '/v1/distributions/payments', bearer, { ...intruder, namespaces: [TEAM_A] }),
          await call(t, 'put', '/v1/distributions/team-a-own', bearer, { ...intruder, namespaces: [TEAM_A] }),
        ])
          expect([who, res.status]).toEqual([who, 403]);
      }
      // Not a route at all: the API has no raw Secret access.
      expect((await call(one.token, 'get', `/v1/namespaces/${OWN}/secrets/distribution-payments`, TOKENS.teamA)).status).toBe(404);
      // alice may read distributions: the view shows usernames, never a credential (checked with every answer at the end).
      const view = await call(one.kubernetes, 'get', '/v1/distributions/payments', world.tokens.alice);
      expect([view.status, view.body.installation, view.body.registries?.[0]?.username]).toEqual([200, OWN, 'payments-robot']);
      expect((await call(one.token, 'get', '/v1/distributions/payments', TOKENS.teamA)).status).toBe(403);

      expect(await secret(TEAM_A, 'looks-like-a-copy')).toBeUndefined();
      expect(await world.distributions.readDistribution('team-a-own')).toBeUndefined();
      for (const who of ['team-a', 'alice']) {
        const written = await secret(TEAM_A, `fanout-${who}`);
        expect(plainText(written!)).toContain(INTRUDER);
        baseline.set(`secret:${TEAM_A}/fanout-${who}`, written!.resourceVersion);
      }
      const audits = auditsInOwn([one.token, one.kubernetes], ['team-a', 'alice']);
      expect(new Set(audits.map((l) => l.result))).toEqual(new Set(['denied']));
      expect(audits.filter((l) => l.reason === 'denied-namespace')).toHaveLength(2 * namespacedRoutes(OWN).length);
    });

    it("when a caller granted regcred's own namespace (by name, by glob, by RBAC on its Secrets) lists, reads or rewrites distribution-payments, then 403 and nothing changes", async () => {
      const source = await secret(OWN, 'distribution-payments');
      if (world.kubectlAs) {
        // bob's RBAC does allow it: what refuses him below is regcred's own rule.
        const direct = await world.kubectlAs('bob', ['get', 'secret', '-n', OWN, 'distribution-payments', '-o', 'name']);
        expect(direct.code, direct.stderr).toBe(0);
      }
      const callers = [
        ['own-exact token', one.token, TOKENS.ownExact],
        ['own-glob token', one.token, TOKENS.ownGlob],
        ['bob (kubernetes)', one.kubernetes, world.tokens.bob],
      ] as const;
      for (const [who, t, bearer] of callers) {
        for (const { method, path } of namespacedRoutes(OWN)) {
          const res = await call(t, method, path, bearer, { ...intruder, name: 'x' });
          expect([who, method, path, res.status, res.body.detail]).toEqual([who, method, path, 403, forbiddenIn(OWN)]);
        }
        const named = await call(t, 'put', '/v1/pullsecrets/distribution-payments', bearer, { ...intruder, namespaces: [OWN] });
        expect([who, named.status, named.body.results]).toEqual([
          who,
          207,
          [{ namespace: OWN, result: 'forbidden', reason: expect.any(String) }],
        ]);
        const selected = await call(t, 'put', '/v1/pullsecrets/distribution-payments', bearer, {
          ...intruder,
          namespaceSelector: '!nothing-has-this',
        });
        expect(JSON.stringify(selected.body.results ?? [])).not.toContain(`"${OWN}"`);
        for (const res of [
          await call(t, 'get', '/v1/distributions', bearer),
          await call(t, 'put', '/v1/distributions/payments', bearer, { ...intruder, namespaces: [PAYMENTS] }),
        ])
          expect([who, res.status]).toEqual([who, 403]);
      }
      const audits = auditsInOwn([one.token, one.kubernetes], ['own-exact', 'own-glob', 'bob']);
      expect(new Set(audits.map((l) => l.result))).toEqual(new Set(['denied']));
      expect(audits.filter((l) => l.reason === 'denied-namespace')).toHaveLength(3 * namespacedRoutes(OWN).length);
      expect(await secret(OWN, 'distribution-payments')).toEqual(source);
    });

    it('when a kubectl user with rights on PullSecretDistributions alone names distribution-payments as its source (any installation, any target, a re-used name), then no copy is made and no view shows it', async () => {
      if (world.kubectlAs) {
        const direct = await world.kubectlAs('alice', ['get', 'secret', '-n', OWN, 'distribution-payments', '-o', 'name']);
        expect([direct.code === 0, direct.stderr]).toEqual([false, expect.stringContaining('forbidden')]);
      }
      const refused = await call(one.kubernetes, 'put', '/v1/distributions/thief-api', world.tokens.alice, {
        ...intruder,
        namespaces: [TEAM_A],
      });
      expect(refused.status).toBe(403);
      const everywhere = [TEAM_A, 'kube-system', OWN, OTHER];
      const object = (name: string, spec: Partial<DistributionSpec>, extra: Partial<DistributionDraft> = {}): DistributionDraft => ({
        name,
        finalizers: [],
        labels: {},
        annotations: {},
        ...extra,
        spec: {
          secretName: 'regcred',
          serviceAccounts: ['*'],
          namespaces: everywhere,
          source: { secretName: 'distribution-payments' },
          ...spec,
        },
      });
      await world.applyAsCrdUser([
        object('thief-unclaimed', {}),
        object('thief-own', { source: { secretName: 'distribution-payments', namespace: OWN } }),
        object('thief-other', { source: { secretName: 'distribution-payments', namespace: OTHER } }),
        object('thief-kube-system', { source: { secretName: 'node-credentials', namespace: 'kube-system' } }),
        object(
          'thief-claimed',
          { namespaceSelector: '!nothing-has-this', source: { secretName: 'distribution-payments', namespace: OWN } },
          { annotations: { [INSTALLATION_ANNOTATION]: OWN }, finalizers: [CLEANUP_FINALIZER] },
        ),
        object('legacy', {
          secretName: 'legacy-creds',
          namespaces: [TEAM_A, PAYMENTS],
          source: { secretName: 'distribution-legacy', namespace: OWN },
        }),
      ]);
      const notLabelled = /is not labelled regcred.io\/distribution-source=/;
      const missing = /does not exist/;
      await eventually(async () => {
        const unclaimed = await distribution('thief-unclaimed');
        const claimant = unclaimed?.annotations[INSTALLATION_ANNOTATION];
        expect([OWN, OTHER]).toContain(claimant);
        expect(unclaimed?.status?.message).toMatch(claimant === OWN ? notLabelled : missing);
        expect((await distribution('thief-own'))?.status?.message).toMatch(notLabelled);
        expect((await distribution('thief-other'))?.status?.message).toMatch(missing);
        expect((await distribution('thief-claimed'))?.status?.message).toMatch(notLabelled);
        expect((await distribution('legacy'))?.status?.message).toMatch(/bound to an earlier distribution/);
      }, wait);
      // No installation is in kube-system: nobody claims it, and no view reads its Secret.
      const kubeSystem = (await distribution('thief-kube-system'))!;
      expect([kubeSystem.annotations[INSTALLATION_ANNOTATION], kubeSystem.finalizers, kubeSystem.status]).toEqual([
        undefined,
        [],
        undefined,
      ]);
      for (const [name, installation, warning] of [
        ['thief-own', OWN, notLabelled],
        ['thief-kube-system', 'kube-system', /managed by the regcred installation in namespace "kube-system"/],
        ['legacy', OWN, /bound to an earlier distribution/],
      ] as const) {
        const view = await call(one.token, 'get', `/v1/distributions/${name}`, TOKENS.platform);
        expect([name, view.status, view.body.installation, view.body.registries]).toEqual([name, 200, installation, []]);
        expect(view.body.warnings.join('\n')).toMatch(warning);
        expect(view.text).not.toMatch(/payments-robot|legacy-robot/);
      }
      for (const ns of everywhere) expect([ns, await secret(ns, 'regcred')]).toEqual([ns, undefined]);
      expect(await secret(TEAM_A, 'legacy-creds')).toBeUndefined();
    });

    it('when someone with Secret rights in a namespace forges copies of payments (our labels, its content hash) and ServiceAccounts referencing them, then the controller leaves them all as they are', async () => {
      const real = (await secret(PAYMENTS, 'regcred'))!;
      const marks = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_LABEL]: 'payments' };
      const hash = { [CONTENT_HASH_ANNOTATION]: real.annotations[CONTENT_HASH_ANNOTATION]! };
      const stolen = { ...hash, [DISTRIBUTION_UID_ANNOTATION]: real.annotations[DISTRIBUTION_UID_ANNOTATION]! };
      const forged = [
        await pullSecret(TEAM_B, 'regcred', marks, hash, dockerConfig('forger', FORGED)),
        // In a deny-listed namespace even the UID read from a real copy changes nothing.
        await pullSecret(
          'kube-system',
          'regcred-payments',
          marks,
          { ...stolen, [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: 'kube-proxy' },
          dockerConfig('forger', FORGED),
        ),
        // A source outside regcred's namespace is nobody's source.
        await pullSecret(
          TEAM_A,
          'distribution-payments',
          { [DISTRIBUTION_SOURCE_LABEL]: 'payments', [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
          {},
          dockerConfig('forger', FORGED),
        ),
      ];
      // The next test's: the UID read from a real copy, outside the deny list.
      mirror = await pullSecret(
        TEAM_B,
        'regcred-mirror',
        marks,
        { ...stolen, [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: 'builder' },
        dockerConfig('forger', FORGED),
      );
      for (const s of [...forged, mirror]) baseline.set(`secret:${keyOf(s)}`, s.resourceVersion);
      // A barrier: the copies watch delivers this deletion after the forgeries, and the status
      // records the restore only after the pass that saw them all.
      await world.cluster.deleteSecret(PAYMENTS, 'regcred', real.uid!);
      await eventually(async () => {
        const status = (await distribution('payments'))?.status;
        expect(status?.namespaces?.find((n) => n.namespace === PAYMENTS)?.state).toBe('drifted-restored');
        expect(plainText((await secret(PAYMENTS, 'regcred'))!)).toContain(CANARY);
      }, wait);
      for (const s of forged)
        expect([keyOf(s), (await secret(s.namespace, s.name))?.resourceVersion]).toEqual([keyOf(s), s.resourceVersion]);
      expect((await world.cluster.readServiceAccount(TEAM_B, 'default'))?.imagePullSecrets).toEqual(['regcred']);
      expect((await world.cluster.readServiceAccount('kube-system', 'kube-proxy'))?.imagePullSecrets).toEqual(['regcred-payments']);
    });

    it('when a forged copy outside the deny list carries the UID read from a real copy and names a ServiceAccount as linked, then the controller neither deletes it nor unlinks that ServiceAccount', async () => {
      // Arranged and passed by the barrier of the test above.
      expect(baseline.get(`sa:${TEAM_B}/builder`)).toBeDefined();
      expect((await world.cluster.readServiceAccount(TEAM_B, 'builder'))?.resourceVersion).toBe(baseline.get(`sa:${TEAM_B}/builder`));
      expect((await secret(TEAM_B, 'regcred-mirror'))?.resourceVersion).toBe(mirror.resourceVersion);
    });

    it('when two installations see an unclaimed distribution, then exactly one claims it, its copy does not flap, and the other installation says who owns it', async () => {
      await world.applyAsCrdUser([
        {
          name: 'shared',
          finalizers: [],
          labels: {},
          annotations: {},
          spec: { secretName: 'shared-creds', source: { secretName: 'distribution-shared' }, namespaces: [SHARED], serviceAccounts: [] },
        },
      ]);
      const settled = await eventually(async () => {
        const object = (await distribution('shared'))!;
        expect(object.status?.counts?.current).toBe(1);
        expect(object.status?.rolledOutAt).toBeDefined();
        return object;
      }, wait);
      const owner = settled.annotations[INSTALLATION_ANNOTATION]!;
      expect([OWN, OTHER]).toContain(owner);
      expect(settled.finalizers).toEqual([CLEANUP_FINALIZER]);
      const copy = (await secret(SHARED, 'shared-creds'))!;
      expect(plainText(copy)).toContain(owner === OWN ? SHARED_ONE : SHARED_TWO);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await secret(SHARED, 'shared-creds'))?.resourceVersion).toBe(copy.resourceVersion);
      expect((await distribution('shared'))?.resourceVersion).toBe(settled.resourceVersion);

      const [owning, other] = owner === OWN ? [one, two] : [two, one];
      const theirs = await call(other.token, 'get', '/v1/distributions/shared', TOKENS.platform);
      expect([theirs.status, theirs.body.installation, theirs.body.registries]).toEqual([200, owner, []]);
      expect(theirs.body.warnings).toEqual([`managed by the regcred installation in namespace "${owner}"; its source is not read here`]);
      const ours = await call(owning.token, 'get', '/v1/distributions/shared', TOKENS.platform);
      expect([ours.body.installation, ours.body.registries?.[0]?.username]).toEqual([owner, 'shared-robot']);
      // The loser's source was not bound to the object: it never used it.
      expect((await secret(other.namespace, 'distribution-shared'))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBeUndefined();
      const paymentsThere = await call(two.token, 'get', '/v1/distributions/payments', TOKENS.platform);
      expect([paymentsThere.body.installation, paymentsThere.body.registries]).toEqual([OWN, []]);
    });

    it('after the attacks settle: each credential is only where it was meant to go, the canary in no answer, log line or Event, and nothing regcred did not write has changed', async () => {
      const owner = (await distribution('shared'))!.annotations[INSTALLATION_ANNOTATION]!;
      const expected: Record<string, string[]> = {
        [CANARY]: [`${OWN}/distribution-payments`, `${PAYMENTS}/regcred`],
        [LEGACY]: [`${OWN}/distribution-legacy`, `${PAYMENTS}/legacy-creds`],
        [TEAM_A_PW]: [`${TEAM_A}/team-a-creds`],
        [INTRUDER]: [`${TEAM_A}/fanout-alice`, `${TEAM_A}/fanout-team-a`],
        [FORGED]: [`${TEAM_A}/distribution-payments`, `kube-system/regcred-payments`, `${TEAM_B}/regcred`, `${TEAM_B}/regcred-mirror`],
        [SHARED_ONE]: [`${OWN}/distribution-shared`, ...(owner === OWN ? [`${SHARED}/shared-creds`] : [])],
        [SHARED_TWO]: [`${OTHER}/distribution-shared`, ...(owner === OTHER ? [`${SHARED}/shared-creds`] : [])],
      };
      const secrets = await world.secrets();
      for (const [password, where] of Object.entries(expected))
        expect([
          password,
          secrets
            .filter((s) => plainText(s).includes(password))
            .map(keyOf)
            .sort(),
        ]).toEqual([password, where.sort()]);

      const canaryForms = [
        CANARY,
        b64(`payments-robot:${CANARY}`),
        (await secret(OWN, 'distribution-payments'))!.data['.dockerconfigjson']!,
      ];
      // The positive control: the forms are what the source holds.
      expect(JSON.stringify(await secret(OWN, 'distribution-payments'))).toContain(canaryForms[2]);
      const said = [
        ...answers,
        ...[one, two].flatMap((i) => [...i.token.logLines, ...i.kubernetes.logLines, ...i.runtimeLog]),
        await world.eventsText(),
      ];
      expect(answers.length).toBeGreaterThan(50);
      for (const form of canaryForms) expect(said.filter((text) => text.includes(form))).toEqual([]);

      const now = await snapshot();
      const changed = [...baseline].filter(([key, version]) => now.get(key) !== version).map(([key]) => key);
      expect(changed.sort()).toEqual([`secret:${owner}/distribution-shared`, `secret:${PAYMENTS}/regcred`].sort());
      const added = [...now.keys()].filter((key) => !baseline.has(key));
      expect(added).toEqual([`secret:${SHARED}/shared-creds`]);
    });

    it('when payments is deleted, then its copy, its source and its link go, and nothing else does', async () => {
      const before = await snapshot();
      expect((await world.cluster.readServiceAccount(PAYMENTS, 'default'))?.imagePullSecrets).toEqual(['regcred']);
      const deleted = await call(one.token, 'delete', '/v1/distributions/payments', TOKENS.platform);
      expect(deleted.status).toBe(202);
      await eventually(async () => expect(await distribution('payments')).toBeUndefined(), wait);
      const after = await snapshot();
      const changed = [...before].filter(([key, version]) => after.get(key) !== version).map(([key]) => key);
      expect(changed.sort()).toEqual(
        [`sa:${PAYMENTS}/default`, `secret:${OWN}/distribution-payments`, `secret:${PAYMENTS}/regcred`].sort(),
      );
      expect([...after.keys()].filter((key) => !before.has(key))).toEqual([]);
      expect(after.has(`secret:${PAYMENTS}/regcred`)).toBe(false);
      expect((await world.cluster.readServiceAccount(PAYMENTS, 'default'))?.imagePullSecrets).toEqual([]);
      expect((await world.cluster.readServiceAccount(PAYMENTS, 'legacy-builder'))?.imagePullSecrets).toEqual(['regcred']);
    });
  });
});
