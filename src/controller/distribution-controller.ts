import type { Cluster, ServiceAccountObject } from '../domain/cluster.js';
import type { CloudAllowList } from '../domain/credentials/cloud-allow-list.js';
import type { CloudMinter } from '../domain/credentials/cloud-source.js';
import { SharedMints } from '../domain/credentials/shared-mints.js';
import type { DesiredCopy } from '../domain/distributions/desired-copy.js';
import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL, type DistributionObject } from '../domain/distributions/distribution.js';
import type { DistributionCluster, NamespaceObject } from '../domain/distributions/distribution-cluster.js';
import type { ProofKey } from '../domain/distributions/ownership-proof.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import { isManagedBy } from '../domain/distributions/ownership.js';
import { mapWatchSource } from '../domain/watch.js';
import { CompactObjects } from './compact-objects.js';
import { ControllerCaches, namespacedKey } from './controller-caches.js';
import { CredentialRefresher, type RefreshObserver } from './credential-refresher.js';
import {
  distributionOfCopy,
  distributionOfSource,
  distributionsLinkingIn,
  distributionsTargeting,
  isChangeOfIntent,
  namespaceChangeMatters,
  Targeting,
} from './event-keys.js';
import { Informer, type InformerHandlers, type InformerSignal } from './informer.js';
import { NamespaceMemory } from './namespace-memory.js';
import { loadOwnershipKey } from './ownership-key.js';
import type { ReconcileObserver, ReconcileResult } from './reconcile-dependencies.js';
import { LedgerBook } from './ledger-book.js';
import { PendingPasses } from './pending-passes.js';
import { reconcileDistribution } from './reconcile-distribution.js';
import { timeSlicePause } from './time-slice.js';
import { StatusLane } from './status-lane.js';
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
  /** Mints cloud registry tokens with the service's own identity; without it cloud sources are refused. */
  minter?: CloudMinter;
  /** What cloud sources may name (REGCRED_CLOUD_ALLOW); empty: none. */
  cloudAllow?: CloudAllowList;
}

/** Everything the controller tells the outside; the owner turns it into metrics, Events and log lines. */
export interface ControllerObserver extends ReconcileObserver, RefreshObserver {
  reconciled(
    distribution: DistributionObject | undefined,
    name: string,
    result: ReconcileResult | { error: unknown },
    seconds: number,
  ): void;
  informer(signal: InformerSignal): void;
}

/**
 * Keeps every PullSecretDistribution's copies in line: informers over namespaces, the copies and
 * sources, ServiceAccounts and the distributions; any change enqueues the distributions it may
 * concern (event-keys.ts), and a worker reconciles each one from the caches. Runs only while this
 * replica leads.
 */
export class DistributionController {
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly copies: Informer<SecretObject>;
  private readonly sources: Informer<SecretObject>;
  private readonly serviceAccounts: Informer<ServiceAccountObject>;
  private readonly distributionInformer: Informer<DistributionObject>;
  private readonly caches: ControllerCaches;
  private readonly targeting = new Targeting();
  private readonly memory: NamespaceMemory;
  private readonly credentials: CredentialRefresher | undefined;
  private readonly ledgers = new LedgerBook();
  private readonly pending = new PendingPasses();
  private readonly statusTimers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly statusLane = new StatusLane();
  private started = false;
  // Loaded (or made) at start, before the first reconcile.
  private proofKey: ProofKey | undefined;

