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

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The tail never rejects: one task's failure must not fail the next.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
