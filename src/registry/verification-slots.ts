/** How full the slots are, reported on every change (for the metrics). */
export type SlotsObserver = (state: { size: number; inUse: number; waiting: number }) => void;

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

  private readonly size: number;
  private readonly observer: SlotsObserver | undefined;

  constructor(size: number, share = size, observer?: SlotsObserver) {
    this.size = size;
    this.observer = observer;
    this.free = size;
    this.share = Math.max(1, share);
    this.report();
  }

  private report(): void {
    this.observer?.({ size: this.size, inUse: this.size - this.free, waiting: this.waiting.size });
  }

  /** Resolves with the release function once a slot is held for `holder`; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal, holder = ''): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0 && this.mayHold(holder)) {
      this.free--;
      const release = this.take(holder);
      this.report();
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(waiter);
        this.report();
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
      this.report();
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
        this.report();
        return;
      }
      this.free++;
      this.report();
    };
  }
}
