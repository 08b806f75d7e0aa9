import { type Watch, type WatchEvent, WatchExpiredError, type WatchSource } from '../domain/watch.js';
import { type Backoff, backoffDelay, jittered } from './backoff.js';
import { type CacheChange, InformerCache } from './informer-cache.js';

/** What an informer tells its owner; each handler's failure is reported, never thrown back. */
export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  /** Only when the resourceVersion changed. */
  onUpdate?(previous: T, current: T): void;
  /** With the object's last known state. */
  onDelete?(object: T): void;
  /** Every `resyncMs`: a chance to look at everything again, in case something was missed. */
  onResync?(): void;
}

/** Counted by the owner (metrics, logs): the informer itself imports no logger or metrics. */
export type InformerSignal = { collection: string } & InformerReport;

type InformerReport =
  | { type: 'listed'; items: number; reason: 'start' | 'expired' | 'failed' }
  | { type: 'rewatched'; reason: 'timeout' | 'short' }
  | { type: 'failed'; stage: 'list' | 'watch' | 'handler'; error: unknown; retryInMs?: number }
  | { type: 'resynced' };

export interface InformerOptions<T> {
  source: WatchSource<T>;
  /** The cache key, e.g. `namespace/name`. */
  keyOf(object: T): string;
  versionOf(object: T): string | undefined;
  handlers?: InformerHandlers<T>;
  /** Server-side watch timeout, jittered by ± 10 %. Default 300. */
  timeoutSeconds?: number;
  /** 0 turns resync off. Default 300 000 (5 min). */
  resyncMs?: number;
  /** After a failed list or watch. Default 200 ms → 30 s. */
  backoff?: Backoff;
  observer?(signal: InformerSignal): void;
  random?(): number;
}

export class InformerStoppedError extends Error {
  constructor(collection: string) {
    super(`the informer on ${collection} was stopped before its first list`);
    this.name = 'InformerStoppedError';
  }
}

// A watch that ends on its own this soon without an event is the server refusing it quietly:
// count it as a failure, or the informer would reconnect in a hot loop.
const SHORT_WATCH_MS = 1_000;

/**
 * A cache of one collection kept current by list + watch, as client-go's informers do: re-watches
 * from the last seen resourceVersion when a watch times out, relists and reports the difference
 * when the watch expired (410) or failed, so no change is lost while it was disconnected.
 */
export class Informer<T> {
  /** Settles after the first list; rejects with InformerStoppedError if stopped before. */
  readonly synced: Promise<void>;
  private readonly cache: InformerCache<T>;
  private readonly handlers: InformerHandlers<T>;
  private readonly timeoutSeconds: number;
  private readonly resyncMs: number;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private isSynced = false;
  private resourceVersion = '';
  private failures = 0;
  // Bumped for every list and watch: callbacks of an earlier one (or of any after stop) are ignored.
  private generation = 0;
  private watch?: Watch;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private resyncTimer?: ReturnType<typeof setInterval>;
  private settleSynced!: (error?: Error) => void;

  constructor(private readonly options: InformerOptions<T>) {
    this.cache = new InformerCache(options.keyOf, options.versionOf);
    this.handlers = options.handlers ?? {};
    this.timeoutSeconds = options.timeoutSeconds ?? 300;
    this.resyncMs = options.resyncMs ?? 300_000;
    this.backoff = options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    this.random = options.random ?? Math.random;
    this.synced = new Promise<void>((resolve, reject) => {
      this.settleSynced = (error) => (error ? reject(error) : resolve());
    });
    // Nobody has to await it: a stop before the first list must not be an unhandled rejection.
    this.synced.catch(() => undefined);
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    void this.relist('start');
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return this.cache.list();
  }

  /** The cached objects, not copied: for a loop that does not change the cache meanwhile. */
  values(): IterableIterator<T> {
    return this.cache.values();
  }

