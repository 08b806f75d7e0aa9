/**
 * What the controller remembers per distribution and namespace between reconciles, so that a
 * failure that repeats is reported once (an Event and a warning when a namespace's failure or its
 * reason changes, not on every retry) and a create known to conflict with someone else's Secret is
 * not sent again until `conflictTtlMs` has passed. Forgotten when the distribution goes.
 */
export class NamespaceMemory {
  private readonly reported = new Map<string, Map<string, string>>();
  private readonly conflicts = new Map<string, Map<string, { reason: string; until: number }>>();

  constructor(
    private readonly conflictTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether this failure is news: not the one last reported for the namespace. After a restart
   * nothing is remembered, so `recorded` (what the status already says) counts as reported.
   */
  shouldReport(distribution: string, namespace: string, failure: string, recorded?: string): boolean {
    const byNamespace = this.reported.get(distribution) ?? new Map<string, string>();
    this.reported.set(distribution, byNamespace);
    const last = byNamespace.get(namespace) ?? recorded;
    byNamespace.set(namespace, failure);
    return last !== failure;
  }

  /** The namespace is fine again: its next failure is news. */
  settled(distribution: string, namespace: string): void {
    this.reported.get(distribution)?.delete(namespace);
  }

  rememberConflict(distribution: string, namespace: string, reason: string): void {
    const byNamespace = this.conflicts.get(distribution) ?? new Map<string, { reason: string; until: number }>();
    this.conflicts.set(distribution, byNamespace);
    byNamespace.set(namespace, { reason, until: this.now() + this.conflictTtlMs });
  }

  /** The reason a create in this namespace conflicted recently, if it did: do not send it again yet. */
  knownConflict(distribution: string, namespace: string): string | undefined {
    const known = this.conflicts.get(distribution)?.get(namespace);
    if (!known) return undefined;
    if (known.until > this.now()) return known.reason;
    this.conflicts.get(distribution)?.delete(namespace);
    return undefined;
  }

  forgetConflict(distribution: string, namespace: string): void {
    this.conflicts.get(distribution)?.delete(namespace);
  }

  forget(distribution: string): void {
    this.reported.delete(distribution);
    this.conflicts.delete(distribution);
  }

  /** Distributions remembered (a test of pruning reads it). */
  get size(): number {
    return new Set([...this.reported.keys(), ...this.conflicts.keys()]).size;
  }
}
