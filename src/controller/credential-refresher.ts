import { StaleWriteError, type Cluster } from '../domain/cluster.js';
import {
  CloudMintError,
  providerOf,
  type CloudMinter,
  type CloudProvider,
  type CloudSource,
  type MintedCredential,
} from '../domain/credentials/cloud-source.js';
import { lifetimeMs, needsMintNow, refreshPoint, retryDelayMs, type Random } from '../domain/credentials/refresh-schedule.js';
import { desiredCopyOf } from '../domain/distributions/desired-copy.js';
import type { DistributionObject } from '../domain/distributions/distribution.js';
import { cloudSourceDigest, mintedSourceDraft, storedMint } from '../domain/distributions/minted-source.js';
import { sourceBinding } from '../domain/distributions/ownership.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import { AppError } from '../errors.js';
import { RolloutMeasure } from './rollout-measure.js';

/** What the refresher knows of one distribution's token: the stuff of status.credential and its Ready condition. */
export interface CredentialState {
  provider: CloudProvider;
  issuedAt?: Date;
  expiresAt?: Date;
  lastRefreshTime?: Date;
  nextRefreshTime?: Date;
  /** The last failed mint or write, in words safe to show; cleared by a success. */
  lastError?: string;
  /** Failed attempts since the last success. */
  failures: number;
  /** The last roll-out does not fit this token's lifetime: it is renewed at the floor (once that roll-out could have ended). */
  rolloutTooLong?: { rolloutMs: number; lifetimeMs: number };
}

export interface RefreshObserver {
  /** One mint-and-write: counted by result; never the token. */
  refreshed(distribution: string, provider: CloudProvider, result: 'success' | 'failure'): void;
}

export interface CredentialRefresherOptions {
  minter: CloudMinter;
  cluster: Cluster;
  ownNamespace: string;
  /** Asks for a reconcile of the distribution (its status and copies follow the new token). */
  enqueue: (name: string) => void;
  observer: RefreshObserver;
  now?: () => Date;
  random?: Random;
}

interface Followed {
  /** The object as last reconciled: its name, UID and source Secret name bind what is written. */
  distribution: DistributionObject;
  uid: string;
  digest: string;
  source: CloudSource;
  state: CredentialState;
  timer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
  running: boolean;
  /** The source write of a mint in progress, if one is under way. */
  writing?: Promise<void>;
  /** How long its token roll-outs take (memory only: after a restart, the lifetime rule alone until one is measured). */
  rollouts: RolloutMeasure;
}

/**
 * Keeps the token of every cloud-sourced distribution alive: mints when a distribution appears or its
 * source changes, and when a stored token has less than half its life left (a restart or a new leader
 * picks up the schedule from the source Secret's own times instead of minting again); renews at 50–55 %
 * of the real lifetime, earlier when the distribution's last roll-out needs the room (refresh-schedule.ts);
 * retries a failure with backoff, past expiry too, and never removes anything.
 * The minted token goes to the distribution's own source Secret only (created, or replaced only while
 * labelled for and bound to this very object); the copies follow from there through the reconcile.
 * Runs inside the controller, so only on the replica that leads.
 */
export class CredentialRefresher {
  private readonly followed = new Map<string, Followed>();
  private readonly abort = new AbortController();

  constructor(private readonly options: CredentialRefresherOptions) {}

  /**
   * Called by every reconcile of a cloud-sourced distribution with its source Secret as read: starts
   * following it, or starts over when the object or its cloud source changed. Returns what is known.
   */
  follow(distribution: DistributionObject, source: CloudSource, stored: SecretObject | undefined): CredentialState {
    const digest = cloudSourceDigest(source);
    const uid = distribution.uid ?? '';
    const known = this.followed.get(distribution.name);
    if (known && known.uid === uid && known.digest === digest) {
      known.distribution = distribution;
      return known.state;
    }
    if (known) this.forget(distribution.name);
    const followed: Followed = {
      distribution,
      uid,
      digest,
      source,
      state: { provider: providerOf(source), failures: 0 },
      running: false,
      rollouts: new RolloutMeasure(),
    };
    this.followed.set(distribution.name, followed);
    const kept = 'source' in sourceBinding(stored, distribution) ? storedMint(stored, source) : undefined;
    if (kept) Object.assign(followed.state, { issuedAt: kept.issuedAt, expiresAt: kept.expiresAt });
    if (kept && !needsMintNow(kept, this.now()))
      this.schedule(distribution.name, followed, this.refreshPointOf(followed, kept.issuedAt, kept.expiresAt));
    else this.schedule(distribution.name, followed, this.now());
    return followed.state;
  }

  /**
   * Called when every copy of a distribution carries `contentHash`. If that is a token this refresher
   * wrote, the time since its write is the roll-out the next refresh point leaves room for.
   */
  rolledOut(name: string, contentHash: string): void {
    this.followed.get(name)?.rollouts.rolledOut(contentHash, this.now().getTime());
  }

  /** Stops following a distribution (deleted, or no longer cloud-sourced). Its source Secret stays. */
  forget(name: string): void {
    const followed = this.followed.get(name);
    if (!followed) return;
    clearTimeout(followed.timer);
    clearTimeout(followed.expiryTimer);
    this.followed.delete(name);
  }

  /**
   * `forget`, then waits for a source write already under way: after it, no token of this distribution
   * is written any more (a deletion removes the source only once nothing can bring it back).
   */
  async forgetSettled(name: string): Promise<void> {
    const writing = this.followed.get(name)?.writing;
    this.forget(name);
    await writing?.catch(() => undefined);
  }

