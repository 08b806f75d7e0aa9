import { StaleWriteError } from '../domain/cluster.js';
import type { LeaseObject, LeaseStore } from '../domain/distributions/distribution-cluster.js';
import { defaultIdentity, heldLease, releasedLease } from './lease-record.js';

export interface LeaderCallbacks {
  /**
   * This replica leads until `signal` aborts. A returned promise should settle once the work has
   * stopped: stop() releases the lease only then (waiting at most renewDeadline).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** The lease's holder changed (this replica included). */
  onNewLeader?(identity: string): void;
}

export type LeaderSignal =
  | { type: 'acquired' | 'released' }
  | { type: 'lost'; reason: 'renew-deadline' | 'taken' }
  | { type: 'failed'; stage: 'read' | 'create' | 'replace' | 'release' | 'callback' | 'timeout'; error?: unknown };

export interface LeaderElectionOptions {
  leases: LeaseStore;
  namespace: string;
  name: string;
  /** Default: the hostname and a random suffix, so two processes on one host differ. */
  identity?: string;
  /** How long others wait, on their own clocks, after the lease last changed. Default 15. */
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long steps down. Default 10 000. */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew. Default 2 000. */
  retryPeriodMs?: number;
  callbacks: LeaderCallbacks;
  observer?(signal: LeaderSignal): void;
  random?(): number;
  /** A monotonic clock in ms, for "how long since the lease last changed". Default performance.now. */
  monotonic?(): number;
}

type Attempt = 'ours' | 'other' | 'failed';

/**
 * One leader among replicas through a coordination.k8s.io Lease, as client-go's leaderelection:
 * the holder renews every retryPeriod; the others take over once the lease has not changed for
 * leaseDuration as measured on their own clock (never comparing the server's renewTime with it);
 * a leader unable to renew for renewDeadline (< leaseDuration) steps down before anyone else may
 * take over. stop() while leading releases the lease so that another replica takes over at once.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly random: () => number;
  private readonly monotonic: () => number;
  private observed?: LeaseObject;
  private observedAt = 0;
  private reportedLeader?: string;
  private leading?: AbortController;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  constructor(private readonly options: LeaderElectionOptions) {
    this.identity = options.identity ?? defaultIdentity();
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.random = options.random ?? Math.random;
    this.monotonic = options.monotonic ?? (() => performance.now());
    if (this.leaseDurationSeconds * 1000 <= this.renewDeadlineMs) throw new Error('leaseDurationSeconds must exceed renewDeadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs) throw new Error('renewDeadline must exceed retryPeriod');
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** The holder last seen on the lease, if any. */
  get leader(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the election; when leading, stops leading and releases the lease first. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const result = await this.attempt(this.renewDeadlineMs);
      if (result === 'ours' && this.stopping) await this.release();
      else if (result === 'ours') await this.lead();
      // client-go's JitterUntil(retryPeriod, 1.2): replicas do not try in lockstep.
      else await this.sleep(this.retryPeriodMs * (1 + 1.2 * this.random()));
    }
  }

  private async lead(): Promise<void> {
    const leading = new AbortController();
    this.leading = leading;
    this.signal({ type: 'acquired' });
    const work = this.invoke(() => this.options.callbacks.onStartedLeading(leading.signal));
    let renewedAt = this.monotonic();
    let lost: 'renew-deadline' | 'taken' | undefined;
    while (!lost) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopping) break;
      const left = renewedAt + this.renewDeadlineMs - this.monotonic();
      const result = left > 0 ? await this.attempt(left) : 'failed';
      if (result === 'ours') renewedAt = this.monotonic();
      else if (result === 'other') lost = 'taken';
      else if (this.monotonic() - renewedAt >= this.renewDeadlineMs) lost = 'renew-deadline';
    }
    this.leading = undefined;
    leading.abort();
    if (lost) this.signal({ type: 'lost', reason: lost });
    void this.invoke(() => this.options.callbacks.onStoppedLeading?.());
    // Until the work has stopped, neither hand the lease over nor lead again.
    await this.within(work, this.renewDeadlineMs);
    if (!lost) await this.release();
  }

  private async attempt(deadlineMs: number): Promise<Attempt> {
    const result = await this.within(this.tryAcquireOrRenew(), deadlineMs);
    if (result !== undefined) return result;
    this.signal({ type: 'failed', stage: 'timeout' });
    return 'failed';
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { leases, namespace, name } = this.options;
    const now = this.monotonic();
    let current: LeaseObject | undefined;
    try {
      current = await leases.read(namespace, name);
    } catch (error) {
      return this.failed('read', error);
    }
    if (!current) {
      try {
        this.observe(await leases.create(this.record(undefined)));
        return 'ours';
      } catch (error) {
        return this.failed('create', error);
      }
    }
    this.observe(current);
    const holder = current.holderIdentity;
    const durationMs = (current.leaseDurationSeconds ?? this.leaseDurationSeconds) * 1000;
    if (holder && holder !== this.identity && this.observedAt + durationMs > now) return 'other';
    try {
      this.observe(await leases.replace({ ...this.record(current), resourceVersion: current.resourceVersion! }));
      return 'ours';
    } catch (error) {
      return this.failed('replace', error);
    }
  }

  private record(current: LeaseObject | undefined): LeaseObject {
    const { namespace, name } = this.options;
    return heldLease(current, {
      namespace,
      name,
      identity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      now: Date.now(),
    });
  }

  /** Remembers when the lease last changed, on our clock: that, not its renewTime, dates it. */
  private observe(lease: LeaseObject): void {
    if (lease.resourceVersion !== this.observed?.resourceVersion) this.observedAt = this.monotonic();
    this.observed = lease;
    const holder = lease.holderIdentity || undefined;
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder) void this.invoke(() => this.options.callbacks.onNewLeader?.(holder));
  }

  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease?.resourceVersion || lease.holderIdentity !== this.identity) return;
    const released = releasedLease({ ...lease, resourceVersion: lease.resourceVersion }, Date.now());
    const answered = this.options.leases.replace(released).then(
      (result) => {
        this.observed = result;
        this.signal({ type: 'released' });
        return true;
      },
      (error: unknown) => {
        this.failed('release', error);
        return true;
      },
    );
    if (!(await this.within(answered, this.renewDeadlineMs))) this.signal({ type: 'failed', stage: 'timeout' });
  }

  private failed(stage: 'read' | 'create' | 'replace' | 'release', error: unknown): 'failed' {
    // A conflict is someone else's write: read again next round, nothing to report.
    if (!(error instanceof StaleWriteError)) this.signal({ type: 'failed', stage, error });
    return 'failed';
  }

  /** Runs a callback; its failure (thrown or rejected) is reported, never thrown into the election. */
  private invoke(callback: () => void | Promise<void>): Promise<void> {
    const reported = (error: unknown) => this.signal({ type: 'failed', stage: 'callback', error });
    try {
      return Promise.resolve(callback()).catch(reported);
    } catch (error) {
      reported(error);
      return Promise.resolve();
    }
  }

  /** The promise's value, or undefined when it has not settled within `ms`. */
  private async within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits `ms`, or less when stop() is called. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private signal(signal: LeaderSignal): void {
    try {
      this.options.observer?.(signal);
    } catch {
      // An observer that fails must not stop the election.
    }
  }
}
