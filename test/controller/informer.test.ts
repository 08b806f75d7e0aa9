import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Informer, type InformerSignal, InformerStoppedError } from '../../src/controller/informer.js';
import { WatchExpiredError } from '../../src/domain/watch.js';
import { type FakeObject, FakeWatchSource } from '../support/fake-watch-source.js';

// random() = 1: every jitter at its top, so backoff delays are exactly 200, 400, 800 ms…
function informerOn(source: FakeWatchSource, options: { resyncMs?: number; random?: () => number } = {}) {
  const seen: string[] = [];
  const signals: InformerSignal[] = [];
  const informer = new Informer<FakeObject>({
    source,
    keyOf: (object) => object.name,
    versionOf: (object) => object.resourceVersion,
    handlers: {
      onAdd: (object) => seen.push(`add ${object.name}`),
      onUpdate: (previous, current) => seen.push(`update ${current.name} ${previous.value}→${current.value}`),
      onDelete: (object) => seen.push(`delete ${object.name}`),
      onResync: () => seen.push('resync'),
    },
    resyncMs: options.resyncMs ?? 0,
    random: options.random ?? (() => 1),
    observer: (signal) => signals.push(signal),
  });
  return { informer, seen, signals };
}

describe('Informer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when started, then it lists, reports each object as added, is synced, and watches from the listing’s resourceVersion', async () => {
    const source = new FakeWatchSource();
    source.put('a', '1');
    source.put('b', '1');
    const { informer, seen } = informerOn(source);
    informer.start();
    await informer.synced;
    expect(informer.hasSynced()).toBe(true);
    expect(seen).toEqual(['add a', 'add b']);
    expect(informer.get('a')?.value).toBe('1');
    expect(informer.list().map((object) => object.name)).toEqual(['a', 'b']);
    expect(source.open).toHaveLength(1);
    expect(source.open[0].resourceVersion).toBe(source.resourceVersion);
    informer.stop();
  });

  it('when watches are opened, then their timeout is jittered within ± 10 % of timeoutSeconds', async () => {
    const timeouts = [];
    for (const random of [0, 0.5, 1]) {
      const source = new FakeWatchSource();
      const informer = new Informer<FakeObject>({
        source,
        keyOf: (o) => o.name,
        versionOf: (o) => o.resourceVersion,
        timeoutSeconds: 300,
        random: () => random,
      });
      informer.start();
      await informer.synced;
      timeouts.push(source.open[0].timeoutSeconds);
      informer.stop();
    }
    expect(timeouts).toEqual([270, 300, 330]);
  });

  it('when events arrive, then adds, updates and deletes are reported, and an update with the same resourceVersion is not', async () => {
    const source = new FakeWatchSource();
    const a = source.put('a', '1');
    const { informer, seen } = informerOn(source);
    informer.start();
    await informer.synced;
    source.put('b', '1');
    source.put('a', '2');
    source.send({ type: 'MODIFIED', object: { ...informer.get('a')! }, resourceVersion: source.resourceVersion });
    source.remove('b');
    expect(seen).toEqual(['add a', 'add b', 'update a 1→2', 'delete b']);
    expect(informer.get('a')?.resourceVersion).not.toBe(a.resourceVersion);
    expect(informer.get('b')).toBeUndefined();
    informer.stop();
  });

  it('when a watch times out, then it watches again from the last event’s or bookmark’s resourceVersion, without listing again', async () => {
    const source = new FakeWatchSource();
    const { informer, signals } = informerOn(source);
    informer.start();
    await informer.synced;
    source.put('a');
    await vi.advanceTimersByTimeAsync(60_000);
    source.close();
    expect(source.open[0].resourceVersion).toBe(informer.get('a')!.resourceVersion);

    source.bookmark();
    await vi.advanceTimersByTimeAsync(60_000);
    source.close();
    expect(source.open[0].resourceVersion).toBe(source.resourceVersion);
    expect(source.lists).toBe(1);
    expect(signals.filter((s) => s.type === 'rewatched')).toHaveLength(2);
    informer.stop();
  });

  it('when the watch expires (410), then it lists again and reports what changed while it was disconnected', async () => {
    const source = new FakeWatchSource();
    source.put('a', '1');
    source.put('b', '1');
    const { informer, seen, signals } = informerOn(source);
    informer.start();
    await informer.synced;
    source.remove('b', { silently: true });
    source.put('a', '2', { silently: true });
    source.put('c', '1', { silently: true });

    source.close(new WatchExpiredError(source.description));
    await vi.advanceTimersByTimeAsync(0);

    expect(source.lists).toBe(2);
    expect(seen.slice(2)).toEqual(['update a 1→2', 'add c', 'delete b']);
    expect(informer.list().map((object) => object.name)).toEqual(['a', 'c']);
    expect(source.open[0].resourceVersion).toBe(source.resourceVersion);
    expect(signals).toContainEqual({ collection: 'fakes', type: 'listed', items: 2, reason: 'expired' });
    informer.stop();
  });

  it('when the watch fails, then it waits with a growing backoff before listing again, and recovers', async () => {
    const source = new FakeWatchSource();
    const { informer, signals } = informerOn(source);
    informer.start();
    await informer.synced;
    source.failLists(new Error('connection refused'));

    source.close(new Error('connection reset'));
    await vi.advanceTimersByTimeAsync(199);
    expect(source.lists).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // 200 ms: the relist, which fails
    expect(source.lists).toBe(2);
    await vi.advanceTimersByTimeAsync(399);
    expect(source.lists).toBe(2);
    await vi.advanceTimersByTimeAsync(1); // 400 ms more: the relist succeeds and a watch is open again
    expect(source.lists).toBe(3);
    expect(source.open).toHaveLength(1);

    const failures = signals.filter((s) => s.type === 'failed');
    expect(failures.map((s) => [s.stage, s.retryInMs])).toEqual([
      ['watch', 200],
      ['list', 400],
    ]);
    informer.stop();
  });

  it('when failures keep coming, then the backoff stops growing at 30 s', async () => {
    const source = new FakeWatchSource();
    const { informer, signals } = informerOn(source);
    source.failLists(...Array.from({ length: 12 }, () => new Error('down')));
    informer.start();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const delays = signals.flatMap((s) => (s.type === 'failed' ? [s.retryInMs] : []));
    expect(delays.slice(0, 9)).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000]);
    expect(Math.max(...(delays as number[]))).toBe(30_000);
    expect(informer.hasSynced()).toBe(true);
    informer.stop();
  });

  it('when a watch ends at once without an event, then it waits before watching again instead of reconnecting in a loop', async () => {
    const source = new FakeWatchSource();
    const { informer } = informerOn(source);
    informer.start();
    await informer.synced;
    source.close();
    expect(source.watches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(source.watches).toHaveLength(2);
    expect(source.lists).toBe(1);
    informer.stop();
  });

  it('when resync is on, then onResync fires every resyncMs after the first list', async () => {
    const source = new FakeWatchSource();
    const { informer, seen } = informerOn(source, { resyncMs: 60_000 });
    informer.start();
    await informer.synced;
    await vi.advanceTimersByTimeAsync(59_999);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_001);
    expect(seen).toEqual(['resync', 'resync']);
    informer.stop();
  });

  it('when a handler throws, then the failure is reported and later events still arrive', async () => {
    const source = new FakeWatchSource();
    const signals: InformerSignal[] = [];
    const added: string[] = [];
    const informer = new Informer<FakeObject>({
      source,
      keyOf: (o) => o.name,
      versionOf: (o) => o.resourceVersion,
      handlers: {
        onAdd: (object) => {
          added.push(object.name);
          if (object.name === 'bad') throw new Error('handler bug');
        },
      },
      observer: (signal) => signals.push(signal),
    });
    informer.start();
    await informer.synced;
    source.put('bad');
    source.put('good');
    expect(added).toEqual(['bad', 'good']);
    expect(signals).toContainEqual(expect.objectContaining({ type: 'failed', stage: 'handler' }));
    informer.stop();
  });

  it('when stopped, then its watch ends, no timer is left and no handler is called again', async () => {
    const source = new FakeWatchSource();
    const { informer, seen } = informerOn(source, { resyncMs: 60_000 });
    informer.start();
    await informer.synced;
    source.close(new Error('reset')); // a relist is now pending on a backoff timer
    informer.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(source.open).toHaveLength(0);
    source.put('late');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(seen).toEqual([]);
    expect(source.lists).toBe(1);
  });

  it('when stopped while its watch is open, then the watch is stopped and its close is not taken for a timeout', async () => {
    const source = new FakeWatchSource();
    const { informer } = informerOn(source);
    informer.start();
    await informer.synced;
    informer.stop();
    expect(source.watches[0].open).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.watches).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when a handler stops the informer during a listing, then no other handler is called and no watch is opened', async () => {
    const source = new FakeWatchSource();
    source.put('a');
    source.put('b');
    const added: string[] = [];
    const informer: Informer<FakeObject> = new Informer<FakeObject>({
      source,
      keyOf: (o) => o.name,
      versionOf: (o) => o.resourceVersion,
      handlers: {
        onAdd: (object) => {
          added.push(object.name);
          informer.stop();
        },
      },
    });
    informer.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(added).toEqual(['a']);
    expect(source.watches).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when stopped before the first list returned, then synced rejects and the listing is ignored', async () => {
    const source = new FakeWatchSource();
    source.put('a');
    const { informer, seen } = informerOn(source);
    informer.start();
    informer.stop();
    await expect(informer.synced).rejects.toBeInstanceOf(InformerStoppedError);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual([]);
    expect(source.watches).toHaveLength(0);
  });
});