  stop(): void {
    this.abort.abort();
    for (const name of [...this.followed.keys()]) this.forget(name);
  }

  get size(): number {
    return this.followed.size;
  }

  private schedule(name: string, followed: Followed, at: Date): void {
    clearTimeout(followed.timer);
    followed.state.nextRefreshTime = at;
    followed.timer = setTimeout(() => void this.refresh(name, followed), Math.max(0, at.getTime() - this.now().getTime()));
    followed.timer.unref();
  }

  private async refresh(name: string, followed: Followed): Promise<void> {
    if (this.followed.get(name) !== followed || followed.running || this.abort.signal.aborted) return;
    followed.running = true;
    const { state } = followed;
    try {
      const minted = await this.options.minter.mint(followed.source, this.abort.signal, (held) => this.reusable(followed, held));
      // Forgotten while it minted (deleted, its source changed, leadership lost): its source may be gone already and must not come back.
      if (this.followed.get(name) !== followed || this.abort.signal.aborted) return;
      followed.writing = this.writeSource(followed, minted);
      await followed.writing;
      Object.assign(state, { issuedAt: minted.issuedAt, expiresAt: minted.expiresAt, lastRefreshTime: this.now(), failures: 0 });
      delete state.lastError;
      clearTimeout(followed.expiryTimer);
      followed.expiryTimer = undefined;
      this.options.observer.refreshed(name, state.provider, 'success');
      if (this.followed.get(name) === followed)
        this.schedule(name, followed, this.refreshPointOf(followed, minted.issuedAt, minted.expiresAt));
    } catch (error) {
      if (this.abort.signal.aborted || this.followed.get(name) !== followed) return;
      state.lastError = safeWords(error);
      state.failures += 1;
      this.options.observer.refreshed(name, state.provider, 'failure');
      const life = state.issuedAt && state.expiresAt ? lifetimeMs(state.issuedAt, state.expiresAt) : undefined;
      this.schedule(name, followed, new Date(this.now().getTime() + retryDelayMs(state.failures - 1, life, this.random)));
      this.enqueueAtExpiry(name, followed);
    } finally {
      followed.running = false;
      followed.writing = undefined;
    }
    if (this.followed.get(name) === followed) this.options.enqueue(name);
  }

  /** The refresh point for this token and the distribution's last roll-out; one that does not fit is reported in the state. */
  private refreshPointOf(followed: Followed, issuedAt: Date, expiresAt: Date): Date {
    const rolloutMs = followed.rollouts.lastMs;
    const point = refreshPoint(issuedAt, expiresAt, rolloutMs, this.random);
    if (point.by === 'floor' && rolloutMs !== undefined)
      followed.state.rolloutTooLong = { rolloutMs, lifetimeMs: lifetimeMs(issuedAt, expiresAt) };
    else delete followed.state.rolloutTooLong;
    return point.at;
  }

  // The token being replaced, or another whose refresh point has passed for this distribution, would be replaced again at once.
  private reusable(followed: Followed, held: MintedCredential): boolean {
    const current = followed.state.issuedAt;
    if (current && held.issuedAt.getTime() <= current.getTime()) return false;
    return refreshPoint(held.issuedAt, held.expiresAt, followed.rollouts.lastMs, () => 0).at.getTime() > this.now().getTime();
  }

  // A token that expires while refreshes fail changes the Ready condition with no other event to say so.
  private enqueueAtExpiry(name: string, followed: Followed): void {
    const expiresAt = followed.state.expiresAt;
    if (!expiresAt || followed.expiryTimer) return;
    followed.expiryTimer = setTimeout(() => this.options.enqueue(name), Math.max(0, expiresAt.getTime() - this.now().getTime()) + 50);
    followed.expiryTimer.unref();
  }

  /** Creates the source, or replaces it as read, only while it is this distribution's (labelled and bound to its UID). */
  private async writeSource(followed: Followed, minted: MintedCredential): Promise<void> {
    const identity = followed.distribution;
    const where = { namespace: this.options.ownNamespace, name: identity.spec.source.secretName };
    const existing = await this.options.cluster.readSecret(where.namespace, where.name);
    const binding = existing && sourceBinding(existing, identity);
    if (binding && 'problem' in binding) throw new SourceRefused(binding.problem);
    const draft = mintedSourceDraft(where, identity, followed.source, minted, existing);
    // Marked before the write: the reconcile it starts may report the roll-out before this write's answer is handled.
    const reading = desiredCopyOf(draft, where);
    if ('desired' in reading) followed.rollouts.written(reading.desired.contentHash, this.now().getTime());
    if (existing) await this.options.cluster.replaceSecret({ ...draft, resourceVersion: existing.resourceVersion ?? '' });
    else await this.options.cluster.createSecret(draft);
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  private get random(): Random {
    return this.options.random ?? Math.random;
  }
}

/** The source Secret of that name is not this distribution's: nothing is written over it. */
class SourceRefused extends Error {}

function safeWords(error: unknown): string {
  if (error instanceof CloudMintError || error instanceof SourceRefused) return error.message;
  if (error instanceof StaleWriteError) return 'the source Secret changed while the new token was written; retrying';
  // Our own errors are written to be shown; anything else may quote what it was given.
  if (error instanceof AppError) return `writing the source Secret failed: ${error.message}`;
  return `the mint failed (${(error as Error)?.constructor?.name ?? typeof error})`;
}