  /** Ends the watch and every timer; no handler is called afterwards. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.resyncTimer);
    const watch = this.watch;
    this.watch = undefined;
    watch?.stop();
    if (!this.isSynced) this.settleSynced(new InformerStoppedError(this.options.source.description));
  }

  private async relist(reason: 'start' | 'expired' | 'failed'): Promise<void> {
    const generation = ++this.generation;
    let listing;
    try {
      listing = await this.options.source.list();
    } catch (error) {
      if (generation === this.generation) this.fail('list', error);
      return;
    }
    if (generation !== this.generation) return;
    for (const change of this.cache.replace(listing.items)) this.report(change);
    if (generation !== this.generation) return; // a handler stopped it
    this.resourceVersion = listing.resourceVersion;
    this.signal({ type: 'listed', items: listing.items.length, reason });
    if (!this.isSynced) {
      this.isSynced = true;
      this.settleSynced();
      if (this.resyncMs > 0) this.resyncTimer = setInterval(() => this.resync(), this.resyncMs);
    }
    this.startWatch();
  }

  private report(change: CacheChange<T> | undefined): void {
    if (this.state !== 'running') return;
    const { onAdd, onUpdate, onDelete } = this.handlers;
    try {
      if (change?.type === 'add') onAdd?.(change.object);
      else if (change?.type === 'update') onUpdate?.(change.previous, change.object);
      else if (change?.type === 'delete') onDelete?.(change.object);
    } catch (error) {
      this.signal({ type: 'failed', stage: 'handler', error });
    }
  }

  private startWatch(): void {
    const generation = ++this.generation;
    const startedAt = performance.now();
    let events = 0;
    let closed = false;
    const timeoutSeconds = Math.max(1, Math.round(jittered(this.timeoutSeconds, 0.1, this.random)));
    try {
      const watch = this.options.source.watch(this.resourceVersion, timeoutSeconds, {
        onEvent: (event) => {
          if (generation !== this.generation) return;
          events++;
          this.failures = 0;
          this.apply(event);
        },
        onClose: (error) => {
          if (closed || generation !== this.generation) return;
          closed = true;
          this.watch = undefined;
          this.closed(error, events === 0 && performance.now() - startedAt < SHORT_WATCH_MS);
        },
      });
      if (!closed && generation === this.generation) this.watch = watch;
    } catch (error) {
      if (generation === this.generation) this.fail('watch', error);
    }
  }

  private apply(event: WatchEvent<T>): void {
    if (event.resourceVersion) this.resourceVersion = event.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    this.report(event.type === 'DELETED' ? this.cache.delete(event.object) : this.cache.put(event.object));
  }

  private closed(error: unknown, short: boolean): void {
    if (error instanceof WatchExpiredError) {
      // The first expiry relists at once; one right after another waits, as for any failure.
      const delay = this.failures === 0 ? 0 : backoffDelay(this.failures, this.backoff, this.random);
      this.failures++;
      return this.later(delay, () => void this.relist('expired'));
    }
    if (error !== undefined) return this.fail('watch', error);
    if (!short) {
      this.failures = 0;
      this.signal({ type: 'rewatched', reason: 'timeout' });
      return this.startWatch();
    }
    this.failures++;
    this.signal({ type: 'rewatched', reason: 'short' });
    this.later(backoffDelay(this.failures, this.backoff, this.random), () => this.startWatch());
  }

  private fail(stage: 'list' | 'watch', error: unknown): void {
    this.failures++;
    const retryInMs = backoffDelay(this.failures, this.backoff, this.random);
    this.signal({ type: 'failed', stage, error, retryInMs });
    this.later(retryInMs, () => void this.relist('failed'));
  }

  private later(ms: number, next: () => void): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'running') next();
    }, ms);
  }

  private resync(): void {
    this.signal({ type: 'resynced' });
    try {
      this.handlers.onResync?.();
    } catch (error) {
      this.signal({ type: 'failed', stage: 'handler', error });
    }
  }

  private signal(report: InformerReport): void {
    try {
      this.options.observer?.({ collection: this.options.source.description, ...report });
    } catch {
      // An observer that fails must not stop the informer.
    }
  }
}
