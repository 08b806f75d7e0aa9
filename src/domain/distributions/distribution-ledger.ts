import type { DesiredCopy } from './desired-copy.js';
import type { DistributionObject, DistributionStatus, NamespaceState, NamespaceStatus, PodLackingSecret } from './distribution.js';

/** What one reconcile did in one namespace. */
export interface DistributionNamespaceOutcome {
  namespace: string;
  state: NamespaceState;
  reason?: string;
  /** The copy was created or replaced in this pass. */
  written: boolean;
  /** The content hash the copy carries after this pass (absent: no copy). */
  currentHash?: string;
  /** ServiceAccounts linked in this pass. */
  linked?: string[];
  drift?: 'edited' | 'deleted';
  /** Named, but the namespace does not exist. */
  absent?: boolean;
}

/** Entries kept in status.namespaces: an object must stay well under etcd's 1.5 MiB; counts stay complete. */
export const MAX_STATUS_NAMESPACES = 1000;

/**
 * Up to this many targets every namespace is listed; past it only those needing attention (neither
 * inSync nor excluded). Thousands of inSync lines tell nothing the counts do not, and the status is
 * written up to once a second: with 1,000 entries each write took the API server about 100 ms.
 */
export const LIST_EVERY_NAMESPACE_UP_TO = 100;

const MAX_SHARED_REASONS = 1000;

/** What is known of one namespace after the last pass that looked at it. */
export interface LedgerEntry {
  state: NamespaceState;
  contentHash?: string;
  lastSynced?: string;
  reason?: string;
  absent?: boolean;
}

/**
 * One distribution's outcome per namespace, kept between passes so a pass over a few namespaces
 * (a new namespace, a deleted copy) updates the status without looking at the others: the counts
 * move with each entry, and the listed namespaces are picked without sorting every name.
 */
export class DistributionLedger {
  private readonly entries = new Map<string, LedgerEntry>();
  // Namespaces not inSync or excluded: the only ones listed past LIST_EVERY_NAMESPACE_UP_TO.
  private readonly attention = new Set<string>();
  private readonly stateCounts = new Map<NamespaceState, number>();
  private excluded = 0;
  private absent = 0;
  private current = 0;
  private contentHash: string | undefined;
  private pods: PodLackingSecret[] = [];
  // 50,000 namespaces waiting for the same ServiceAccount share one reason, not 50,000 equal strings.
  private readonly reasons = new Map<string, string>();

  /** Seeded from the status as stored (after a restart: what the last leader recorded). */
  constructor(status?: DistributionStatus) {
    this.contentHash = status?.contentHash;
    for (const s of status?.namespaces ?? []) this.put(s.namespace, entryOf(s));
    this.pods = [...(status?.podsLackingSecret ?? [])];
  }

  get size(): number {
    return this.entries.size;
  }

  get(namespace: string): LedgerEntry | undefined {
    return this.entries.get(namespace);
  }

  /** The content copies should carry; the count of current copies follows it. */
  desire(contentHash: string): void {
    if (contentHash === this.contentHash) return;
    this.contentHash = contentHash;
    this.current = 0;
    for (const entry of this.entries.values()) if (this.isCurrent(entry)) this.current++;
  }

  /** What a pass did in one namespace, stamped `stamp` when it wrote or first saw the content there. */
  record(outcome: DistributionNamespaceOutcome, stamp: string): void {
    const earlier = this.entries.get(outcome.namespace);
    const lastSynced = outcome.written
      ? stamp
      : outcome.currentHash !== undefined
        ? earlier?.contentHash === outcome.currentHash && earlier.lastSynced
          ? earlier.lastSynced
          : stamp
        : undefined;
    // One shape for every entry (undefined where absent): 50,000 of them stay small.
    this.put(outcome.namespace, {
      state: outcome.state,
      contentHash: outcome.currentHash || undefined,
      lastSynced,
      reason:
        outcome.reason && outcome.state !== 'inSync' && outcome.state !== 'drifted-restored' ? this.shared(outcome.reason) : undefined,
      absent: outcome.absent || undefined,
    });
  }

  /** The namespace is no longer targeted at all. */
  forget(namespace: string): void {
    const earlier = this.entries.get(namespace);
    if (!earlier) return;
    this.count(earlier, -1);
    this.entries.delete(namespace);
    this.attention.delete(namespace);
  }

