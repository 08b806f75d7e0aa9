import { WatchExpiredError, type Watch, type WatchEvent, type WatchHandlers } from '../../domain/watch.js';

export type MemoryCollection = 'namespaces' | 'secrets' | 'serviceaccounts' | 'pullsecretdistributions';

interface Change {
  collection: MemoryCollection;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: { resourceVersion?: string };
  /** The object before a MODIFIED: a filtered watch turns a change into or out of its filter into ADDED or DELETED. */
  previous?: unknown;
  resourceVersion: number;
  /** Roughly what the change holds in memory. */
  bytes: number;
}

/** How many changes the embedded cluster keeps for watches to resume from, like etcd before compaction. */
export const DEFAULT_HISTORY_LIMIT = 10_000;
/** …and at most this much of them: a Secret may hold 1 MiB, and each change keeps it twice (before and after). */
export const DEFAULT_HISTORY_BYTES = 32 * 1024 * 1024;

/**
 * The embedded cluster's resourceVersions and its change history: one increasing counter for
 * every object, as etcd's revision, and the last `historyLimit` changes, which watches replay from
 * their resourceVersion. A watch from a resourceVersion older than the history gets
 * WatchExpiredError, as from the API server (410 Gone).
 */
export class MemoryChangeLog {
  private last = 0;
  private readonly history: Change[] = [];
  /** Changes up to this resourceVersion may have been dropped. */
  private compactedThrough = 0;
  private readonly subscribers = new Set<(change: Change) => void>();

  private historyBytes = 0;

  constructor(
    private readonly historyLimit = DEFAULT_HISTORY_LIMIT,
    private readonly historyByteLimit = DEFAULT_HISTORY_BYTES,
  ) {}

  nextResourceVersion(): string {
    this.last += 1;
    return String(this.last);
  }

  /** The newest resourceVersion handed out: what a list taken now returns. */
  get resourceVersion(): string {
    return String(this.last);
  }

  /** Stores a copy of a change (its object carries the change's resourceVersion) and tells the open watches. */
  record(collection: MemoryCollection, type: Change['type'], object: { resourceVersion?: string }, previous?: unknown): void {
    const change: Change = {
      collection,
      type,
      object: structuredClone(object),
      ...(previous === undefined ? {} : { previous: structuredClone(previous) }),
      resourceVersion: Number(object.resourceVersion),
      bytes: approximateBytes(object) + approximateBytes(previous),
    };
    this.history.push(change);
    this.historyBytes += change.bytes;
    while (this.history.length > this.historyLimit || (this.historyBytes > this.historyByteLimit && this.history.length > 1)) {
      const dropped = this.history.shift()!;
      this.historyBytes -= dropped.bytes;
      this.compactedThrough = dropped.resourceVersion;
    }
    for (const notify of this.subscribers) notify(change);
  }

  /** Changes to one collection after `resourceVersion`, those `matches` selects, then new ones as they happen. */
  watch<T>(
    collection: MemoryCollection,
    description: string,
    matches: (object: T) => boolean,
    resourceVersion: string,
    timeoutSeconds: number,
    handlers: WatchHandlers<T>,
  ): Watch {
    const pending: WatchEvent<T>[] = [];
    let closed = false;
    let ending = false;
    let scheduled = false;
    let lastSeen = Number(resourceVersion);

    const close = (error?: unknown) => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      this.subscribers.delete(observe);
      handlers.onClose(error);
    };
    // Delivered later and in order, as a real watch's events arrive: never inside the write that caused them.
    const flush = () => {
      scheduled = false;
      while (pending.length > 0 && !closed) {
        try {
          handlers.onEvent(pending.shift()!);
        } catch (error) {
          close(error);
        }
      }
      if (ending) close();
    };
    const schedule = () => {
      if (scheduled || closed) return;
      scheduled = true;
      setImmediate(flush);
    };
    const observe = (change: Change) => {
      if (change.collection !== collection || change.resourceVersion <= lastSeen) return;
      lastSeen = change.resourceVersion;
      const event = asSeenThrough(change, matches);
      if (event) pending.push(event);
      schedule();
    };

    const timer = setTimeout(() => {
      // Like the API server's bookmark: where a filtered watch may resume though it saw nothing lately.
      pending.push({ type: 'BOOKMARK', resourceVersion: this.resourceVersion });
      ending = true;
      schedule();
    }, timeoutSeconds * 1000);
    timer.unref();

    if (!/^\d+$/.test(resourceVersion) || lastSeen < this.compactedThrough) {
      setImmediate(() => close(new WatchExpiredError(description)));
    } else {
      for (const change of this.history) observe(change);
      this.subscribers.add(observe);
    }
    return { stop: () => close() };
  }
}

/** What a watch with a filter sees of a change: an object that enters it is ADDED, one that leaves it DELETED. */
function asSeenThrough<T>(change: Change, matches: (object: T) => boolean): WatchEvent<T> | undefined {
  const object = structuredClone(change.object) as T;
  const resourceVersion = String(change.resourceVersion);
  const now = matches(object);
  const before = change.type === 'MODIFIED' && change.previous !== undefined && matches(change.previous as T);
  if (change.type === 'MODIFIED' && before !== now) return { type: now ? 'ADDED' : 'DELETED', object, resourceVersion };
  return now ? { type: change.type, object, resourceVersion } : undefined;
}

/** The size that matters: a Secret's data values (up to 1 MiB), plus a little for the rest. */
function approximateBytes(object: unknown): number {
  if (object === undefined) return 0;
  const data = (object as { data?: Record<string, string> }).data;
  let bytes = 512;
  if (data && typeof data === 'object') for (const value of Object.values(data)) bytes += typeof value === 'string' ? value.length : 0;
  return bytes;
}
