import { UnavailableError } from '../errors.js';

/** How full the slots are, reported on every change (for the metrics). */
export type SlotsObserver = (state: { size: number; inUse: number; waiting: number }) => void;

/** Waiters queued at most, across all callers, unless told otherwise (REGCRED_VERIFY_MAX_WAITING). */
export const DEFAULT_MAX_WAITING = 1000;

/** One caller may fill at most this share of the queue: with a few others waiting, one caller's burst cannot shut them out. */
const CALLER_SHARE_OF_WAITING = 4;

/** A check refused a place in the queue because it is full (or its caller's part of it is): 503 with Retry-After, never a 500. */
export class SlotsFullError extends UnavailableError {
  constructor(maxWaiting: number, perCaller = false) {
    super(
      perCaller
        ? `too many of this caller's registry checks are waiting for a verification slot (at most ${maxWaiting} per caller); retry later`
        : `too many registry checks are waiting for a verification slot (at most ${maxWaiting}); retry later`,
      5,
    );
  }
}

interface Waiter {
  grant: () => void;
  /** Its place in its holder's queue, for leaving it in O(1). */
  previous?: Waiter;
  next?: Waiter;
}

/** One caller: the slots it holds, and its waiters, oldest first. */
interface Holder {
  held: number;
  waiting: number;
  first?: Waiter;
  last?: Waiter;
  /** In the ready queue: it has waiters and is under its share. */
  ready: boolean;
}

/**
 * At most `size` holders at once, and at most `share` of them for one holder key (a caller): one
 * caller's many slow checks wait for its own slots, not everyone's. Waiters queue per caller, and
 * a freed slot goes round the callers that may take one, in the order they became able to (each
 * gets one, then goes to the back), so release and acquire are O(1) however many wait. At most
 * `maxWaiting` wait at once; past that a check is refused (SlotsFullError). A waiter whose signal
 * aborts leaves the queue at once, so work for a request that is gone never starts and never holds a place.
 * One caller may have at most a quarter of `maxWaiting` waiting (at least one), so a burst from one
 * caller is refused before it fills the queue for everyone.
 */
export class VerificationSlots {
  private free: number;
  private waiting = 0;
  private readonly share: number;
  private readonly maxWaitingPerCaller: number;
  private readonly holders = new Map<string, Holder>();
  // Callers with waiters and room in their share; a slot freed goes to the first. Stale entries (their waiters left) are skipped.
  private readyQueue: Holder[] = [];
  private readyHead = 0;

  constructor(
    private readonly size: number,
    share = size,
    private readonly observer?: SlotsObserver,
    private readonly maxWaiting = DEFAULT_MAX_WAITING,
  ) {
    this.free = size;
    this.share = Math.max(1, share);
    this.maxWaitingPerCaller = Math.max(1, Math.floor(maxWaiting / CALLER_SHARE_OF_WAITING));
    this.report();
  }

  /**
   * Resolves with the release function once a slot is held for `holder`; rejects with the signal's
   * reason if it aborts first, at once with SlotsFullError when `maxWaiting` checks wait already.
   */
  acquire(signal?: AbortSignal, holder = ''): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const record = this.holderOf(holder);
    if (this.free > 0 && record.held < this.share) {
      this.free--;
      const release = this.take(holder, record);
      this.report();
      return Promise.resolve(release);
    }
    if (this.waiting >= this.maxWaiting) {
      this.forgetIfIdle(holder, record);
      return Promise.reject(new SlotsFullError(this.maxWaiting));
    }
    if (record.waiting >= this.maxWaitingPerCaller) return Promise.reject(new SlotsFullError(this.maxWaitingPerCaller, true));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.leave(record, waiter);
        this.forgetIfIdle(holder, record);
        this.report();
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take(holder, record));
        },
      };
      this.enqueue(record, waiter);
      if (record.held < this.share && !record.ready) this.markReady(record);
      this.report();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private report(): void {
    this.observer?.({ size: this.size, inUse: this.size - this.free, waiting: this.waiting });
  }

  private holderOf(holder: string): Holder {
    let record = this.holders.get(holder);
    if (!record) this.holders.set(holder, (record = { held: 0, waiting: 0, ready: false }));
    return record;
  }

  private forgetIfIdle(holder: string, record: Holder): void {
    if (record.held === 0 && !record.first && this.holders.get(holder) === record) this.holders.delete(holder);
  }

  private take(holder: string, record: Holder): () => void {
    record.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      record.held--;
      if (record.first && !record.ready) this.markReady(record);
      this.forgetIfIdle(holder, record);
      const next = this.nextReady();
      if (next) {
        const waiter = next.first!;
        this.leave(next, waiter);
        // Still waiting and still under its share after this grant: back of the line, behind the others.
        if (next.first && next.held + 1 < this.share) this.markReady(next);
        waiter.grant();
      } else {
        this.free++;
      }
      this.report();
    };
  }

  private markReady(record: Holder): void {
    record.ready = true;
    this.readyQueue.push(record);
  }

  // The first caller that may take a slot and still has a waiter; O(1) amortised (each entry is passed once).
  private nextReady(): Holder | undefined {
    while (this.readyHead < this.readyQueue.length) {
      const record = this.readyQueue[this.readyHead++]!;
      record.ready = false;
      if (record.first && record.held < this.share) {
        // Entries before the head are spent: drop them now and then, so the array does not grow for good.
        if (this.readyHead > 1024 && this.readyHead * 2 > this.readyQueue.length) {
          this.readyQueue = this.readyQueue.slice(this.readyHead);
          this.readyHead = 0;
        }
        return record;
      }
    }
    this.readyQueue = [];
    this.readyHead = 0;
    return undefined;
  }

  private enqueue(record: Holder, waiter: Waiter): void {
    waiter.previous = record.last;
    if (record.last) record.last.next = waiter;
    else record.first = waiter;
    record.last = waiter;
    record.waiting++;
    this.waiting++;
  }

  private leave(record: Holder, waiter: Waiter): void {
    if (waiter.previous) waiter.previous.next = waiter.next;
    else record.first = waiter.next;
    if (waiter.next) waiter.next.previous = waiter.previous;
    else record.last = waiter.previous;
    waiter.previous = waiter.next = undefined;
    record.waiting--;
    this.waiting--;
  }
}
