/** Tokens written and not yet reported rolled out that are kept: a few, not one (see `written`). */
const MAX_PENDING = 4;

/**
 * How long one distribution's roll-outs of the tokens written to its source take: from the write
 * to the status reporting every copy carrying that content (the work queue's wait included). Kept
 * in memory only.
 */
export class RolloutMeasure {
  // Content hash → epoch ms of its write, oldest first.
  private readonly pending = new Map<string, number>();
  private last: number | undefined;

  /**
   * A token with this content was written to the source. Earlier ones stay pending: a roll-out
   * longer than the refresh interval is overtaken by the next write, and is still measured when
   * its pass completes.
   */
  written(contentHash: string, atMs: number): void {
    this.pending.delete(contentHash);
    this.pending.set(contentHash, atMs);
    for (const hash of this.pending.keys()) if (this.pending.size > MAX_PENDING) this.pending.delete(hash);
  }

  /** Every copy carries this content now: its roll-out is measured if it was written here. */
  rolledOut(contentHash: string, atMs: number): void {
    const since = this.pending.get(contentHash);
    if (since === undefined) return;
    this.last = Math.max(0, atMs - since);
    // Tokens written before it will not be rolled out any more.
    for (const hash of this.pending.keys()) {
      this.pending.delete(hash);
      if (hash === contentHash) break;
    }
  }

  /** The last roll-out measured, in ms; undefined before the first. */
  get lastMs(): number | undefined {
    return this.last;
  }
}
