import type { Cluster, ServiceAccountObject } from '../domain/cluster.js';
import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL, type DistributionObject } from '../domain/distributions/distribution.js';
import type { DistributionCluster, NamespaceObject } from '../domain/distributions/distribution-cluster.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import type { DistributionCaches } from './distribution-caches.js';
import { namespaceTargeting } from '../domain/distributions/plan-distribution.js';
import { digestsOf, type DesiredCopy } from '../domain/distributions/desired-copy.js';
import { linkedServiceAccountsOf } from '../domain/distributions/copy-marks.js';
import { Informer, type InformerHandlers, type InformerSignal } from './informer.js';
import type { ProofKey } from '../domain/distributions/ownership-proof.js';
import { NamespaceMemory } from './namespace-memory.js';
import { loadOwnershipKey } from './ownership-key.js';
import type { ReconcileObserver, ReconcileResult } from './reconcile-dependencies.js';
import { reconcileDistribution } from './reconcile-distribution.js';
import { timeSlicePause } from './time-slice.js';
import { WorkQueue } from './work-queue.js';

export interface DistributionControllerOptions {
  cluster: Cluster;
  distributions: DistributionCluster;
  /** regcred's own namespace: where source Secrets live. */
  ownNamespace: string;
  /** The deny list; regcred's own namespace is never written besides. */
  denyNamespaces: readonly string[];
  /** Writes in flight at once within one reconcile. Default 16. */
  concurrency?: number;
  /** Distributions reconciled at once. Default 2. */
  workers?: number;
  watchTimeoutSeconds: number;
  resyncSeconds: number;
  observer: ControllerObserver;
  /** Checks new source content with its registries for distributions with spec.verify=required. */
  verifySource?: (desired: DesiredCopy) => Promise<string | undefined>;
}

/** Everything the controller tells the outside; the owner turns it into metrics, Events and log lines. */
export interface ControllerObserver extends ReconcileObserver {
  reconciled(
    distribution: DistributionObject | undefined,
    name: string,
    result: ReconcileResult | { error: unknown },
    seconds: number,
  ): void;
  informer(signal: InformerSignal): void;
}

const MAX_DELETED_LINKS = 10_000;
const namespacedKey = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;

/**
 * Keeps every PullSecretDistribution's copies in line: informers over namespaces, the copies and
 * sources, ServiceAccounts and the distributions; any change enqueues the distributions it may
 * concern, and a worker reconciles each one from the caches. Runs only while this replica leads.
 */
export class DistributionController {
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly copies: Informer<SecretObject>;
  private readonly sources: Informer<SecretObject>;
  private readonly serviceAccounts: Informer<ServiceAccountObject>;
  private readonly distributionInformer: Informer<DistributionObject>;
  // Indexes the informers' handlers keep, so one reconcile never scans every object of a kind.
  private readonly copiesByDistribution = new Map<string, Map<string, SecretObject>>();
  private readonly accountsByNamespace = new Map<string, Map<string, ServiceAccountObject>>();
  // Each distribution's targeting, parsed once per version of it (events on every namespace ask it).
  private readonly targeting = new Map<
    string,
    { resourceVersion: string | undefined; targets: (n: Pick<NamespaceObject, 'name' | 'labels'>) => boolean }
  >();
  private readonly memory: NamespaceMemory;
  private started = false;
  // Loaded (or made) at start, before the first reconcile.
  private proofKey: ProofKey | undefined;

