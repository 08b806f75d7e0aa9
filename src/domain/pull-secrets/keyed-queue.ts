/** How long a task may wait for its turn, and the error its caller gets when that runs out. */
export interface Patience {
  waitMs: number;
  refuse: () => Error;
}

/**
 * Runs tasks one at a time per key, in the order they arrive; tasks of different keys run freely.
 * A key is forgotten as soon as its last task settles, so the map holds only keys with work queued.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }

  /** Whether a task of this key is running or waiting. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /**
   * Runs `task` after the key's earlier tasks. With `patience`, a task whose turn has not come within
   * `waitMs` is refused at once and never runs; those behind it keep their places.
   */
  run<T>(key: string, task: () => Promise<T>, patience?: Patience): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let refused = false;
    const ran = previous.then(() => (refused ? undefined : task()));
    // The tail never rejects: one task's failure must not fail the next. A refused task's tail is the
    // one before it, so the order behind it holds.
    const tail = ran.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    if (!patience) return ran as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        refused = true;
        reject(patience.refuse());
      }, patience.waitMs);
      void previous.then(() => clearTimeout(timer));
      (ran as Promise<T>).then(resolve, reject);
    });
  }
}