  constructor(private readonly options: DistributionControllerOptions) {
    const informer = <T>(
      settings: Omit<ConstructorParameters<typeof Informer<T>>[0], 'timeoutSeconds' | 'observer' | 'resyncMs'> & { resyncMs?: number },
    ) =>
      new Informer<T>({
        timeoutSeconds: options.watchTimeoutSeconds,
        observer: (signal: InformerSignal) => options.observer.informer(signal),
        resyncMs: 0,
        ...settings,
      });
    this.caches = new ControllerCaches({
      distribution: (name) => this.distributionInformer.get(name),
      distributions: () => this.distributionInformer.list(),
      namespaces: () => this.namespaces.values(),
      namespace: (name) => this.namespaces.get(name),
      copy: (key) => this.copies.get(key),
      source: (name) => this.sources.get(`${options.ownNamespace}/${name}`),
    });
    const compact = new CompactObjects((name) => this.namespaces.get(name)?.name);
    this.namespaces = informer<NamespaceObject>({
      source: mapWatchSource(options.distributions.namespaces, compact.namespace),
      keyOf: (n) => n.name,
      versionOf: (n) => n.resourceVersion,
      handlers: this.namespaceHandlers(),
    });
    this.copies = informer<SecretObject>({
      // Digests, not data: 1,000 copies of a 1 MiB Secret would not fit the heap.
      source: options.distributions.secretsLabelled(DISTRIBUTION_LABEL, { digestData: true, keep: compact.copy }),
      keyOf: namespacedKey,
      versionOf: (s) => s.resourceVersion,
      handlers: this.copyHandlers(),
    });
    this.sources = informer<SecretObject>({
      // Sources live in regcred's own namespace only: a labelled Secret elsewhere is nobody's source.
      source: options.distributions.secretsLabelled(DISTRIBUTION_SOURCE_LABEL, { digestData: true, namespace: options.ownNamespace }),
      keyOf: namespacedKey,
      versionOf: (s) => s.resourceVersion,
      handlers: everyChange((s) => this.enqueueAll(distributionOfSource(s))),
    });
    this.serviceAccounts = informer<ServiceAccountObject>({
      source: mapWatchSource(options.distributions.serviceAccounts, compact.serviceAccount),
      keyOf: namespacedKey,
      versionOf: (sa) => sa.resourceVersion,
      handlers: this.serviceAccountHandlers(),
    });
    this.distributionInformer = informer<DistributionObject>({
      // The one periodic resync: every distribution again, in case an event was missed.
      resyncMs: options.resyncSeconds * 1000,
      source: mapWatchSource(options.distributions.distributions, compact.distribution),
      keyOf: (d) => d.name,
      versionOf: (d) => d.resourceVersion,
      handlers: this.distributionHandlers(),
    });
    this.memory = new NamespaceMemory(options.resyncSeconds * 1000);
    this.credentials = options.minter
      ? new CredentialRefresher({
          // One mint per identity, however many distributions use it.
          minter: new SharedMints(options.minter),
          cluster: options.cluster,
          ownNamespace: options.ownNamespace,
          enqueue: (name) => this.enqueueAll(name),
          observer: options.observer,
        })
      : undefined;
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
    this.enqueueEvery();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.credentials?.stop();
    for (const { timer } of this.statusTimers.values()) clearTimeout(timer);
    this.statusTimers.clear();
    for (const informer of this.informers) informer.stop();
    await this.queue.shutdown();
  }

  /** Every distribution again now, as the periodic resync does. */
  resync(): void {
    this.enqueueEvery();
  }

  /** Reconciles waiting or running: 0 once the controller has caught up. */
  get backlog(): number {
    // Status writes held back for a batch or under way count too: caught up means the status says so.
    return this.queue.depth + this.queue.active + this.statusTimers.size + this.statusLane.size;
  }

  // A namespace that comes, goes, or starts or stops matching (before and after: one that stops matching loses its copy).
  private namespaceHandlers(): InformerHandlers<NamespaceObject> {
    const concerning = (...namespaces: NamespaceObject[]) => {
      for (const name of distributionsTargeting(namespaces, this.distributionInformer.list(), this.targeting))
        this.enqueueIn(name, namespaces[0]!.name);
    };
    return {
      onAdd: concerning,
      onDelete: concerning,
      onUpdate: (before, after) => {
        if (namespaceChangeMatters(before, after)) concerning(before, after);
      },
    };
  }

  private copyHandlers(): InformerHandlers<SecretObject> {
    return {
      // Our own write coming back changes nothing: the pass that wrote it has planned from it already.
      onAdd: (copy) => {
        if (!this.caches.copySeen(copy)) this.copyConcerns(copy);
      },
      onUpdate: (before, after) => {
        if (this.caches.copySeen(after, { before })) return;
        this.copyConcerns(before);
        this.copyConcerns(after);
      },
      onDelete: (copy) => {
        this.caches.copySeen(copy, { deleted: true });
        this.copyConcerns(copy);
      },
    };
  }