  constructor(private readonly options: DistributionControllerOptions) {
    const common = {
      timeoutSeconds: options.watchTimeoutSeconds,
      observer: (signal: InformerSignal) => options.observer.informer(signal),
      resyncMs: 0,
    };
    const enqueueAll = () => this.enqueueAll();
    const concerning = (...namespaces: NamespaceObject[]) => this.enqueueTargeting(namespaces, () => true);
    this.namespaces = new Informer({
      ...common,
      source: options.distributions.namespaces,
      keyOf: (n) => n.name,
      versionOf: (n) => n.resourceVersion,
      handlers: {
        onAdd: concerning,
        onDelete: concerning,
        // Before and after: one that stops matching loses its copy.
        onUpdate: (before, after) => {
          if (before.terminating !== after.terminating || !sameLabels(before.labels, after.labels)) concerning(before, after);
        },
      },
    });
    this.copies = new Informer<SecretObject>({
      ...common,
      // Digests, not data: 1,000 copies of a 1 MiB Secret would not fit the heap.
      source: options.distributions.secretsLabelled(DISTRIBUTION_LABEL, { digestData: true }),
      keyOf: namespacedKey,
      versionOf: (s) => s.resourceVersion,
      handlers: this.indexed(
        this.copiesByDistribution,
        (s) => s.labels[DISTRIBUTION_LABEL] ?? '',
        (s) => {
          this.writtenCopies.delete(namespacedKey(s));
          this.enqueue(s.labels[DISTRIBUTION_LABEL]);
        },
        (s) => {
          const linked = linkedServiceAccountsOf(s);
          if (linked.length === 0) return;
          this.deletedLinks.set(namespacedKey(s), linked);
          // Bounded: past it the oldest record goes (its restored copy then records only new links).
          if (this.deletedLinks.size > MAX_DELETED_LINKS) this.deletedLinks.delete(this.deletedLinks.keys().next().value!);
        },
      ),
    });
    this.sources = new Informer<SecretObject>({
      ...common,
      // Sources live in regcred's own namespace only: a labelled Secret elsewhere is nobody's source.
      source: options.distributions.secretsLabelled(DISTRIBUTION_SOURCE_LABEL, { digestData: true, namespace: options.ownNamespace }),
      keyOf: namespacedKey,
      versionOf: (s) => s.resourceVersion,
      handlers: everyChange((s) => this.enqueue(s.labels[DISTRIBUTION_SOURCE_LABEL])),
    });
    this.serviceAccounts = new Informer<ServiceAccountObject>({
      ...common,
      source: options.distributions.serviceAccounts,
      keyOf: namespacedKey,
      versionOf: (sa) => sa.resourceVersion,
      handlers: this.indexed(
        this.accountsByNamespace,
        (sa) => sa.namespace,
        (sa) => {
          this.writtenAccounts.delete(namespacedKey(sa));
          this.enqueueLinking(sa.namespace);
        },
      ),
    });
    this.distributionInformer = new Informer({
      ...common,
      // The one periodic resync: every distribution again, in case an event was missed.
      resyncMs: options.resyncSeconds * 1000,
      source: options.distributions.distributions,
      keyOf: (d) => d.name,
      versionOf: (d) => d.resourceVersion,
      handlers: {
        onAdd: (d) => {
          this.writtenDistributions.delete(d.name);
          this.enqueue(d.name);
        },
        onDelete: (d) => {
          this.writtenDistributions.delete(d.name);
          this.targeting.delete(d.name);
          this.memory.forget(d.name);
          this.enqueue(d.name);
        },
        // A status write comes back as an update too: only changes of intent are work.
        onUpdate: (before, after) => {
          this.writtenDistributions.delete(after.name);
          if (!sameIntent(before, after)) this.enqueue(after.name);
        },
        onResync: enqueueAll,
      },
    });
    this.memory = new NamespaceMemory(options.resyncSeconds * 1000);
    // A distribution that keeps failing is retried at 1 s, 2 s, 4 s … up to the resync period, not every second.
    this.queue = new WorkQueue({
      workers: options.workers ?? 2,
      backoff: { initialMs: 1000, maxMs: Math.max(1000, options.resyncSeconds * 1000) },
      process: (name, signal) => this.reconcile(name, signal),
      onError: () => undefined,
    });
  }

  private get informers(): Informer<unknown>[] {
    return [this.namespaces, this.copies, this.sources, this.serviceAccounts, this.distributionInformer] as Informer<unknown>[];
  }

