import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../src/controller/work-queue.js';

/** A task the test finishes by hand. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when a key is enqueued several times while it waits, then it runs once', async () => {
    const runs: string[] = [];
    const busy = gate();
    const queue = new WorkQueue({
      workers: 1,
      process: async (key) => {
        runs.push(key);
        if (key === 'busy') await busy.promise;
      },
    });
    queue.enqueue('busy');
    for (const key of ['a', 'b', 'a', 'a', 'b']) queue.enqueue(key);
    expect(queue.depth).toBe(2);
    busy.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['busy', 'a', 'b']);
    await queue.shutdown();
  });

  it('when a key is enqueued while it runs, then it runs again afterwards, never twice at once', async () => {
    const gates = [gate(), gate()];
    let running = 0;
    let most = 0;
    let runs = 0;
    const queue = new WorkQueue({
      workers: 4,
      process: async () => {
        running++;
        most = Math.max(most, running);
        await gates[runs++].promise;
        running--;
      },
    });
    queue.enqueue('a');
    await vi.advanceTimersByTimeAsync(0);
    queue.enqueue('a');
    queue.enqueue('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    gates[0].open();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(2);
    gates[1].open();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(2);
    expect(most).toBe(1);
    await queue.shutdown();
  });

  it('when there are more keys than workers, then at most N run at once and the rest follow in order', async () => {
    const gates = new Map<string, ReturnType<typeof gate>>();
    const started: string[] = [];
    const queue = new WorkQueue({
      workers: 2,
      process: (key) => {
        started.push(key);
        const g = gate();
        gates.set(key, g);
        return g.promise;
      },
    });
    for (const key of ['a', 'b', 'c', 'd']) queue.enqueue(key);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b']);
    expect(queue.active).toBe(2);
    expect(queue.depth).toBe(2);
    gates.get('b')!.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b', 'c']);
    for (const g of gates.values()) g.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    gates.get('d')!.open();
    await queue.shutdown();
  });

  it('when processing fails, then the error is reported and the key retried after 100, 200, 400 ms…; a success resets that', async () => {
    const times: number[] = [];
    const errors: Array<[string, number]> = [];
    let failuresLeft = 3;
    const start = Date.now();
    const queue = new WorkQueue({
      random: () => 1,
      process: async () => {
        times.push(Date.now() - start);
        if (failuresLeft-- > 0) throw new Error('conflict');
      },
      onError: (key, _error, retryInMs) => errors.push([key, retryInMs]),
    });
    queue.enqueue('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times).toEqual([0, 100, 300, 700]);
    expect(errors).toEqual([
      ['a', 100],
      ['a', 200],
      ['a', 400],
    ]);

    failuresLeft = 1;
    queue.enqueue('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times.slice(4).map((t) => t - times[4])).toEqual([0, 100]);
    await queue.shutdown();
  });

  it('when a key keeps failing, then its backoff stops growing at 30 s and other keys are not held up', async () => {
    const errors: number[] = [];
    const done: string[] = [];
    const queue = new WorkQueue({
      workers: 1,
      random: () => 1,
      process: async (key) => {
        if (key === 'bad') throw new Error('forbidden');
        done.push(key);
      },
      onError: (_key, _error, retryInMs) => errors.push(retryInMs),
    });
    queue.enqueue('bad');
    queue.enqueue('good');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(done).toEqual(['good']);
    expect(errors.slice(0, 11)).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    await queue.shutdown();
  });

  it('when a process function throws synchronously or the error reporter throws, then the queue carries on', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue({
      process: ((key: string) => {
        runs.push(key);
        if (key === 'a') throw new Error('sync bug');
        return Promise.resolve();
      }) as (key: string) => Promise<void>,
      onError: () => {
        throw new Error('logger bug');
      },
    });
    queue.enqueue('a');
    queue.enqueue('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['a', 'b']);
    await queue.shutdown();
  });

  it('when a key is enqueued after a delay, then it runs then, and an earlier due time wins over a later one', async () => {
    const runs: Array<[string, number]> = [];
    const start = Date.now();
    const queue = new WorkQueue({ process: async (key) => void runs.push([key, Date.now() - start]) });
    queue.enqueueAfter('a', 1_000);
    queue.enqueueAfter('a', 5_000);
    queue.enqueueAfter('b', 5_000);
    queue.enqueueAfter('b', 2_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([
      ['a', 1_000],
      ['b', 2_000],
    ]);
    await queue.shutdown();
  });

  it('when shut down, then it waits for running work (whose signal aborts), drops waiting and delayed keys and takes no more', async () => {
    const started: string[] = [];
    const running = gate();
    let signal: AbortSignal | undefined;
    const queue = new WorkQueue({
      workers: 1,
      process: async (key, abort) => {
        started.push(key);
        if (key === 'a') {
          signal = abort;
          await running.promise;
        }
      },
    });
    queue.enqueue('a');
    queue.enqueue('b');
    queue.enqueueAfter('c', 1_000);
    await vi.advanceTimersByTimeAsync(0);

    let finished = false;
    const shutdown = queue.shutdown().then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(signal?.aborted).toBe(true);
    expect(finished).toBe(false);
    running.open();
    await shutdown;
    queue.enqueue('d');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when work fails during shutdown, then it is neither retried nor reported', async () => {
    const errors: string[] = [];
    const running = gate();
    const queue = new WorkQueue({ process: () => running.promise, onError: (key) => errors.push(key) });
    queue.enqueue('a');
    await vi.advanceTimersByTimeAsync(0);
    const shutdown = queue.shutdown();
    running.fail(new Error('aborted'));
    await shutdown;
    expect(errors).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
