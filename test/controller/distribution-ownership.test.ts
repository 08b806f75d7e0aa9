import { Buffer } from 'node:buffer';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import { ClusterPermissionError, type Cluster } from '../../src/domain/cluster.js';
import {
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  type DistributionObject,
  type DistributionSpec,
} from '../../src/domain/distributions/distribution.js';
import {
  applyCrdWhenOnKit,
  distributionStages,
  recordingObserver,
  STAGE_CANARY as CANARY,
  stageConfigJson as configJson,
  type Stage,
} from '../support/distribution-stage.js';
import { eventually } from '../support/poll.js';
import { uniqueName } from '../support/real-cluster.js';

const MANAGED = { 'app.kubernetes.io/managed-by': 'regcred' };
const WAIT = { timeoutMs: 15_000 };
const contentOf = (secret: { data: Record<string, string> } | undefined) =>
  secret ? Buffer.from(secret.data['.dockerconfigjson'] ?? '', 'base64').toString() : '';

describe('the distribution controller acts only for what it can prove is its own (issue 16)', () => {
  beforeAll(applyCrdWhenOnKit);

  describe.each(distributionStages())('on %s', (title, makeStage) => {
    let stage: Stage;
    const controllers: DistributionController[] = [];
    const distributionNames: string[] = [];

    afterEach(async () => {
      for (const c of controllers.splice(0)) await c.stop();
      await stage?.cleanup(distributionNames.splice(0));
    });

    async function source(
      name: string,
      labelledFor: string,
      password = CANARY,
      annotations: Record<string, string> = {},
      namespace = stage.ownNamespace,
    ) {
      await stage.cluster.createSecret({
        namespace,
        name,
        type: 'kubernetes.io/dockerconfigjson',
        labels: { ...MANAGED, [DISTRIBUTION_SOURCE_LABEL]: labelledFor },
        annotations,
        data: { '.dockerconfigjson': configJson(password) },
      });
    }

    /**
     * A kubectl-made object. It names this test's installation: on the shared kit other suites run
     * controllers too, and the first installation to see an unclaimed object claims it.
     */
    async function distribution(name: string, spec: Partial<DistributionSpec>, claimable = false): Promise<DistributionObject> {
      distributionNames.push(name);
      const source = { secretName: `distribution-${name}`, ...(claimable ? {} : { namespace: stage.ownNamespace }) };
      return stage.distributions.createDistribution({
        name,
        finalizers: [],
        labels: {},
        annotations: {},
        spec: { secretName: 'regcred', serviceAccounts: [], ...spec, source: { ...source, ...spec.source } },
      });
    }

    function controller(options: { ownNamespace?: string; cluster?: Cluster } = {}) {
      const { observer, seen } = recordingObserver();
      const c = new DistributionController({
        cluster: options.cluster ?? stage.cluster,
        distributions: stage.distributions,
        ownNamespace: options.ownNamespace ?? stage.ownNamespace,
        denyNamespaces: ['kube-system'],
        watchTimeoutSeconds: 30,
        resyncSeconds: 3600,
        observer,
      });
      controllers.push(c);
      return { controller: c, seen, settled: () => eventually(async () => expect(c.backlog).toBe(0), WAIT) };
    }

    const statusOf = async (name: string) => (await stage.distributions.readDistribution(name))?.status;

    it("copies a source only when it is labelled for this distribution: another team's source named in a kubectl-made object reaches no namespace", async () => {
      stage = await makeStage();
      const target = uniqueName('ns-thief');
      await stage.createNamespace(target);
      await source('distribution-payments', 'payments');
      const thief = await distribution(uniqueName('thief'), {
        source: { secretName: 'distribution-payments', namespace: stage.ownNamespace },
        namespaces: [target],
      });
      const { controller: c, settled } = controller();
      await c.start();
      await eventually(
        async () => expect((await statusOf(thief.name))?.message).toMatch(/not labelled regcred.io\/distribution-source/),
        WAIT,
      );
      await settled();
      expect(await stage.cluster.readSecret(target, 'regcred')).toBeUndefined();
    });

    it('binds a source to the object on first use, and a later object of the same name does not inherit it', async () => {
      stage = await makeStage();
      const target = uniqueName('ns');
      await stage.createNamespace(target);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name, CANARY, { [DISTRIBUTION_UID_ANNOTATION]: 'uid-of-an-earlier-object' });
      const later = await distribution(name, { namespaces: [target] });
      const first = controller();
      await first.controller.start();
      await eventually(async () => expect((await statusOf(later.name))?.message).toMatch(/bound to an earlier distribution/), WAIT);
      await first.settled();
      expect(await stage.cluster.readSecret(target, 'regcred')).toBeUndefined();

      // An unbound source is bound to the object that first uses it.
      const fresh = uniqueName('psd');
      await source(`distribution-${fresh}`, fresh);
      const object = await distribution(fresh, { namespaces: [target], secretName: 'fresh' });
      await eventually(async () => expect(contentOf(await stage.cluster.readSecret(target, 'fresh'))).toContain(CANARY), WAIT);
      const bound = await stage.cluster.readSecret(stage.ownNamespace, `distribution-${fresh}`);
      expect(bound?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(object.uid);
      expect((await stage.cluster.readSecret(target, 'fresh'))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(object.uid);
    });

    it('never changes a Secret it did not make, whatever its labels say, nor anything in a deny-listed namespace', async () => {
      stage = await makeStage();
      const [target, victim] = [uniqueName('ns'), uniqueName('ns-victim')];
      await stage.createNamespace(target);
      await stage.createNamespace(victim);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      const object = await distribution(name, { namespaces: [target], serviceAccounts: ['*'] });
      const forgedLabels = { ...MANAGED, [DISTRIBUTION_LABEL]: name };
      const forged = await stage.cluster.createSecret({
        namespace: victim,
        name: 'regcred',
        type: 'kubernetes.io/dockerconfigjson',
        labels: forgedLabels,
        annotations: { [CONTENT_HASH_ANNOTATION]: 'sha256:0000000000000000' },
        data: { '.dockerconfigjson': configJson('victim-own') },
      });
      await stage.createServiceAccount(victim, 'default', ['regcred']);
      // Even one carrying the object's UID (left from before the deny list named the namespace).
      const denied = await stage.cluster.createSecret({
        namespace: 'kube-system',
        name: `regcred-${name}`,
        type: 'kubernetes.io/dockerconfigjson',
        labels: forgedLabels,
        annotations: { [DISTRIBUTION_UID_ANNOTATION]: object.uid! },
        data: { '.dockerconfigjson': configJson('kube-system-own') },
      });
      const { controller: c, settled } = controller();
      await c.start();
      await eventually(async () => expect(contentOf(await stage.cluster.readSecret(target, 'regcred'))).toContain(CANARY), WAIT);
      await settled();
      expect((await stage.cluster.readSecret(victim, 'regcred'))?.resourceVersion).toBe(forged.resourceVersion);
      expect((await stage.cluster.readServiceAccount(victim, 'default'))?.imagePullSecrets).toEqual(['regcred']);
      expect((await stage.cluster.readSecret('kube-system', `regcred-${name}`))?.resourceVersion).toBe(denied.resourceVersion);
      await stage.cluster.deleteSecret('kube-system', `regcred-${name}`, denied.uid!);
    });

    it('unlinks only the references it added: one a ServiceAccount held before stays', async () => {
      stage = await makeStage();
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      await stage.createNamespace(ns, { team });
      await stage.createServiceAccount(ns, 'default');
      await stage.createServiceAccount(ns, 'builder', ['regcred']);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaceSelector: `team=${team}`, serviceAccounts: ['*'] });
      const { controller: c } = controller();
      await c.start();
      await eventually(
        async () => expect((await stage.cluster.readServiceAccount(ns, 'default'))?.imagePullSecrets).toEqual(['regcred']),
        WAIT,
      );
      await stage.setNamespaceLabels(ns, { team: 'moved' });
      await eventually(async () => expect(await stage.cluster.readSecret(ns, 'regcred')).toBeUndefined(), WAIT);
      await eventually(async () => expect((await stage.cluster.readServiceAccount(ns, 'default'))?.imagePullSecrets).toEqual([]), WAIT);
      expect((await stage.cluster.readServiceAccount(ns, 'builder'))?.imagePullSecrets).toEqual(['regcred']);
    });

    // On the kit in the hostile-tenant suite, on a private API server: other suites' controllers would claim the object here.
    it.runIf(title === 'the in-memory cluster')(
      'with two installations, the first to claim an object owns it: the other leaves it alone, and the copies do not flap',
      async () => {
        stage = await makeStage();
        const other = uniqueName('regcred-other');
        await stage.createNamespace(other);
        const target = uniqueName('ns');
        await stage.createNamespace(target);
        const name = uniqueName('psd');
        await source(`distribution-${name}`, name, 'password-of-one');
        await source(`distribution-${name}`, name, 'password-of-two', {}, other);
        await distribution(name, { namespaces: [target] }, true);
        const one = controller();
        const two = controller({ ownNamespace: other });
        await Promise.all([one.controller.start(), two.controller.start()]);
        await eventually(async () => expect((await statusOf(name))?.counts?.current).toBe(1), WAIT);
        await Promise.all([one.settled(), two.settled()]);
        const claimed = (await stage.distributions.readDistribution(name))!;
        const owner = claimed.annotations[INSTALLATION_ANNOTATION];
        expect([stage.ownNamespace, other]).toContain(owner);
        const copy = (await stage.cluster.readSecret(target, 'regcred'))!;
        expect(contentOf(copy)).toContain(owner === other ? 'password-of-two' : 'password-of-one');
        await new Promise((r) => setTimeout(r, 1500));
        expect((await stage.cluster.readSecret(target, 'regcred'))?.resourceVersion).toBe(copy.resourceVersion);
      },
    );

    it('finishes a deletion after spec.source.namespace is edited to name another installation', async () => {
      stage = await makeStage();
      const target = uniqueName('ns');
      await stage.createNamespace(target);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaces: [target] });
      const { controller: c } = controller();
      await c.start();
      await eventually(async () => expect(contentOf(await stage.cluster.readSecret(target, 'regcred'))).toContain(CANARY), WAIT);
      const current = (await stage.distributions.readDistribution(name))!;
      const { uid: _u, generation: _g, status: _s, deletionTimestamp: _d, ...draft } = current;
      await stage.distributions.replaceDistribution({
        ...draft,
        spec: { ...current.spec, source: { ...current.spec.source, namespace: 'an-installation-that-is-gone' } },
        resourceVersion: current.resourceVersion!,
      });
      await eventually(async () => expect((await statusOf(name))?.message).toMatch(/holds this distribution/), WAIT);
      await stage.distributions.deleteDistribution(name, current.uid!);
      await eventually(async () => expect(await stage.distributions.readDistribution(name)).toBeUndefined(), WAIT);
      expect(await stage.cluster.readSecret(target, 'regcred')).toBeUndefined();
    });

    it('backs off a copy it cannot remove, and reports it once, not at every retry', async () => {
      stage = await makeStage();
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      await stage.createNamespace(ns, { team });
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaceSelector: `team=${team}` });
      const refusing: Cluster = Object.create(stage.cluster, {
        deleteSecret: {
          value: async (namespace: string, secret: string, uid: string) => {
            if (namespace === ns) throw new ClusterPermissionError(`regcred may not delete secrets in namespace "${ns}"`);
            return stage.cluster.deleteSecret(namespace, secret, uid);
          },
        },
      });
      const { controller: c, seen, settled } = controller({ cluster: refusing });
      await c.start();
      await eventually(async () => expect((await statusOf(name))?.counts?.current).toBe(1), WAIT);
      await settled();
      const before = seen.reconcilesOf.get(name) ?? 0;
      await stage.setNamespaceLabels(ns, { team: 'moved' });
      await new Promise((r) => setTimeout(r, 4500));
      expect(seen.failed.filter((f) => f.startsWith(`${ns}:`))).toHaveLength(1);
      // 1 s, 2 s, 4 s … instead of every second: at most 4 passes in 4.5 s (the first, and three retries).
      expect((seen.reconcilesOf.get(name) ?? 0) - before).toBeLessThanOrEqual(4);
      expect(await stage.cluster.readSecret(ns, 'regcred')).toBeDefined();
    });

    it('refuses a spec that breaks the rules: no claim, no finalizer, no copy, and it says so once', async () => {
      stage = await makeStage();
      const target = uniqueName('ns');
      await stage.createNamespace(target);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      // The CRD's schema cannot say that "*" stands alone; the controller checks the spec again.
      await distribution(name, { namespaces: [target], serviceAccounts: ['*', 'default'] });
      const { controller: c, seen, settled } = controller();
      await c.start();
      await eventually(async () => expect((await statusOf(name))?.message).toMatch(/spec\.serviceAccounts/), WAIT);
      for (let i = 0; i < 2; i++) {
        c.resync();
        await settled();
      }
      const stored = (await stage.distributions.readDistribution(name))!;
      expect(stored.finalizers).toEqual([]);
      expect(stored.annotations[INSTALLATION_ANNOTATION]).toBeUndefined();
      expect(await stage.cluster.readSecret(target, 'regcred')).toBeUndefined();
      expect(seen.refused.filter((r) => r.startsWith(`${name}:`))).toHaveLength(1);
    });

    it('does not send a create again that it knows conflicts with a Secret someone else made', async () => {
      stage = await makeStage();
      const ns = uniqueName('ns');
      await stage.createNamespace(ns);
      await stage.cluster.createSecret({
        namespace: ns,
        name: 'regcred',
        type: 'Opaque',
        labels: {},
        annotations: {},
        data: { a: 'Yg==' },
      });
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaces: [ns] });
      let creates = 0;
      const counting: Cluster = Object.create(stage.cluster, {
        createSecret: {
          value: async (...args: Parameters<Cluster['createSecret']>) => {
            if (args[0].namespace === ns) creates++;
            return stage.cluster.createSecret(...args);
          },
        },
      });
      const { controller: c, seen, settled } = controller({ cluster: counting });
      await c.start();
      await eventually(async () => expect((await statusOf(name))?.namespaces?.[0]?.state).toBe('failed'), WAIT);
      for (let i = 0; i < 3; i++) {
        c.resync();
        await settled();
      }
      expect(creates).toBe(1);
      expect(seen.failed.filter((f) => f.startsWith(`${ns}:`))).toHaveLength(1);
    });
  });
});
