import { type Backoff, backoffDelay } from './backoff.js';

export interface WorkQueueOptions {
  /**
   * Handles one key. Resolving forgets the key's failures; throwing reports the error and retries
   * the key after its backoff. `signal` aborts when the queue shuts down.
   */
  process(key: string, signal: AbortSignal): Promise<void>;
  /** Keys processed at once (never the same key twice at once). Default 2. */
  workers?: number;
  /** Per key, after each failure in a row. Default 100 ms → 30 s. */
  backoff?: Backoff;
  onError?(key: string, error: unknown, retryInMs: number): void;
  random?(): number;
}

/**
 * Keys waiting to be reconciled, as client-go's rate-limited work queue: a key enqueued several
 * times while it waits runs once; a key enqueued while it runs runs again afterwards, never in
 * parallel with itself; failures are retried with a per-key capped exponential backoff.
 */
export class WorkQueue {
  // Insertion-ordered: the oldest waiting key runs first, and a key waits only once.
  private readonly waiting = new Set<string>();
  private readonly running = new Set<string>();
  // Enqueued while running: waits until its run ends.
  private readonly again = new Set<string>();
  private readonly delayed = new Map<string, { readyAt: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly failures = new Map<string, number>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly workers: number;
  private readonly backoff: Backoff;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.workers = Math.max(1, options.workers ?? 2);
    this.backoff = options.backoff ?? { initialMs: 100, maxMs: 30_000 };
  }

  /** Keys waiting to run now (not those running or delayed). */
  get depth(): number {
    return this.waiting.size;
  }

  /** Keys being processed. */
  get active(): number {
    return this.running.size;
  }

  enqueue(key: string): void {
    if (this.shuttingDown) return;
    if (this.running.has(key)) this.again.add(key);
    else this.waiting.add(key);
    this.pump();
  }

  /** Enqueues the key after `ms`; a key already due sooner keeps the sooner time. */
  enqueueAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.enqueue(key);
    const readyAt = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    clearTimeout(pending?.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.enqueue(key);
    }, ms);
    this.delayed.set(key, { readyAt, timer });
  }

  /** Enqueues the key after its next backoff delay, and returns that delay. */
  private retry(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = backoffDelay(failures, this.backoff, this.options.random);
    this.enqueueAfter(key, delay);
    return delay;
  }

  /** Starts the key's backoff afresh. */
  private forget(key: string): void {
    this.failures.delete(key);
  }

  /** Drops every waiting and delayed key, aborts the running ones' signal and waits for them to end. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.waiting.clear();
    this.again.clear();
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.abort.abort();
    await Promise.allSettled([...this.tasks]);
  }

  private pump(): void {
    for (const key of this.waiting) {
      if (this.running.size >= this.workers) return;
      this.waiting.delete(key);
      this.running.add(key);
      const task = this.run(key);
      this.tasks.add(task);
      void task.finally(() => this.tasks.delete(task));
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.options.process(key, this.abort.signal);
      this.forget(key);
    } catch (error) {
      if (!this.shuttingDown) this.report(key, error, this.retry(key));
    } finally {
      this.running.delete(key);
      if (this.again.delete(key)) this.waiting.add(key);
      if (!this.shuttingDown) this.pump();
    }
  }

  private report(key: string, error: unknown, retryInMs: number): void {
    try {
      this.options.onError?.(key, error, retryInMs);
    } catch {
      // A failing error reporter must not stop the queue.
    }
  }
}
