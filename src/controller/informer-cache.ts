/** A change to an informer's cache, as its handlers hear of it. */
export type CacheChange<T> = { type: 'add'; object: T } | { type: 'update'; previous: T; object: T } | { type: 'delete'; object: T };

/** One collection's objects by key; each write says what it changed (an update needs a new resourceVersion). */
export class InformerCache<T> {
  private readonly objects = new Map<string, T>();

  constructor(
    private readonly keyOf: (object: T) => string,
    private readonly versionOf: (object: T) => string | undefined,
  ) {}

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  values(): IterableIterator<T> {
    return this.objects.values();
  }

  put(object: T): CacheChange<T> | undefined {
    const key = this.keyOf(object);
    const previous = this.objects.get(key);
    this.objects.set(key, object);
    if (previous === undefined) return { type: 'add', object };
    if (this.versionOf(previous) !== this.versionOf(object)) return { type: 'update', previous, object };
    return undefined;
  }

  /** `object` names it (a DELETED event's); nothing changes when it was not known. */
  delete(object: T): CacheChange<T> | undefined {
    const key = this.keyOf(object);
    const known = this.objects.get(key);
    if (known === undefined) return undefined;
    this.objects.delete(key);
    // The instance the cache held (and the owner's indexes): the event's may be a copy of it.
    return { type: 'delete', object: known };
  }

  /** Takes a full listing as the truth: what it adds, changes, and what it no longer has (deleted meanwhile). */
  replace(items: T[]): CacheChange<T>[] {
    const listed = new Set<string>();
    const changes: CacheChange<T>[] = [];
    for (const item of items) {
      listed.add(this.keyOf(item));
      const change = this.put(item);
      if (change) changes.push(change);
    }
    for (const [key, known] of this.objects) {
      if (listed.has(key)) continue;
      this.objects.delete(key);
      changes.push({ type: 'delete', object: known });
    }
    return changes;
  }
}
