import { Buffer } from 'node:buffer';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  LINKED_SERVICE_ACCOUNTS_ANNOTATION,
  ORPHAN_ANNOTATION,
  type DistributionSpec,
} from '../../src/domain/distributions/distribution.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { CANARY_PASSWORD as CANARY, ciDockerConfigJson as configJson } from '../support/docker-config-samples.js';
import { recordingObserver } from '../support/recording-observer.js';
import { eventually } from '../support/poll.js';
import { uniqueName } from '../support/real-cluster.js';

describe('the distribution controller', () => {
  describe.each(clusterArenas())('on %s', (_title, makeArena) => {
    let arena: ClusterArena;
    let controller: DistributionController | undefined;
    const distributionNames: string[] = [];

    afterEach(async () => {
      await controller?.stop();
      controller = undefined;
      await arena?.cleanup(distributionNames.splice(0));
    });

    afterAll(async () => controller?.stop());

    async function arrange(spec: Partial<DistributionSpec> & { team: string }, password = CANARY) {
      arena = await makeArena();
      const name = uniqueName('psd');
      distributionNames.push(name);
      const sourceName = `distribution-${name}`;
      await arena.cluster.createSecret({
        namespace: arena.ownNamespace,
        name: sourceName,
        type: 'kubernetes.io/dockerconfigjson',
        labels: { 'app.kubernetes.io/managed-by': 'regcred', [DISTRIBUTION_SOURCE_LABEL]: name },
        annotations: {},
        data: { '.dockerconfigjson': configJson(password) },
      });
      const { team, ...rest } = spec;
      await arena.distributions.createDistribution({
        name,
        finalizers: [],
        labels: {},
        annotations: {},
        spec: {
          secretName: 'regcred',
          source: { secretName: sourceName, namespace: arena.ownNamespace },
          namespaceSelector: `team=${team}`,
          serviceAccounts: [],
          ...rest,
        },
      });
      const { observer, seen } = recordingObserver();
      controller = new DistributionController({
        cluster: arena.cluster,
        distributions: arena.distributions,
        ownNamespace: arena.ownNamespace,
        denyNamespaces: ['kube-system'],
        watchTimeoutSeconds: 30,
        resyncSeconds: 3600,
        observer,
      });
      return { name, sourceName, seen, start: () => controller!.start() };
    }

    const copyIn = (namespace: string) => arena.cluster.readSecret(namespace, 'regcred');
    const settled = () => eventually(async () => expect(controller!.backlog).toBe(0), { timeoutMs: 15_000 });

    it('keeps a copy in every matching namespace, present and future, links every ServiceAccount, restores drift and removes copies where it stops matching', async () => {
      const team = uniqueName('t');
      const [a, b, later, other] = [uniqueName('ns-a'), uniqueName('ns-b'), uniqueName('ns-later'), uniqueName('ns-other')];
      const { name, seen, start } = await arrange({ team, serviceAccounts: ['*'] });
      await arena.createNamespace(a, { team });
      await arena.createNamespace(b, { team });
      await arena.createNamespace(other, { team: 'someone-else' });
      await arena.seedServiceAccount({ namespace: a, name: 'default' });
      await start();

      await eventually(
        async () => {
          for (const ns of [a, b]) {
            const copy = await copyIn(ns);
            expect(copy?.labels[DISTRIBUTION_LABEL]).toBe(name);
            expect(Buffer.from(copy!.data['.dockerconfigjson']!, 'base64').toString()).toContain(CANARY);
          }
          expect((await arena.cluster.readServiceAccount(a, 'default'))?.imagePullSecrets).toEqual(['regcred']);
        },
        { timeoutMs: 15_000 },
      );
      expect(await copyIn(other)).toBeUndefined();

      // A namespace created later, and a ServiceAccount created later.
      await arena.createNamespace(later, { team });
      await arena.seedServiceAccount({ namespace: b, name: 'builder' });
      await eventually(
        async () => {
          expect((await copyIn(later))?.labels[DISTRIBUTION_LABEL]).toBe(name);
          expect((await arena.cluster.readServiceAccount(b, 'builder'))?.imagePullSecrets).toEqual(['regcred']);
        },
        { timeoutMs: 15_000 },
      );

      // Deleted and edited copies come back.
      const deleted = (await copyIn(a))!;
      await arena.cluster.deleteSecret(a, 'regcred', deleted.uid!);
      await eventually(async () => expect((await copyIn(a))?.uid).toBeDefined(), { timeoutMs: 15_000 });
      const edited = (await copyIn(b))!;
      await arena.cluster.replaceSecret({
        ...edited,
        data: { '.dockerconfigjson': configJson('tampered') },
        resourceVersion: edited.resourceVersion!,
      });
      await eventually(async () => expect((await copyIn(b))?.data['.dockerconfigjson']).toBe(configJson(CANARY)), { timeoutMs: 15_000 });
      // The controller reports a restore once its write has answered: a reader of the API may see the copy first.
      await eventually(async () => expect(seen.restored).toEqual(expect.arrayContaining([`${a}:deleted`, `${b}:edited`])));

      // Stops matching: the copy and the link it added go.
      await arena.setNamespaceLabels(a, { team: 'moved' });
      await eventually(
        async () => {
          expect(await copyIn(a)).toBeUndefined();
          expect((await arena.cluster.readServiceAccount(a, 'default'))?.imagePullSecrets).toEqual([]);
        },
        { timeoutMs: 15_000 },
      );

      await settled();
      const status = (await arena.distributions.readDistribution(name))!.status!;
      expect(status.counts).toMatchObject({ targeted: 2, current: 2 });
      expect(status.namespaces!.map((n) => [n.namespace, n.state]).sort()).toEqual(
        [
          [b, 'drifted-restored'],
          [later, 'inSync'],
        ].sort(),
      );
      expect(JSON.stringify(status)).not.toContain(CANARY);
      expect(seen.errors).toEqual([]);
      expect(seen.unexpected).toEqual([]);
    });

    it('writes nothing when nothing changed: copies, links and status keep their resourceVersions through a resync', async () => {
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      const { name, start } = await arrange({ team, serviceAccounts: ['default'] });
      await arena.createNamespace(ns, { team });
      await arena.seedServiceAccount({ namespace: ns, name: 'default' });
      await start();
      await eventually(async () => expect((await arena.distributions.readDistribution(name))?.status?.counts?.inSync).toBe(1), {
        timeoutMs: 15_000,
      });
      await settled();
      const before = [
        (await copyIn(ns))!.resourceVersion,
        (await arena.cluster.readServiceAccount(ns, 'default'))!.resourceVersion,
        (await arena.distributions.readDistribution(name))!.resourceVersion,
      ];
      controller!.resync();
      controller!.resync();
      await new Promise((r) => setTimeout(r, 300));
      await settled();
      const after = [
        (await copyIn(ns))!.resourceVersion,
        (await arena.cluster.readServiceAccount(ns, 'default'))!.resourceVersion,
        (await arena.distributions.readDistribution(name))!.resourceVersion,
      ];
      expect(after).toEqual(before);
    });

    it('leaves a distribution alone when namespaces it neither names nor selects come and go', async () => {
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      const { name, seen, start } = await arrange({ team });
      await arena.createNamespace(ns, { team });
      await start();
      await eventually(async () => expect((await arena.distributions.readDistribution(name))?.status?.counts?.inSync).toBe(1), {
        timeoutMs: 15_000,
      });
      await settled();
      await new Promise((r) => setTimeout(r, 300));
      const before = seen.reconcilesOf.get(name) ?? 0;
      const plannedBefore = seen.plannedOf.get(name) ?? 0;
      for (let i = 0; i < 3; i++) await arena.createNamespace(uniqueName('unrelated'), { team: `${team}-other` });
      // A namespace it does target, after them: once its copy is there, the informer has delivered the three others too.
      const targeted = uniqueName('ns-late');
      await arena.createNamespace(targeted, { team });
      await eventually(async () => expect((await copyIn(targeted))?.labels[DISTRIBUTION_LABEL]).toBe(name), { timeoutMs: 15_000 });
      await settled();
      // The targeted namespace's pass (and its batched status write, and its own write's event when that beats the answer); the three others none.
      expect((seen.reconcilesOf.get(name) ?? 0) - before).toBeLessThanOrEqual(3);
      expect(seen.plannedOf.get(name)! - plannedBefore).toBeLessThanOrEqual(2);
    });

    it('rotates in place: every read during the rotation sees the old or the new credential, never none, and the status tracks the new hash until all carry it', async () => {
      const team = uniqueName('t');
      const namespaces = [uniqueName('ns-1'), uniqueName('ns-2'), uniqueName('ns-3')];
      const { name, sourceName, start } = await arrange({ team });
      for (const ns of namespaces) await arena.createNamespace(ns, { team });
      await start();
      await eventually(async () => expect((await arena.distributions.readDistribution(name))?.status?.counts?.current).toBe(3), {
        timeoutMs: 15_000,
      });
      const oldHash = (await arena.distributions.readDistribution(name))!.status!.contentHash;
      const uids = await Promise.all(namespaces.map(async (ns) => (await copyIn(ns))!.uid));

      const reads: string[] = [];
      let reading = true;
      const reader = (async () => {
        while (reading) {
          for (const ns of namespaces) {
            const copy = await copyIn(ns);
            reads.push(
              copy
                ? copy.data['.dockerconfigjson'] === configJson(CANARY)
                  ? 'old'
                  : copy.data['.dockerconfigjson'] === configJson('new-pw')
                    ? 'new'
                    : 'other'
                : 'none',
            );
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const source = (await arena.cluster.readSecret(arena.ownNamespace, sourceName))!;
      await arena.cluster.replaceSecret({
        ...source,
        data: { '.dockerconfigjson': configJson('new-pw') },
        resourceVersion: source.resourceVersion!,
      });
      await eventually(
        async () => {
          const status = (await arena.distributions.readDistribution(name))!.status!;
          expect(status.contentHash).not.toBe(oldHash);
          expect(status.counts?.current).toBe(3);
          expect(status.rolledOutAt).toBeDefined();
        },
        { timeoutMs: 15_000 },
      );
      reading = false;
      await reader;
      expect(reads).not.toContain('none');
      expect(reads).not.toContain('other');
      expect(reads).toContain('new');
      // Updated in place: the same objects.
      expect(await Promise.all(namespaces.map(async (ns) => (await copyIn(ns))!.uid))).toEqual(uids);
    });

    it("leaves another installation's distribution alone: no copy, no status, no finalizer", async () => {
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      const { name, start } = await arrange({ team });
      const mine = (await arena.distributions.readDistribution(name))!;
      const theirs = uniqueName('psd-theirs');
      distributionNames.push(theirs);
      await arena.distributions.createDistribution({
        name: theirs,
        finalizers: [],
        labels: {},
        annotations: {},
        spec: { ...mine.spec, source: { ...mine.spec.source, namespace: 'another-regcred' } },
      });
      await arena.createNamespace(ns, { team });
      await start();
      await eventually(async () => expect((await copyIn(ns))?.labels[DISTRIBUTION_LABEL]).toBe(name), { timeoutMs: 15_000 });
      await settled();
      const other = (await arena.distributions.readDistribution(theirs))!;
      expect(other.status).toBeUndefined();
      expect(other.finalizers).toEqual([]);
    });

    it('leaves a Secret it did not make alone and reports the namespace failed', async () => {
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      const { name, seen, start } = await arrange({ team });
      await arena.createNamespace(ns, { team });
      const foreign = await arena.cluster.createSecret({
        namespace: ns,
        name: 'regcred',
        type: 'Opaque',
        labels: {},
        annotations: {},
        data: { a: 'Yg==' },
      });
      await start();
      await eventually(
        async () => {
          const status = (await arena.distributions.readDistribution(name))?.status;
          expect(status?.namespaces).toEqual([
            expect.objectContaining({ namespace: ns, state: 'failed', reason: expect.stringMatching(/someone else/) }),
          ]);
        },
        { timeoutMs: 15_000 },
      );
      expect((await copyIn(ns))?.resourceVersion).toBe(foreign.resourceVersion);
      expect(seen.failed).toHaveLength(1);
    });

    it('on deletion removes every copy and link it made and the source it was given, then lets the object go', async () => {
      const team = uniqueName('t');
      const [ns1, ns2] = [uniqueName('ns-1'), uniqueName('ns-2')];
      const { name, sourceName, start } = await arrange({ team, serviceAccounts: ['default'] });
      await arena.createNamespace(ns1, { team });
      await arena.createNamespace(ns2, { team });
      await arena.seedServiceAccount({ namespace: ns1, name: 'default' });
      await start();
      await eventually(
        async () => {
          const d = await arena.distributions.readDistribution(name);
          expect(d?.finalizers).toContain(CLEANUP_FINALIZER);
          expect(d?.status?.counts?.current).toBe(2);
        },
        { timeoutMs: 15_000 },
      );
      const d = (await arena.distributions.readDistribution(name))!;
      await arena.distributions.deleteDistribution(name, d.uid!);
      await eventually(async () => expect(await arena.distributions.readDistribution(name)).toBeUndefined(), { timeoutMs: 15_000 });
      expect(await copyIn(ns1)).toBeUndefined();
      expect(await copyIn(ns2)).toBeUndefined();
      expect((await arena.cluster.readServiceAccount(ns1, 'default'))?.imagePullSecrets).toEqual([]);
      expect(await arena.cluster.readSecret(arena.ownNamespace, sourceName)).toBeUndefined();
    });

    it('with the orphan annotation, deletion keeps the copies (content, links) without the marks that bind them, and lets the object go', async () => {
      const team = uniqueName('t');
      const ns = uniqueName('ns');
      const { name, start } = await arrange({ team, serviceAccounts: ['default'] });
      await arena.createNamespace(ns, { team });
      await arena.seedServiceAccount({ namespace: ns, name: 'default' });
      await start();
      await eventually(async () => expect((await arena.distributions.readDistribution(name))?.status?.counts?.inSync).toBe(1), {
        timeoutMs: 15_000,
      });
      const d = (await arena.distributions.readDistribution(name))!;
      await arena.distributions.replaceDistribution({
        name,
        finalizers: d.finalizers,
        labels: d.labels,
        annotations: { ...d.annotations, [ORPHAN_ANNOTATION]: 'true' },
        spec: d.spec,
        resourceVersion: d.resourceVersion!,
      });
      const annotated = (await arena.distributions.readDistribution(name))!;
      await arena.distributions.deleteDistribution(name, annotated.uid!);
      await eventually(async () => expect(await arena.distributions.readDistribution(name)).toBeUndefined(), { timeoutMs: 15_000 });
      const kept = (await copyIn(ns))!;
      expect(Buffer.from(kept.data['.dockerconfigjson']!, 'base64').toString()).toContain(CANARY);
      // No later distribution of this name can take it back.
      expect(kept.labels[DISTRIBUTION_LABEL]).toBeUndefined();
      expect(kept.annotations[DISTRIBUTION_UID_ANNOTATION]).toBeUndefined();
      expect(kept.annotations[LINKED_SERVICE_ACCOUNTS_ANNOTATION]).toBeUndefined();
      expect((await arena.cluster.readServiceAccount(ns, 'default'))?.imagePullSecrets).toEqual(['regcred']);
    });
  });
});
