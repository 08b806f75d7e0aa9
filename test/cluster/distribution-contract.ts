import { digestsOf } from '../../src/domain/distributions/desired-copy.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaleWriteError, type Cluster } from '../../src/domain/cluster.js';
import {
  DistributionNotFoundError,
  type DistributionCluster,
  type PodObject,
} from '../../src/domain/distributions/distribution-cluster.js';
import { CLEANUP_FINALIZER, DISTRIBUTION_LABEL, type DistributionDraft } from '../../src/domain/distributions/distribution.js';
import { WatchExpiredError, type WatchEvent, type WatchSource } from '../../src/domain/watch.js';
import { ValidationError } from '../../src/errors.js';
import { eventually } from '../support/poll.js';

/** One cluster, prepared for one test of the distribution controller's port. */
export interface DistributionFixture {
  distributions: DistributionCluster;
  /** The Cluster port over the same cluster: Secrets and ServiceAccount links are written through it. */
  cluster: Cluster;
  /** A name no other test (or run) uses, for namespaces and distributions. */
  uniqueName(prefix: string): string;
  /** Creates a namespace with these labels; cleanup removes it. */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  setNamespaceLabels(name: string, labels: Record<string, string>): Promise<void>;
  /** Marks it Terminating, removes its Secrets and ServiceAccounts, then the namespace. */
  deleteNamespace(name: string): Promise<void>;
  createServiceAccount(namespace: string, name: string): Promise<void>;
  deleteServiceAccount(namespace: string, name: string): Promise<void>;
  /** A Pod that is never scheduled (its ServiceAccount must exist). */
  createPod(pod: PodObject): Promise<void>;
  /** The Events recorded about a distribution, read behind the port's back. */
  eventsAbout(name: string): Promise<{ type: string; reason: string; message: string; uid?: string }[]>;
  /**
   * A resourceVersion older than the cluster still holds events for, or undefined when that cannot
   * be arranged reliably (the 410 translation is then covered against a fake API server).
   */
  expiredResourceVersion(): Promise<string | undefined>;
  /** Namespace for Leases (exists). */
  leaseNamespace: string;
  cleanup(): Promise<void>;
}

/** Watches a source from `resourceVersion`, keeping what it reports. */
// A namespace no regcred runs in: controllers of other tests on the same API server leave these distributions alone.
const NO_CONTROLLER = 'no-regcred-controller';

function record<T>(source: WatchSource<T>, resourceVersion: string, timeoutSeconds = 120) {
  const events: WatchEvent<T>[] = [];
  const closes: { error?: unknown }[] = [];
  const watch = source.watch(resourceVersion, timeoutSeconds, {
    onEvent: (event) => events.push(event),
    onClose: (error) => closes.push({ error }),
  });
  return { events, closes, watch };
}

