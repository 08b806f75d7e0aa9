/**
 * At most `size` holders at once, first come first served. A waiter whose signal aborts leaves the
 * queue at once, so work for a request that is gone never starts and never holds a place.
 */
export class VerificationSlots {
  private free: number;
  private readonly waiting = new Set<() => void>();

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves with the release function once a slot is held; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(grant);
        reject(signal!.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.releaser());
      };
      this.waiting.add(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.values().next();
      if (next.done) {
        this.free++;
        return;
      }
      this.waiting.delete(next.value);
      next.value();
    };
  }
}
