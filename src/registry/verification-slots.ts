interface Waiter {
  holder: string;
  grant: () => void;
}

/**
 * At most `size` holders at once, first come first served, and at most `share` of them for one
 * holder key (a caller): one caller's many slow checks wait for its own slots, not everyone's. A
 * waiter whose signal aborts leaves the queue at once, so work for a request that is gone never
 * starts and never holds a place.
 */
export class VerificationSlots {
  private free: number;
  private readonly share: number;
  private readonly held = new Map<string, number>();
  private readonly waiting = new Set<Waiter>();

  constructor(size: number, share = size) {
    this.free = size;
    this.share = Math.max(1, share);
  }

  /** Resolves with the release function once a slot is held for `holder`; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal, holder = ''): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0 && this.mayHold(holder)) {
      this.free--;
      return Promise.resolve(this.take(holder));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        holder,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take(holder));
        },
      };
      this.waiting.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private mayHold(holder: string): boolean {
    return (this.held.get(holder) ?? 0) < this.share;
  }

  private take(holder: string): () => void {
    this.held.set(holder, (this.held.get(holder) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = this.held.get(holder)! - 1;
      if (count === 0) this.held.delete(holder);
      else this.held.set(holder, count);
      // The slot goes to the first waiter whose caller is under its share; waiters over theirs keep their place.
      for (const waiter of this.waiting) {
        if (!this.mayHold(waiter.holder)) continue;
        this.waiting.delete(waiter);
        waiter.grant();
        return;
      }
      this.free++;
    };
  }
}