  /** Starts the informers; reconciling begins once every cache holds a first full list (a partial view would remove copies). */
  async start(): Promise<void> {
    for (const informer of this.informers) informer.start();
    const [key] = await Promise.all([
      loadOwnershipKey(this.options.cluster, this.options.ownNamespace),
      ...this.informers.map((i) => i.synced),
    ]);
    this.proofKey = key;
    this.started = true;
    this.enqueueAll();
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const informer of this.informers) informer.stop();
    await this.queue.shutdown();
  }

  /** Every distribution again now, as the periodic resync does. */
  resync(): void {
    this.enqueueAll();
  }

  /** Reconciles waiting or running: 0 once the controller has caught up. */
  get backlog(): number {
    return this.queue.depth + this.queue.active;
  }

  private enqueue(name: string | undefined): void {
    if (name && this.started) this.queue.enqueue(name);
  }

  private enqueueAll(): void {
    for (const d of this.distributionInformer.list()) this.enqueue(d.name);
  }

  /** The distributions that link ServiceAccounts and target the namespace of one that changed. */
  private enqueueLinking(namespace: string): void {
    const known = this.namespaces.get(namespace);
    this.enqueueTargeting(known ? [known] : [{ name: namespace, labels: {} }], (d) => d.spec.serviceAccounts?.length > 0);
  }

  /** The distributions (those `also` keeps) that name or select any of the namespaces: the only ones a change there concerns. */
  private enqueueTargeting(
    namespaces: readonly Pick<NamespaceObject, 'name' | 'labels'>[],
    also: (d: DistributionObject) => boolean,
  ): void {
    for (const d of this.distributionInformer.list()) {
      if (!also(d)) continue;
      const targets = this.targetsOf(d);
      if (!targets || namespaces.some(targets)) this.enqueue(d.name);
    }
  }

  /** Undefined when the spec cannot say (a selector that does not parse: its reconcile says so in the status). */
  private targetsOf(d: DistributionObject): ((n: Pick<NamespaceObject, 'name' | 'labels'>) => boolean) | undefined {
    const known = this.targeting.get(d.name);
    if (known && known.resourceVersion === d.resourceVersion) return known.targets;
    try {
      const targets = namespaceTargeting(d.spec);
      this.targeting.set(d.name, { resourceVersion: d.resourceVersion, targets });
      return targets;
    } catch {
      this.targeting.delete(d.name);
      return undefined;
    }
  }

  private async reconcile(name: string, signal: AbortSignal): Promise<void> {
    const { observer } = this.options;
    const started = performance.now();
    const distribution = this.distributionInformer.get(name);
    let result: ReconcileResult;
    try {
      result = await reconcileDistribution(
        {
          cluster: this.options.cluster,
          distributions: this.options.distributions,
          caches: this.caches,
          ownNamespace: this.options.ownNamespace,
          denyNamespaces: this.options.denyNamespaces,
          concurrency: this.options.concurrency ?? 16,
          observer,
          memory: this.memory,
          proofKey: this.proofKey!,
          pause: timeSlicePause(),
          signal,
          ...(this.options.verifySource ? { verifySource: this.options.verifySource } : {}),
        },
        name,
      );
      observer.reconciled(distribution, name, result, (performance.now() - started) / 1000);
    } catch (error) {
      observer.reconciled(distribution, name, { error }, (performance.now() - started) / 1000);
      throw error;
    }
    // Through the queue's per-key backoff; a pass that needs nothing more starts it afresh.
    if (result.retry) throw new RetryLater();
  }

  // Objects this controller wrote whose watch event has not arrived yet (see DistributionCaches.remember).
  private readonly writtenCopies = new Map<string, SecretObject>();
  private readonly writtenAccounts = new Map<string, ServiceAccountObject>();
  private readonly writtenDistributions = new Map<string, DistributionObject>();
  // The links recorded on copies someone deleted, so the restored copy records them again.
  private readonly deletedLinks = new Map<string, string[]>();

  private readonly caches: DistributionCaches = {
    distribution: (name) => this.writtenDistributions.get(name) ?? this.distributionInformer.get(name),
    distributions: () => this.distributionInformer.list(),
    namespaces: () => this.namespaces.list(),
    copy: (namespace, name) => {
      const key = `${namespace}/${name}`;
      return this.writtenCopies.get(key) ?? this.copies.get(key);
    },
    copiesOf: (distribution) => {
      const copies = new Map<string, SecretObject>();
      for (const copy of this.copiesByDistribution.get(distribution)?.values() ?? [])
        copies.set(namespacedKey(copy), this.writtenCopies.get(namespacedKey(copy)) ?? copy);
      // Written but not yet seen by the watch: a deletion must not miss them.
      for (const [key, copy] of this.writtenCopies)
        if (copy.labels[DISTRIBUTION_LABEL] === distribution && !copies.has(key)) copies.set(key, copy);
      return [...copies.values()];
    },
    serviceAccountsIn: (namespace) =>
      [...(this.accountsByNamespace.get(namespace)?.values() ?? [])].map((sa) => this.writtenAccounts.get(namespacedKey(sa)) ?? sa),
    formerLinks: (namespace, name) => this.deletedLinks.get(`${namespace}/${name}`) ?? [],
    remember: (copy) => void this.writtenCopies.set(namespacedKey(copy), { ...copy, data: digestsOf(copy.data) }),
    rememberServiceAccount: (sa) => void this.writtenAccounts.set(namespacedKey(sa), sa),
    rememberDistribution: (d) => void this.writtenDistributions.set(d.name, d),
  };

  /** Handlers that keep `index` (group → key → object) current and call `changed` with each object touched. */
  private indexed<T extends { namespace: string; name: string }>(
    index: Map<string, Map<string, T>>,
    groupOf: (o: T) => string,
    changed: (o: T) => void,
    deleted: (o: T) => void = () => undefined,
  ): InformerHandlers<T> {
    const put = (o: T) => {
      const group = index.get(groupOf(o)) ?? new Map<string, T>();
      group.set(namespacedKey(o), o);
      index.set(groupOf(o), group);
    };
    const drop = (o: T) => {
      const group = index.get(groupOf(o));
      group?.delete(namespacedKey(o));
      if (group?.size === 0) index.delete(groupOf(o));
    };
    return {
      onAdd: (o) => {
        put(o);
        changed(o);
      },
      onUpdate: (before, after) => {
        drop(before);
        put(after);
        changed(before);
        if (groupOf(before) !== groupOf(after)) changed(after);
      },
      onDelete: (o) => {
        drop(o);
        deleted(o);
        changed(o);
      },
    };
  }
}

/** A reconcile that must run again: the work queue retries it after its backoff. */
class RetryLater extends Error {}

function everyChange<T>(changed: (o: T) => void): InformerHandlers<T> {
  return { onAdd: changed, onUpdate: (_before, after) => changed(after), onDelete: changed };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function sameIntent(a: DistributionObject, b: DistributionObject): boolean {
  return (
    a.generation === b.generation &&
    a.deletionTimestamp === b.deletionTimestamp &&
    JSON.stringify(a.finalizers) === JSON.stringify(b.finalizers) &&
    JSON.stringify(a.annotations) === JSON.stringify(b.annotations) &&
    // Objects without a generation (an adapter that does not keep one) compare by spec.
    JSON.stringify(a.spec) === JSON.stringify(b.spec)
  );
}
