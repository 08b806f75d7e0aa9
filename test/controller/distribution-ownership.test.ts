import { Buffer } from 'node:buffer';
import { afterEach, describe, expect, it } from 'vitest';
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
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { CANARY_PASSWORD as CANARY, ciDockerConfigJson as configJson } from '../support/docker-config-samples.js';
import { recordingObserver } from '../support/recording-observer.js';
import { eventually } from '../support/poll.js';
import { uniqueName } from '../support/real-cluster.js';

const MANAGED = { 'app.kubernetes.io/managed-by': 'regcred' };
const WAIT = { timeoutMs: 15_000 };
const contentOf = (secret: { data: Record<string, string> } | undefined) =>
  secret ? Buffer.from(secret.data['.dockerconfigjson'] ?? '', 'base64').toString() : '';

describe('the distribution controller acts only for what it can prove is its own (issue 16)', () => {
  describe.each(clusterArenas())('on %s', (title, makeArena) => {
    let arena: ClusterArena;
    const controllers: DistributionController[] = [];
    const distributionNames: string[] = [];

    afterEach(async () => {
      for (const c of controllers.splice(0)) await c.stop();
      await arena?.cleanup(distributionNames.splice(0));
    });

    async function source(
      name: string,
      labelledFor: string,
      password = CANARY,
      annotations: Record<string, string> = {},
      namespace = arena.ownNamespace,
    ) {
      await arena.cluster.createSecret({
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
      const source = { secretName: `distribution-${name}`, ...(claimable ? {} : { namespace: arena.ownNamespace }) };
      return arena.distributions.createDistribution({
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
        cluster: options.cluster ?? arena.cluster,
        distributions: arena.distributions,
        ownNamespace: options.ownNamespace ?? arena.ownNamespace,
        denyNamespaces: ['kube-system'],
        watchTimeoutSeconds: 30,
        resyncSeconds: 3600,
        observer,
      });
      controllers.push(c);
      return { controller: c, seen, settled: () => eventually(async () => expect(c.backlog).toBe(0), WAIT) };
    }

    const statusOf = async (name: string) => (await arena.distributions.readDistribution(name))?.status;

    it("copies a source only when it is labelled for this distribution: another team's source named in a kubectl-made object reaches no namespace", async () => {
      arena = await makeArena();
      const target = uniqueName('ns-thief');
      await arena.createNamespace(target);
      await source('distribution-payments', 'payments');
      const thief = await distribution(uniqueName('thief'), {
        source: { secretName: 'distribution-payments', namespace: arena.ownNamespace },
        namespaces: [target],
      });
      const { controller: c, settled } = controller();
      await c.start();
      await eventually(
        async () => expect((await statusOf(thief.name))?.message).toMatch(/not labelled regcred.io\/distribution-source/),
        WAIT,
      );
      await settled();
      expect(await arena.cluster.readSecret(target, 'regcred')).toBeUndefined();
    });

    it('binds a source to the object on first use, and a later object of the same name does not inherit it', async () => {
      arena = await makeArena();
      const target = uniqueName('ns');
      await arena.createNamespace(target);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name, CANARY, { [DISTRIBUTION_UID_ANNOTATION]: 'uid-of-an-earlier-object' });
      const later = await distribution(name, { namespaces: [target] });
      const first = controller();
      await first.controller.start();
      await eventually(async () => expect((await statusOf(later.name))?.message).toMatch(/bound to an earlier distribution/), WAIT);
      await first.settled();
      expect(await arena.cluster.readSecret(target, 'regcred')).toBeUndefined();

      // An unbound source is bound to the object that first uses it.
      const fresh = uniqueName('psd');
      await source(`distribution-${fresh}`, fresh);
      const object = await distribution(fresh, { namespaces: [target], secretName: 'fresh' });
      await eventually(async () => expect(contentOf(await arena.cluster.readSecret(target, 'fresh'))).toContain(CANARY), WAIT);
      const bound = await arena.cluster.readSecret(arena.ownNamespace, `distribution-${fresh}`);
      expect(bound?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(object.uid);
      expect((await arena.cluster.readSecret(target, 'fresh'))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(object.uid);
    });

    it('never changes a Secret it did not make, whatever its labels say, nor anything in a deny-listed namespace', async () => {
      arena = await makeArena();
      const [target, victim] = [uniqueName('ns'), uniqueName('ns-victim')];
      await arena.createNamespace(target);
      await arena.createNamespace(victim);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      const object = await distribution(name, { namespaces: [target], serviceAccounts: ['*'] });
      const forgedLabels = { ...MANAGED, [DISTRIBUTION_LABEL]: name };
      const forged = await arena.cluster.createSecret({
        namespace: victim,
        name: 'regcred',
        type: 'kubernetes.io/dockerconfigjson',
        labels: forgedLabels,
        annotations: { [CONTENT_HASH_ANNOTATION]: 'sha256:0000000000000000' },
        data: { '.dockerconfigjson': configJson('victim-own') },
      });
      await arena.seedServiceAccount({ namespace: victim, name: 'default', imagePullSecrets: ['regcred'] });
      // Even one carrying the object's UID (left from before the deny list named the namespace).
      const denied = await arena.cluster.createSecret({
        namespace: 'kube-system',
        name: `regcred-${name}`,
        type: 'kubernetes.io/dockerconfigjson',
        labels: forgedLabels,
        annotations: { [DISTRIBUTION_UID_ANNOTATION]: object.uid! },
        data: { '.dockerconfigjson': configJson('kube-system-own') },
      });
      const { controller: c, settled } = controller();
      await c.start();
      await eventually(async () => expect(contentOf(await arena.cluster.readSecret(target, 'regcred'))).toContain(CANARY), WAIT);
      await settled();
      expect((await arena.cluster.readSecret(victim, 'regcred'))?.resourceVersion).toBe(forged.resourceVersion);
      expect((await arena.cluster.readServiceAccount(victim, 'default'))?.imagePullSecrets).toEqual(['regcred']);
      expect((await arena.cluster.readSecret('kube-system', `regcred-${name}`))?.resourceVersion).toBe(denied.resourceVersion);
      await arena.cluster.deleteSecret('kube-system', `regcred-${name}`, denied.uid!);
    });

    it('unlinks only the references it added: one a ServiceAccount held before stays', async () => {
      arena = await makeArena();
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      await arena.createNamespace(ns, { team });
      await arena.seedServiceAccount({ namespace: ns, name: 'default' });
      await arena.seedServiceAccount({ namespace: ns, name: 'builder', imagePullSecrets: ['regcred'] });
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaceSelector: `team=${team}`, serviceAccounts: ['*'] });
      const { controller: c } = controller();
      await c.start();
      await eventually(
        async () => expect((await arena.cluster.readServiceAccount(ns, 'default'))?.imagePullSecrets).toEqual(['regcred']),
        WAIT,
      );
      await arena.setNamespaceLabels(ns, { team: 'moved' });
      await eventually(async () => expect(await arena.cluster.readSecret(ns, 'regcred')).toBeUndefined(), WAIT);
      await eventually(async () => expect((await arena.cluster.readServiceAccount(ns, 'default'))?.imagePullSecrets).toEqual([]), WAIT);
      expect((await arena.cluster.readServiceAccount(ns, 'builder'))?.imagePullSecrets).toEqual(['regcred']);
    });

    // On the kit in the hostile-tenant suite, on a private API server: other suites' controllers would claim the object here.
    it.runIf(title === 'the in-memory cluster')(
      'with two installations, the first to claim an object owns it: the other leaves it alone, and the copies do not flap',
      async () => {
        arena = await makeArena();
        const other = uniqueName('regcred-other');
        await arena.createNamespace(other);
        const target = uniqueName('ns');
        await arena.createNamespace(target);
        const name = uniqueName('psd');
        await source(`distribution-${name}`, name, 'password-of-one');
        await source(`distribution-${name}`, name, 'password-of-two', {}, other);
        await distribution(name, { namespaces: [target] }, true);
        const one = controller();
        const two = controller({ ownNamespace: other });
        await Promise.all([one.controller.start(), two.controller.start()]);
        await eventually(async () => expect((await statusOf(name))?.counts?.current).toBe(1), WAIT);
        await Promise.all([one.settled(), two.settled()]);
        const claimed = (await arena.distributions.readDistribution(name))!;
        const owner = claimed.annotations[INSTALLATION_ANNOTATION];
        expect([arena.ownNamespace, other]).toContain(owner);
        const copy = (await arena.cluster.readSecret(target, 'regcred'))!;
        expect(contentOf(copy)).toContain(owner === other ? 'password-of-two' : 'password-of-one');
        await new Promise((r) => setTimeout(r, 1500));
        expect((await arena.cluster.readSecret(target, 'regcred'))?.resourceVersion).toBe(copy.resourceVersion);
      },
    );

    it('finishes a deletion after spec.source.namespace is edited to name another installation', async () => {
      arena = await makeArena();
      const target = uniqueName('ns');
      await arena.createNamespace(target);
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaces: [target] });
      const { controller: c } = controller();
      await c.start();
      await eventually(async () => expect(contentOf(await arena.cluster.readSecret(target, 'regcred'))).toContain(CANARY), WAIT);
      // A read-modify-write beside the controller's own status writes: retried when one of them comes in between.
      const current = await eventually(async () => {
        const read = (await arena.distributions.readDistribution(name))!;
        const { uid: _u, generation: _g, status: _s, deletionTimestamp: _d, ...draft } = read;
        await arena.distributions.replaceDistribution({
          ...draft,
          spec: { ...read.spec, source: { ...read.spec.source, namespace: 'an-installation-that-is-gone' } },
          resourceVersion: read.resourceVersion!,
        });
        return read;
      }, WAIT);
      await eventually(async () => expect((await statusOf(name))?.message).toMatch(/holds this distribution/), WAIT);
      await arena.distributions.deleteDistribution(name, current.uid!);
      await eventually(async () => expect(await arena.distributions.readDistribution(name)).toBeUndefined(), WAIT);
      expect(await arena.cluster.readSecret(target, 'regcred')).toBeUndefined();
    });

    it('backs off a copy it cannot remove, and reports it once, not at every retry', async () => {
      arena = await makeArena();
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      await arena.createNamespace(ns, { team });
      const name = uniqueName('psd');
      await source(`distribution-${name}`, name);
      await distribution(name, { namespaceSelector: `team=${team}` });
      const refusing: Cluster = Object.create(arena.cluster, {
        deleteSecret: {
          value: async (namespace: string, secret: string, uid: string) => {
            if (namespace === ns) throw new ClusterPermissionError(`regcred may not delete secrets in namespace "${ns}"`);
            return arena.cluster.deleteSecret(namespace, secret, uid);
          },
        },
      });
      const { controller: c, seen, settled } = controller({ cluster: refusing });
      await c.start();
      await eventually(async () => expect((await statusOf(name))?.counts?.current).toBe(1), WAIT);
      await settled();
      const before = seen.reconcilesOf.get(name) ?? 0;
      await arena.setNamespaceLabels(ns, { team: 'moved' });
      await new Promise((r) => setTimeout(r, 4500));
      expect(seen.failed.filter((f) => f.startsWith(`${ns}:`))).toHaveLength(1);
      // 1 s, 2 s, 4 s … instead of every second: at most 4 passes in 4.5 s (the first, and three retries).
      expect((seen.reconcilesOf.get(name) ?? 0) - before).toBeLessThanOrEqual(4);
      expect(await arena.cluster.readSecret(ns, 'regcred')).toBeDefined();
    });

    it('refuses a spec that breaks the rules: no claim, no finalizer, no copy, and it says so once', async () => {
      arena = await makeArena();
      const target = uniqueName('ns');
      await arena.createNamespace(target);
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
      const stored = (await arena.distributions.readDistribution(name))!;
      expect(stored.finalizers).toEqual([]);
      expect(stored.annotations[INSTALLATION_ANNOTATION]).toBeUndefined();
      expect(await arena.cluster.readSecret(target, 'regcred')).toBeUndefined();
      expect(seen.refused.filter((r) => r.startsWith(`${name}:`))).toHaveLength(1);
    });

    it('does not send a create again that it knows conflicts with a Secret someone else made', async () => {
      arena = await makeArena();
      const ns = uniqueName('ns');
      await arena.createNamespace(ns);
      await arena.cluster.createSecret({
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
      const counting: Cluster = Object.create(arena.cluster, {
        createSecret: {
          value: async (...args: Parameters<Cluster['createSecret']>) => {
            if (args[0].namespace === ns) creates++;
            return arena.cluster.createSecret(...args);
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