  // A ServiceAccount concerns the distributions that link ServiceAccounts in its namespace.
  private serviceAccountHandlers(): InformerHandlers<ServiceAccountObject> {
    const concerning = (account: ServiceAccountObject) => {
      const namespace = this.namespaces.get(account.namespace) ?? { name: account.namespace, labels: {} };
      for (const name of distributionsLinkingIn(namespace, this.distributionInformer.list(), this.targeting))
        this.enqueueIn(name, account.namespace);
    };
    return {
      onAdd: (account) => {
        if (!this.caches.serviceAccountSeen(account)) concerning(account);
      },
      onUpdate: (before, after) => {
        if (!this.caches.serviceAccountSeen(after, { before })) concerning(after);
      },
      onDelete: (account) => {
        this.caches.serviceAccountSeen(account, { deleted: true });
        concerning(account);
      },
    };
  }

  private distributionHandlers(): InformerHandlers<DistributionObject> {
    return {
      onAdd: (d) => {
        this.caches.distributionSeen(d);
        this.enqueueAll(d.name);
      },
      onUpdate: (before, after) => {
        this.caches.distributionSeen(after);
        if (isChangeOfIntent(before, after)) this.enqueueAll(after.name);
      },
      onDelete: (d) => {
        this.caches.distributionSeen(d);
        this.targeting.forget(d.name);
        this.memory.forget(d.name);
        this.credentials?.forget(d.name);
        this.ledgers.forget(d.name);
        this.enqueueAll(d.name);
      },
      onResync: () => this.enqueueEvery(),
    };
  }

  /** A full pass of the distribution: every namespace it targets. */
  private enqueueAll(name: string | undefined): void {
    if (!this.started || !name) return;
    this.pending.all(name);
    this.queue.enqueue(name);
  }

  /** A pass over this one namespace of the distribution (merged with others that come before it runs). */
  private enqueueIn(name: string, namespace: string): void {
    if (!this.started) return;
    this.pending.namespace(name, namespace);
    this.queue.enqueue(name);
  }

  /** A copy's change concerns its namespace, for the distribution it is labelled for (under another name: that one's full pass). */
  private copyConcerns(copy: SecretObject): void {
    const name = distributionOfCopy(copy);
    if (!name) return;
    if (this.distributionInformer.get(name)?.spec.secretName === copy.name) this.enqueueIn(name, copy.namespace);
    else this.enqueueAll(name);
  }

  /** A status write `ms` from now; an earlier one already due stands. */
  private statusDue(name: string, ms: number): void {
    const at = performance.now() + ms;
    const due = this.statusTimers.get(name);
    if (!this.started || (due && due.at <= at)) return;
    if (due) clearTimeout(due.timer);
    const timer = setTimeout(() => {
      this.statusTimers.delete(name);
      if (!this.started) return;
      this.pending.status(name);
      this.queue.enqueue(name);
    }, ms);
    timer.unref();
    this.statusTimers.set(name, { at, timer });
  }

  private enqueueEvery(): void {
    for (const d of this.distributionInformer.list()) this.enqueueAll(d.name);
  }

  private async reconcile(name: string, signal: AbortSignal): Promise<void> {
    const { observer } = this.options;
    const scope = this.pending.take(name);
    const started = performance.now();
    const seen = this.distributionInformer.get(name);
    // Another installation's distribution is not reported as this one's (metrics, alerts): as if absent.
    const distribution = seen && isManagedBy(seen, this.options.ownNamespace) ? seen : undefined;
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
          ledgers: this.ledgers,
          statusDue: (n, ms) => this.statusDue(n, ms),
          statusLane: this.statusLane,
          eventsMeanwhile: () => this.pending.takeNamespaces(name),
          proofKey: this.proofKey!,
          pause: timeSlicePause(),
          signal,
          ...(this.options.verifySource ? { verifySource: this.options.verifySource } : {}),
          cloudAllow: this.options.cloudAllow ?? [],
          ...(this.credentials ? { credentials: this.credentials } : {}),
        },
        name,
        scope,
      );
      observer.reconciled(distribution, name, result, (performance.now() - started) / 1000);
    } catch (error) {
      observer.reconciled(distribution, name, { error }, (performance.now() - started) / 1000);
      this.pending.restore(name, scope);
      throw error;
    }
    // Through the queue's per-key backoff; a pass that needs nothing more starts it afresh.
    if (result.retry) {
      this.pending.restore(name, scope);
      throw new RetryLater();
    }
  }
}

/** A reconcile that must run again: the work queue retries it after its backoff. */
class RetryLater extends Error {}

function everyChange<T>(changed: (o: T) => void): InformerHandlers<T> {
  return { onAdd: changed, onUpdate: (_before, after) => changed(after), onDelete: changed };
}