  /** Forgets every namespace `kept` says no: after a pass over all of them. */
  retainOnly(kept: (namespace: string) => boolean): void {
    for (const namespace of [...this.entries.keys()]) if (!kept(namespace)) this.forget(namespace);
  }

  /** Pods lacking the secret: those found in `checked` replace what was known there; the others stay. */
  podsFound(checked: ReadonlySet<string>, found: readonly PodLackingSecret[], limit: number): void {
    const kept = this.pods.filter((p) => !checked.has(p.namespace) && (this.entries.get(p.namespace)?.state ?? 'excluded') !== 'excluded');
    this.pods = [...kept, ...found].sort(byPlace).slice(0, limit);
  }

  /** Exactly these, as a pass over every namespace found them. */
  replacePods(pods: readonly PodLackingSecret[]): void {
    this.pods = [...pods];
  }

  get podsLackingSecret(): readonly PodLackingSecret[] {
    return this.pods;
  }

  /**
   * The status the ledger describes. Times change only when something happened (a write, a new
   * content hash, a completed roll-out), so a ledger that did not change yields the status it started from.
   */
  status(distribution: DistributionObject, desired: Pick<DesiredCopy, 'contentHash'>, now: Date): DistributionStatus {
    this.desire(desired.contentHash);
    const before = distribution.status ?? {};
    const stamp = now.toISOString();
    const counts: NonNullable<DistributionStatus['counts']> = { targeted: this.entries.size - this.excluded, current: this.current };
    for (const [state, n] of this.stateCounts) if (n > 0) counts[state] = n;
    const changed = before.contentHash !== desired.contentHash;
    const rolledOut = this.current === this.entries.size - this.excluded - this.absent;
    const rolledOutAt = changed ? (rolledOut ? stamp : undefined) : (before.rolledOutAt ?? (rolledOut ? stamp : undefined));
    return {
      ...(distribution.generation !== undefined ? { observedGeneration: distribution.generation } : {}),
      contentHash: desired.contentHash,
      contentChangedAt: changed ? stamp : (before.contentChangedAt ?? stamp),
      ...(rolledOutAt ? { rolledOutAt } : {}),
      counts,
      namespaces: this.listed(),
      ...(this.pods.length ? { podsLackingSecret: [...this.pods] } : {}),
      ...(before.lastReconciled ? { lastReconciled: before.lastReconciled } : {}),
    };
  }

  /** In namespace order: every one of a small distribution, else at most 1,000 of those needing attention. */
  private listed(): NamespaceStatus[] {
    const names: string[] = [];
    if (this.entries.size <= LIST_EVERY_NAMESPACE_UP_TO) names.push(...this.entries.keys());
    else for (const name of this.attention) if (names.length < MAX_STATUS_NAMESPACES) names.push(name);
    return names.sort().map((namespace) => {
      const { state, contentHash, lastSynced, reason } = this.entries.get(namespace)!;
      return {
        namespace,
        state,
        ...(contentHash ? { contentHash } : {}),
        ...(lastSynced ? { lastSynced } : {}),
        ...(reason ? { reason } : {}),
      };
    });
  }

  private shared(reason: string): string {
    const known = this.reasons.get(reason);
    if (known !== undefined) return known;
    if (this.reasons.size >= MAX_SHARED_REASONS) this.reasons.clear();
    this.reasons.set(reason, reason);
    return reason;
  }

  private put(namespace: string, entry: LedgerEntry): void {
    const earlier = this.entries.get(namespace);
    if (earlier) this.count(earlier, -1);
    this.entries.set(namespace, entry);
    this.count(entry, 1);
    if (entry.state === 'inSync' || entry.state === 'excluded') this.attention.delete(namespace);
    else this.attention.add(namespace);
  }

  private count(entry: LedgerEntry, by: 1 | -1): void {
    this.stateCounts.set(entry.state, (this.stateCounts.get(entry.state) ?? 0) + by);
    if (entry.state === 'excluded') this.excluded += by;
    else if (entry.absent) this.absent += by;
    else if (this.isCurrent(entry)) this.current += by;
  }

  private isCurrent(entry: LedgerEntry): boolean {
    return entry.state !== 'excluded' && !entry.absent && entry.contentHash !== undefined && entry.contentHash === this.contentHash;
  }
}

function entryOf(status: NamespaceStatus): LedgerEntry {
  return { state: status.state, contentHash: status.contentHash, lastSynced: status.lastSynced, reason: status.reason, absent: undefined };
}

const byPlace = (a: PodLackingSecret, b: PodLackingSecret): number => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1);
