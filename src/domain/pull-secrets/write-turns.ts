import { UnavailableError } from '../../errors.js';
import type { Cluster } from '../cluster.js';
import { KeyedQueue } from './keyed-queue.js';
import { LastWrites } from './last-writes.js';

/**
 * How long one object's write may wait for its turn and keep losing races before the caller gets a
 * 503 or 409: long enough for a hundred writers on one object to take turns, short enough that a
 * caller (or a proxy's upstream timeout, commonly 30–60 s) hears back well before it gives up.
 */
export const WRITE_DEADLINE_MS = 10_000;
// Pauses between rounds grow from 10 ms to at most 400 ms, each a random share of that ("full jitter"),
// so replicas racing on one object spread out instead of colliding again in step.
const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 400;

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempt - 1))));

/** What a round returns when it lost a race and should re-read and try again. */
export const LOST_RACE = Symbol('lost race');

/** What a write needs: the cluster, and this process's turns on the objects it writes. */
export interface WritePorts {
  cluster: Cluster;
  turns: WriteTurns;
}

/** One object's read-change-write, as WriteTurns.take runs it. */
export interface WriteRounds<T> {
  /** The object written, e.g. `secret/ns/name`: writes of one key in this process run one after another. */
  key: string;
  /**
   * One read-change-write; LOST_RACE when the object changed between the read and the write.
   * `reuseRead` is true on the first round when no earlier write of the key in this process was under
   * way as this one was asked for: an object read before asking may then be written from without
   * reading it again (its resourceVersion still guards the write). Later rounds must read.
   */
  round: (turn: { reuseRead: boolean }) => Promise<T | typeof LOST_RACE>;
  /** The error for a write that kept losing until the deadline. */
  giveUp: () => Error;
}

/**
 * This process's writers of one object take turns instead of racing (the resourceVersion
 * precondition still guards against other replicas and other tools). One per app, made with the
 * deadline its writes get (WRITE_DEADLINE_MS unless a test waits out a shorter one).
 */
export class WriteTurns {
  private readonly queue = new KeyedQueue();
  readonly deadlineMs: number;
  /** What this process last wrote of each pull secret: a next write of it can skip the read (see writeDraft). */
  readonly lastWrites = new LastWrites();

  constructor({ deadlineMs = WRITE_DEADLINE_MS }: { deadlineMs?: number } = {}) {
    this.deadlineMs = deadlineMs;
  }

  /**
   * Runs read-change-write rounds on one object, after this process's earlier writes of it, until
   * one does not lose a race or the deadline (counted from the call, waiting included) has passed.
   * @throws the error `giveUp` makes, when time ran out; UnavailableError when it ran out before this write's turn came
   */
  take<T>({ key, round, giveUp }: WriteRounds<T>): Promise<T> {
    const deadlineMs = this.deadlineMs;
    const deadline = Date.now() + deadlineMs;
    // Waited out the whole deadline behind other writes of the object (e.g. while the API server is slow
    // or frozen): busy, not a lost race; refused then, not once the write ahead finally settles.
    const busy = () => new UnavailableError(`too many writes of ${key} at once; retry the request`, 1);
    // Behind another write of the object, what was read before is most likely stale: read it again.
    const queued = this.queue.busy(key);
    const rounds = async (): Promise<T> => {
      if (Date.now() >= deadline) throw busy();
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        if (attempt > 0) await pause(attempt);
        const result = await round({ reuseRead: attempt === 0 && !queued });
        if (result !== LOST_RACE) return result;
      }
      throw giveUp();
    };
    return this.queue.run(key, rounds, { waitMs: deadlineMs, refuse: busy });
  }
}
