import { afterEach, describe, expect, it, vi } from 'vitest';
import { StaleWriteError } from '../../../src/domain/cluster.js';
import { KeyedQueue } from '../../../src/domain/pull-secrets/keyed-queue.js';
import { LOST_RACE, WriteTurns } from '../../../src/domain/pull-secrets/write-turns.js';

describe('KeyedQueue', () => {
  it('when tasks of one key overlap, then they run one at a time in arrival order; other keys run meanwhile', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run('a', task('a1')), queue.run('a', task('a2')), queue.run('b', task('b1'))]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('when a task fails, then its caller gets the error and the next task of the key still runs', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', async () => {
      throw new Error('boom');
    });
    const next = queue.run('a', async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('when every task of many keys has settled, then no key is left behind (the map cannot grow without bound)', async () => {
    const queue = new KeyedQueue();
    await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) => queue.run(`k${i % 37}`, async () => (i % 5 === 0 ? Promise.reject(new Error('x')) : i))),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
  });
});

describe('WriteTurns.take', () => {
  it('when every round loses the race, then it gives up once the deadline has passed, after several rounds', async () => {
    let rounds = 0;
    const write = new WriteTurns({ deadlineMs: 200 }).take({
      key: 'secret/ns/x',
      round: async () => (rounds++, LOST_RACE),
      giveUp: () => new StaleWriteError('ns', 'x'),
    });
    await expect(write).rejects.toBeInstanceOf(StaleWriteError);
    expect(rounds).toBeGreaterThan(2);
  });

  it('when a round wins after losing, then its result is returned', async () => {
    let rounds = 0;
    const result = await new WriteTurns().take({
      key: 'k',
      round: async () => (++rounds < 3 ? LOST_RACE : 'done'),
      giveUp: () => new Error('gave up'),
    });
    expect([result, rounds]).toEqual(['done', 3]);
  });
});

describe('WriteTurns.take behind a slow write', () => {
  it('when the deadline passes before its turn comes, then it is refused as busy (503) without a round', async () => {
    const turns = new WriteTurns({ deadlineMs: 20 });
    const slow = turns.take({
      key: 'k',
      round: () => new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 100)),
      giveUp: () => new Error('gave up'),
    });
    let rounds = 0;
    const queued = turns.take({
      key: 'k',
      round: async () => (rounds++, 'queued'),
      giveUp: () => new Error('gave up'),
    });
    await expect(queued).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect([await slow, rounds]).toEqual(['slow', 0]);
  });
});

/** A promise settled from outside, and what became of it so far (read without awaiting). */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
function watched(promise: Promise<unknown>): { outcome?: string } {
  const state: { outcome?: string } = {};
  promise.then(
    (value) => (state.outcome = `resolved ${String(value)}`),
    (error: Error) => (state.outcome = `rejected ${error.message}`),
  );
  return state;
}

describe('waiting for a turn behind a task that does not settle (a frozen API server)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when a task runs out of patience, then it is refused at once and never runs, those behind it still run in order, and the key is forgotten', async () => {
    vi.useFakeTimers();
    const queue = new KeyedQueue();
    const log: string[] = [];
    const head = deferred();
    const task = (name: string) => async () => void log.push(name);
    const first = queue.run('k', () => head.promise.then(task('head')));
    const impatient = watched(queue.run('k', task('impatient'), { waitMs: 20, refuse: () => new Error('busy') }));
    const behind = queue.run('k', task('behind'), { waitMs: 60_000, refuse: () => new Error('busy too') });
    const later = queue.run('k', task('later'));

    await vi.advanceTimersByTimeAsync(20);
    expect(impatient.outcome).toBe('rejected busy');
    expect(log).toEqual([]);

    head.resolve();
    await Promise.all([first, behind, later]);
    expect(log).toEqual(['head', 'behind', 'later']);
    await vi.advanceTimersByTimeAsync(0);
    expect([queue.size, vi.getTimerCount()]).toEqual([0, 0]);
  });

  it('when the write ahead never settles, then a queued write is refused as busy (503, Retry-After: 1) at the 10 s deadline without a round', async () => {
    vi.useFakeTimers();
    const turns = new WriteTurns();
    void turns.take({ key: 'k', round: () => new Promise<string>(() => undefined), giveUp: () => new Error('gave up') });
    let rounds = 0;
    const queued = turns.take({
      key: 'k',
      round: async () => (rounds++, 'queued'),
      giveUp: () => new Error('gave up'),
    });
    const refusal = watched(queued);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(refusal.outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(refusal.outcome).toMatch(/^rejected too many writes of k at once/);
    await expect(queued).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect(rounds).toBe(0);
  });

  it('when turns are made with a shorter deadline, then a queued write through them is refused at that deadline; the default keeps 10 s', async () => {
    vi.useFakeTimers();
    const [short, other] = [new WriteTurns({ deadlineMs: 1_500 }), new WriteTurns()];
    const hang = { key: 'k', round: () => new Promise<string>(() => undefined), giveUp: () => new Error('gave up') };
    const queue = { key: 'k', round: async () => 'ran', giveUp: () => new Error('gave up') };
    void short.take(hang);
    void other.take(hang);
    const [refusal, otherRefusal] = [watched(short.take(queue)), watched(other.take(queue))];
    await vi.advanceTimersByTimeAsync(1_499);
    expect(refusal.outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect([refusal.outcome, otherRefusal.outcome]).toEqual([expect.stringMatching(/^rejected too many writes of k at once/), undefined]);
    await vi.advanceTimersByTimeAsync(8_500);
    expect(otherRefusal.outcome).toMatch(/^rejected too many writes of k at once/);
  });
});
