/** A key's count in its current window, and when that window ends (ms since the epoch). */
export interface WindowCount {
  count: number;
  resetAt: number;
}

/**
 * Hits per key in fixed windows, each key's window starting at its first hit (as express-rate-limit's
 * memory store counts). Synchronous, and no timer: keys are kept in two generations that turn over
 * once a window, so a key not seen for two windows is forgotten without a sweep.
 */
export class FixedWindowCounter {
  private current = new Map<string, WindowCount>();
  private previous = new Map<string, WindowCount>();
  private turnAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.turnAt = now() + windowMs;
  }

  /** Counts one hit for `key`; the count includes it. */
  hit(key: string): WindowCount {
    const now = this.now();
    if (now >= this.turnAt) this.turnOver(now);
    let entry = this.current.get(key);
    if (entry === undefined) {
      // A key counted last generation keeps its window while it lasts.
      entry = this.previous.get(key);
      if (entry !== undefined) {
        this.previous.delete(key);
        this.current.set(key, entry);
      }
    }
    if (entry === undefined || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + this.windowMs };
      this.current.set(key, entry);
    }
    entry.count++;
    return entry;
  }

  private turnOver(now: number): void {
    // Two windows without a turn: nothing in `current` can still be open either.
    this.previous = now >= this.turnAt + this.windowMs ? new Map() : this.current;
    this.current = new Map();
    this.turnAt = now + this.windowMs;
  }
}
