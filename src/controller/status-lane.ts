/**
 * Each distribution's status writes, one at a time and in the order asked. A pass over a few
 * namespaces hands its batched write to the lane and goes on, so the next event never waits for it:
 * with 1,000 namespaces listed a status write takes the API server about 100 ms. Other writes
 * (a full pass, a refusal) wait their turn, so an older status never lands after a newer one.
 */
export class StatusLane {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waitingToStart = new Set<string>();
  private unfinished = 0;

  /** Runs `write` once the distribution's earlier writes have ended; answers what it answers. */
  run<T>(name: string, write: () => Promise<T>): Promise<T> {
    const before = this.tails.get(name) ?? Promise.resolve();
    this.unfinished++;
    const result = before.then(write);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(name, tail);
    void tail.then(() => {
      this.unfinished--;
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return result;
  }

  /**
   * Runs `write` in its turn without waiting for it. One not yet started already stands for this
   * one: it reads the ledger when it starts, so it writes the latest. `failed` gets its error.
   */
  soon(name: string, write: () => Promise<void>, failed: (error: unknown) => void): void {
    if (this.waitingToStart.has(name)) return;
    this.waitingToStart.add(name);
    this.run(name, () => {
      this.waitingToStart.delete(name);
      return write();
    }).catch(failed);
  }

  /** Writes waiting or under way: part of the controller's backlog. */
  get size(): number {
    return this.unfinished;
  }
}