type Named = { name: string; namespace?: string };
const changesTo = <T extends Named>(events: WatchEvent<T>[], name: string) =>
  events.filter((e): e is Exclude<WatchEvent<T>, { type: 'BOOKMARK' }> => e.type !== 'BOOKMARK' && e.object.name === name);

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** What every DistributionCluster adapter must do; run against each of them. */
export function describeDistributionContract(name: string, makeFixture: () => Promise<DistributionFixture>): void {
  describe(`${name}: the DistributionCluster contract`, () => {
    let f: DistributionFixture;
    let port: DistributionCluster;
    const stops: { stop(): void }[] = [];
    beforeEach(async () => {
      f = await makeFixture();
      port = f.distributions;
    });
    afterEach(async () => {
      for (const watch of stops.splice(0)) watch.stop();
      await f.cleanup();
    });
    const watching = <T>(source: WatchSource<T>, resourceVersion: string, timeoutSeconds?: number) => {
      const recorded = record(source, resourceVersion, timeoutSeconds);
      stops.push(recorded.watch);
      return recorded;
    };
    const draft = (name: string, overrides: Partial<DistributionDraft> = {}): DistributionDraft => ({
      name,
      finalizers: [],
      labels: { team: 'payments' },
      annotations: { 'example.com/note': 'contract' },
      spec: {
        secretName: 'regcred',
        source: { secretName: `${name}-source`, namespace: NO_CONTROLLER },
        namespaceSelector: 'team=payments',
        serviceAccounts: [],
      },
      ...overrides,
    });

    describe('watch sources', () => {
      it('when a namespace is created, labelled and deleted, then a watch from the listing sees ADDED, MODIFIED, Terminating and DELETED', async () => {
        const { resourceVersion } = await port.namespaces.list();
        expect(resourceVersion).toMatch(/^\d+$/);
        const w = watching(port.namespaces, resourceVersion);
        const ns = f.uniqueName('ns-watch');
        await f.createNamespace(ns, { team: 'a' });
        const listed = await port.namespaces.list();
        expect(listed.items.find((n) => n.name === ns)).toMatchObject({ name: ns, labels: { team: 'a' }, terminating: false });
        await f.setNamespaceLabels(ns, { team: 'b' });
        await f.deleteNamespace(ns);
        await eventually(async () => expect(changesTo(w.events, ns).at(-1)?.type).toBe('DELETED'));
        const seen = changesTo(w.events, ns);
        expect(seen[0]).toMatchObject({ type: 'ADDED', object: { labels: { team: 'a' }, terminating: false } });
        expect(seen).toContainEqual(
          expect.objectContaining({ type: 'MODIFIED', object: expect.objectContaining({ labels: { team: 'b' } }) }),
        );
        expect(seen).toContainEqual(expect.objectContaining({ type: 'MODIFIED', object: expect.objectContaining({ terminating: true }) }));
        for (const event of seen) expect(event.resourceVersion).toBe(event.object.resourceVersion);
        expect(w.closes).toEqual([]);
      });

      it('when Secrets change, then a labelled watch sees only those with the label, and one losing it as DELETED', async () => {
        const ns = f.uniqueName('ns-secrets');
        await f.createNamespace(ns);
        const selector = `${DISTRIBUTION_LABEL}=${ns}`;
        const source = port.secretsLabelled(selector);
        expect(source.description).toContain(selector);
        const w = watching(source, (await source.list()).resourceVersion);
        const secret = (name: string, labels: Record<string, string>) => ({
          name,
          namespace: ns,
          type: 'Opaque',
          labels,
          annotations: {},
          data: { token: b64(name) },
        });
        const copy = await f.cluster.createSecret(secret('copy', { [DISTRIBUTION_LABEL]: ns }));
        const other = await f.cluster.createSecret(secret('other', { team: 'x' }));
        await f.cluster.replaceSecret({ ...secret('copy', { [DISTRIBUTION_LABEL]: ns, v: '2' }), resourceVersion: copy.resourceVersion! });
        const joined = await f.cluster.replaceSecret({
          ...secret('other', { [DISTRIBUTION_LABEL]: ns }),
          resourceVersion: other.resourceVersion!,
        });
        expect((await source.list()).items.map((s) => `${s.namespace}/${s.name}`).sort()).toEqual([`${ns}/copy`, `${ns}/other`]);
        await f.cluster.replaceSecret({ ...secret('other', {}), resourceVersion: joined.resourceVersion! });
        await f.cluster.deleteSecret(ns, 'copy', copy.uid!);
        await eventually(async () => expect(changesTo(w.events, 'copy').map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']));
        await eventually(async () => expect(changesTo(w.events, 'other').map((e) => e.type)).toEqual(['ADDED', 'DELETED']));
        expect(changesTo(w.events, 'copy')[1].object).toMatchObject({ namespace: ns, labels: { v: '2' }, data: { token: b64('copy') } });
        expect(w.events.filter((e) => e.type !== 'BOOKMARK' && e.object.namespace !== ns)).toEqual([]);
      });

      it("when limited to one namespace, then a labelled watch lists and sees only that namespace's Secrets", async () => {
        const [own, elsewhere] = [f.uniqueName('ns-own'), f.uniqueName('ns-elsewhere')];
        await f.createNamespace(own);
        await f.createNamespace(elsewhere);
        const selector = `${DISTRIBUTION_LABEL}=${own}`;
        const source = port.secretsLabelled(selector, { namespace: own });
        const w = watching(source, (await source.list()).resourceVersion);
        const labelled = (namespace: string) => ({
          name: 'source',
          namespace,
          type: 'Opaque',
          labels: { [DISTRIBUTION_LABEL]: own },
          annotations: {},
          data: { token: b64(namespace) },
        });
        await f.cluster.createSecret(labelled(elsewhere));
        await f.cluster.createSecret(labelled(own));
        expect((await source.list()).items.map((s) => `${s.namespace}/${s.name}`)).toEqual([`${own}/source`]);
        await eventually(async () => expect(changesTo(w.events, 'source').map((e) => e.object.namespace)).toEqual([own]));
      });

      it('when asked for digests, then lists and watch events carry each data value as its digest, never the value', async () => {
        const ns = f.uniqueName('ns-digests');
        await f.createNamespace(ns);
        const source = port.secretsLabelled(`${DISTRIBUTION_LABEL}=${ns}`, { digestData: true });
        const w = watching(source, (await source.list()).resourceVersion);
        const data = { '.dockerconfigjson': b64('{"auths":{"canary-digest-host":{}}}') };
        await f.cluster.createSecret({
          name: 'copy',
          namespace: ns,
          type: 'Opaque',
          labels: { [DISTRIBUTION_LABEL]: ns },
          annotations: {},
          data,
        });
        expect((await source.list()).items.map((s) => s.data)).toEqual([digestsOf(data)]);
        await eventually(async () => expect(changesTo(w.events, 'copy').map((e) => e.object.data)).toEqual([digestsOf(data)]));
        expect(JSON.stringify(w.events)).not.toContain(data['.dockerconfigjson']);
      });

      it('when a ServiceAccount is created, linked and deleted, then the watch over every namespace sees each change', async () => {
        const ns = f.uniqueName('ns-sa');
        await f.createNamespace(ns);
        const w = watching(port.serviceAccounts, (await port.serviceAccounts.list()).resourceVersion);
        await f.createServiceAccount(ns, 'builder');
        const listed = (await port.serviceAccounts.list()).items.find((a) => a.namespace === ns && a.name === 'builder');
        expect(listed).toMatchObject({ imagePullSecrets: [] });
        await f.cluster.setServiceAccountPullSecrets(ns, 'builder', ['regcred'], listed!.resourceVersion!);
        await f.deleteServiceAccount(ns, 'builder');
        await eventually(async () =>
          expect(
            changesTo(w.events, 'builder')
              .filter((e) => e.object.namespace === ns)
              .map((e) => e.type),
          ).toEqual(['ADDED', 'MODIFIED', 'DELETED']),
        );
        expect(changesTo(w.events, 'builder').find((e) => e.type === 'MODIFIED')?.object.imagePullSecrets).toEqual(['regcred']);
      });

      it('when watching from a distribution’s resourceVersion, then only later changes arrive', async () => {
        const first = await port.createDistribution(draft(f.uniqueName('psd-first')));
        const second = await port.createDistribution(draft(f.uniqueName('psd-second')));
        const w = watching(port.distributions, first.resourceVersion!);
        await port.deleteDistribution(second.name, second.uid!);
        await eventually(async () => expect(changesTo(w.events, second.name).map((e) => e.type)).toEqual(['ADDED', 'DELETED']));
        expect(changesTo(w.events, first.name)).toEqual([]);
        expect(changesTo(w.events, second.name)[0]).toMatchObject({ resourceVersion: second.resourceVersion, object: { uid: second.uid } });
        expect((await port.distributions.list()).items.map((d) => d.name)).toContain(first.name);
      });

      it('when the resourceVersion is older than the cluster keeps, then the watch closes with WatchExpiredError and no events', async (ctx) => {
        const old = await f.expiredResourceVersion();
        if (old === undefined) ctx.skip();
        const w = watching(port.namespaces, old!);
        await eventually(async () => expect(w.closes).toHaveLength(1));
        expect(w.closes[0].error).toBeInstanceOf(WatchExpiredError);
        expect((w.closes[0].error as Error).message).toContain('namespaces');
        expect(w.events.filter((e) => e.type !== 'BOOKMARK')).toEqual([]);
      });

      it('when timeoutSeconds passes, then the watch closes once, without an error', async () => {
        const w = watching(port.distributions, (await port.distributions.list()).resourceVersion, 1);
        await eventually(async () => expect(w.closes).toHaveLength(1), { timeoutMs: 15_000 });
        expect(w.closes[0].error).toBeUndefined();
        w.watch.stop();
        expect(w.closes).toHaveLength(1);
      });

      it('when stopped, then the watch closes once, without an error, and reports nothing after', async () => {
        const w = watching(port.distributions, (await port.distributions.list()).resourceVersion);
        w.watch.stop();
        w.watch.stop();
        await port.createDistribution(draft(f.uniqueName('psd-after-stop')));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(w.closes).toEqual([{ error: undefined }]);
        expect(w.events).toEqual([]);
      });
    });

    describe('PullSecretDistributions', () => {
      it('when created, then it reads back with uid, resourceVersion, generation 1, its metadata and spec, and no status', async () => {
        const name = f.uniqueName('psd-create');
        const created = await port.createDistribution(draft(name, { finalizers: [CLEANUP_FINALIZER] }));
        expect(created).toEqual({
          name,
          uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
          resourceVersion: expect.stringMatching(/^\d+$/),
          generation: 1,
          finalizers: [CLEANUP_FINALIZER],
          labels: { team: 'payments' },
          annotations: { 'example.com/note': 'contract' },
          spec: draft(name).spec,
        });
        expect(await port.readDistribution(name)).toEqual(created);
        expect(await port.readDistribution(f.uniqueName('psd-missing'))).toBeUndefined();
        await expect(port.createDistribution(draft(name))).rejects.toThrow(StaleWriteError);
      });

      it('when replaced, then only with the current resourceVersion; a spec change is a new generation, a label change is not, no change writes nothing', async () => {
        const name = f.uniqueName('psd-replace');
        const created = await port.createDistribution(draft(name));
        const relabelled = await port.replaceDistribution({
          ...draft(name, { labels: { team: 'other' } }),
          resourceVersion: created.resourceVersion!,
        });
        expect(relabelled).toMatchObject({ generation: 1, labels: { team: 'other' } });
        expect(relabelled.resourceVersion).not.toBe(created.resourceVersion);
        await expect(port.replaceDistribution({ ...draft(name), resourceVersion: created.resourceVersion! })).rejects.toThrow(
          StaleWriteError,
        );
        await expect(port.replaceDistribution({ ...draft(name), resourceVersion: '' })).rejects.toThrow(StaleWriteError);
        const spec = { ...draft(name).spec, namespaces: ['team-a'], serviceAccounts: ['*'] };
        const respecced = await port.replaceDistribution({
          ...draft(name, { labels: { team: 'other' }, spec }),
          resourceVersion: relabelled.resourceVersion!,
        });
        expect(respecced).toMatchObject({ generation: 2, spec });
        const again = await port.replaceDistribution({
          ...draft(name, { labels: { team: 'other' }, spec }),
          resourceVersion: respecced.resourceVersion!,
        });
        expect(again.resourceVersion).toBe(respecced.resourceVersion);
        const missing = f.uniqueName('psd-missing');
        await expect(port.replaceDistribution({ ...draft(missing), resourceVersion: '1' })).rejects.toThrow(DistributionNotFoundError);
      });

      it('when the status is written, then it is replaced whole, unconditionally, and a later spec write keeps it', async () => {
        const name = f.uniqueName('psd-status');
        const created = await port.createDistribution(draft(name));
        const status = { observedGeneration: 1, contentHash: 'sha256:abc', counts: { targeted: 2, current: 1, inSync: 1, pending: 1 } };
        const written = await port.replaceDistributionStatus(name, status);
        expect(written.status).toEqual(status);
        expect(written.generation).toBe(1);
        const same = await port.replaceDistributionStatus(name, status);
        expect(same.resourceVersion).toBe(written.resourceVersion);
        const spec = { ...draft(name).spec, excludeNamespaces: ['kube-system'] };
        const replaced = await port.replaceDistribution({ ...draft(name, { spec }), resourceVersion: written.resourceVersion! });
        expect(replaced.status).toEqual(status);
        const smaller = { counts: { targeted: 0, current: 0 } };
        expect((await port.replaceDistributionStatus(name, smaller)).status).toEqual(smaller);
        expect((await port.readDistribution(name))?.status).toEqual(smaller);
        expect(created.status).toBeUndefined();
        await expect(port.replaceDistributionStatus(f.uniqueName('psd-missing'), smaller)).rejects.toThrow(DistributionNotFoundError);
      });

      it('when deleted with a finalizer, then it stays with a deletionTimestamp until the finalizer is removed, and then it is gone', async () => {
        const name = f.uniqueName('psd-finalizer');
        const created = await port.createDistribution(draft(name, { finalizers: [CLEANUP_FINALIZER] }));
        const w = watching(port.distributions, created.resourceVersion!);
        await port.deleteDistribution(name, created.uid!);
        const marked = await port.readDistribution(name);
        expect(marked?.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(marked?.finalizers).toEqual([CLEANUP_FINALIZER]);
        expect(marked?.generation).toBe(2);
        await port.deleteDistribution(name, created.uid!);
        await expect(
          port.replaceDistribution({
            ...draft(name, { finalizers: [CLEANUP_FINALIZER, 'example.com/late'] }),
            resourceVersion: marked!.resourceVersion!,
          }),
        ).rejects.toThrow(ValidationError);
        await port.replaceDistribution({ ...draft(name), resourceVersion: marked!.resourceVersion! });
        expect(await port.readDistribution(name)).toBeUndefined();
        await eventually(async () => expect(changesTo(w.events, name).map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']));
        expect(changesTo(w.events, name)[0].object.deletionTimestamp).toBe(marked?.deletionTimestamp);
      });

      it('when deleted by a uid that is not its own, or when there is none, then nothing is deleted', async () => {
        const name = f.uniqueName('psd-uid');
        await port.createDistribution(draft(name));
        await expect(port.deleteDistribution(name, '00000000-0000-0000-0000-000000000000')).rejects.toThrow(StaleWriteError);
        expect(await port.readDistribution(name)).toBeDefined();
        await expect(port.deleteDistribution(f.uniqueName('psd-missing'), '00000000-0000-0000-0000-000000000000')).rejects.toThrow(
          DistributionNotFoundError,
        );
      });
    });

    describe('Leases, Events and Pods', () => {
      it('when two replicas race for a Lease, then one create and one replace per resourceVersion win; microsecond times round-trip', async () => {
        const name = f.uniqueName('lease');
        const lease = {
          namespace: f.leaseNamespace,
          name,
          holderIdentity: 'replica-a',
          leaseDurationSeconds: 15,
          acquireTime: '2026-11-30T05:35:00.123456Z',
          renewTime: '2026-11-30T05:35:00.123456Z',
          leaseTransitions: 0,
        };
        expect(await port.leases.read(f.leaseNamespace, name)).toBeUndefined();
        const created = await port.leases.create(lease);
        expect(created).toEqual({ ...lease, resourceVersion: expect.stringMatching(/^\d+$/) });
        await expect(port.leases.create({ ...lease, holderIdentity: 'replica-b' })).rejects.toThrow(StaleWriteError);
        const renewed = await port.leases.replace({
          ...created,
          resourceVersion: created.resourceVersion!,
          renewTime: '2026-11-30T05:35:05.654321Z',
        });
        expect(renewed.renewTime).toBe('2026-11-30T05:35:05.654321Z');
        await expect(
          port.leases.replace({ ...created, resourceVersion: created.resourceVersion!, holderIdentity: 'replica-b' }),
        ).rejects.toThrow(StaleWriteError);
        expect(await port.leases.read(f.leaseNamespace, name)).toEqual(renewed);
      });

      it('when an Event is recorded about a distribution, then it can be read with its reason, message and the distribution’s uid', async () => {
        const created = await port.createDistribution(draft(f.uniqueName('psd-events')));
        const distribution = { name: created.name, uid: created.uid };
        await port.recordEvent({ distribution, type: 'Warning', reason: 'DriftRestored', message: 'restored the copy in namespace "a"' });
        await port.recordEvent({ distribution, type: 'Normal', reason: 'RolledOut', message: 'every copy carries the new content' });
        const events = await f.eventsAbout(created.name);
        expect(events).toEqual(
          expect.arrayContaining([
            { type: 'Warning', reason: 'DriftRestored', message: 'restored the copy in namespace "a"', uid: created.uid },
            { type: 'Normal', reason: 'RolledOut', message: 'every copy carries the new content', uid: created.uid },
          ]),
        );
      });

      it('when Pods exist, then listPods reports each with its ServiceAccount and pull secrets; a missing namespace has none', async () => {
        const ns = f.uniqueName('ns-pods');
        await f.createNamespace(ns);
        await f.createServiceAccount(ns, 'builder');
        await f.createPod({ namespace: ns, name: 'early', serviceAccountName: 'builder', imagePullSecrets: [] });
        await f.createPod({ namespace: ns, name: 'late', serviceAccountName: 'builder', imagePullSecrets: ['regcred'] });
        const pods = await port.listPods(ns);
        expect(pods.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
          { namespace: ns, name: 'early', serviceAccountName: 'builder', imagePullSecrets: [] },
          { namespace: ns, name: 'late', serviceAccountName: 'builder', imagePullSecrets: ['regcred'] },
        ]);
        expect(await port.listPods(f.uniqueName('ns-missing'))).toEqual([]);
      });
    });
  });
}
