import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderElector, type LeaderSignal } from '../../src/controller/leader-election.js';
import { toMicroTime } from '../../src/controller/lease-record.js';
import type { LeaseStore } from '../../src/domain/distributions/distribution-cluster.js';
import { FakeLeaseStore, FreezableLeaseStore } from '../support/fake-lease-store.js';

const NAMESPACE = 'regcred';
const NAME = 'regcred-controller';

/** An elector that writes what happens to it into a shared log, e.g. `a started`, `b new-leader a`. */
function elector(identity: string, leases: LeaseStore, log: string[], extra: { work?: () => Promise<void> } = {}) {
  const signals: LeaderSignal[] = [];
  let signal: AbortSignal | undefined;
  const elector = new LeaderElector({
    leases,
    namespace: NAMESPACE,
    name: NAME,
    identity,
    random: () => 0, // retries exactly every retryPeriod (2 s)
    callbacks: {
      onStartedLeading: (abort) => {
        signal = abort;
        log.push(`${identity} started`);
        return extra.work?.();
      },
      onStoppedLeading: () => void log.push(`${identity} stopped`),
      onNewLeader: (leader) => void log.push(`${identity} new-leader ${leader}`),
    },
    observer: (s) => signals.push(s),
  });
  return { elector, signals, signal: () => signal };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when two replicas start together, then exactly one leads, keeps renewing, and both learn who it is', async () => {
    const store = new FakeLeaseStore();
    const log: string[] = [];
    const a = elector('a', store, log);
    const b = elector('b', store, log);
    a.elector.start();
    b.elector.start();
    for (let second = 0; second < 60; second++) {
      await vi.advanceTimersByTimeAsync(1_000);
      expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    }
    expect(log).toEqual(['a new-leader a', 'a started', 'b new-leader a']);
    const lease = store.peek(NAMESPACE, NAME)!;
    expect(lease).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(Date.parse(lease.renewTime!)).toBeGreaterThan(Date.now() - 2_500);
    expect(b.signals.filter((s) => s.type === 'failed')).toEqual([]); // b's lost create race is no failure
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it('when the leader stops renewing without releasing, then the other takes over only after leaseDuration on its own clock, after the old leader stepped down', async () => {
    const store = new FakeLeaseStore();
    const log: string[] = [];
    const frozen = new FreezableLeaseStore(store);
    const a = elector('a', frozen, log);
    const b = elector('b', store, log);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(100);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(20_000);
    const lastRenew = Date.parse(store.peek(NAMESPACE, NAME)!.renewTime!);

    frozen.frozen = true; // a hangs, like a process stopped with SIGSTOP
    await vi.advanceTimersByTimeAsync(lastRenew + 12_000 - Date.now());
    expect(b.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(log.indexOf('a stopped')).toBeLessThan(log.indexOf('b started'));
    expect(a.signals).toContainEqual({ type: 'lost', reason: 'renew-deadline' });
    expect(store.peek(NAMESPACE, NAME)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    frozen.frozen = false;
    // a's last attempt still hangs: stop() waits for it until its deadline.
    const stopped = Promise.all([a.elector.stop(), b.elector.stop()]);
    await vi.advanceTimersByTimeAsync(10_000);
    await stopped;
  });

  it('when a lease carries a renewTime from another clock, then it is not trusted: a newcomer waits leaseDuration from when it first saw the lease', async () => {
    const store = new FakeLeaseStore();
    const future = toMicroTime(Date.now() + 3_600_000);
    await store.create({ namespace: NAMESPACE, name: NAME, holderIdentity: 'ghost', leaseDurationSeconds: 15, renewTime: future });
    const log: string[] = [];
    const a = elector('a', store, log);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(14_000);
    expect(a.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(log).toEqual(['a new-leader ghost', 'a new-leader a', 'a started']);
    await a.elector.stop();
  });

  it('when the leader is stopped, then its work is aborted, the lease released and the other replica takes over at its next try', async () => {
    const store = new FakeLeaseStore();
    const log: string[] = [];
    const a = elector('a', store, log);
    const b = elector('b', store, log);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(100);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(10_000);

    await a.elector.stop();
    expect(a.signal()?.aborted).toBe(true);
    expect(log).toContain('a stopped');
    expect(store.peek(NAMESPACE, NAME)).toMatchObject({ holderIdentity: undefined, leaseDurationSeconds: 1 });
    expect(a.signals.slice(-1)).toEqual([{ type: 'released' }]);
    expect(a.signals.filter((s) => s.type === 'failed')).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_100);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.peek(NAMESPACE, NAME)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.elector.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when the leading work takes a while to stop, then the lease is released only after it has', async () => {
    const store = new FakeLeaseStore();
    let finish!: () => void;
    const work = () => new Promise<void>((resolve) => (finish = resolve));
    const a = elector('a', store, [], { work });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(100);
    const stopped = a.elector.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(store.peek(NAMESPACE, NAME)?.holderIdentity).toBe('a');
    finish();
    await stopped;
    expect(store.peek(NAMESPACE, NAME)?.holderIdentity).toBeUndefined();
  });

  it('when renewing fails, then the leader keeps leading until renewDeadline has passed since its last renewal, then steps down and tries again', async () => {
    const store = new FakeLeaseStore();
    const log: string[] = [];
    const a = elector('a', store, log);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(4_100);
    const lastRenew = Date.parse(store.peek(NAMESPACE, NAME)!.renewTime!);
    store.failing = new Error('connection refused');

    await vi.advanceTimersByTimeAsync(lastRenew + 9_000 - Date.now());
    expect(a.elector.isLeader()).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signal()?.aborted).toBe(true);
    expect(a.signals).toContainEqual({ type: 'lost', reason: 'renew-deadline' });
    expect(a.signals).toContainEqual(expect.objectContaining({ type: 'failed', stage: 'read' }));

    store.failing = undefined;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(log).toEqual(['a new-leader a', 'a started', 'a stopped', 'a started']);
    await a.elector.stop();
  });

  it('when the leader finds someone else holding the lease, then it steps down at once', async () => {
    const store = new FakeLeaseStore();
    const log: string[] = [];
    const a = elector('a', store, log);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(100);
    const lease = store.peek(NAMESPACE, NAME)!;
    await store.replace({ ...lease, resourceVersion: lease.resourceVersion!, holderIdentity: 'intruder' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signals).toContainEqual({ type: 'lost', reason: 'taken' });
    expect(log).toEqual(['a new-leader a', 'a started', 'a new-leader intruder', 'a stopped']);
    await a.elector.stop();
    expect(store.peek(NAMESPACE, NAME)?.holderIdentity).toBe('intruder');
  });

  it('when stopped without ever leading, then it writes nothing and leaves no timer', async () => {
    const store = new FakeLeaseStore();
    await store.create({ namespace: NAMESPACE, name: NAME, holderIdentity: 'other', leaseDurationSeconds: 15 });
    const a = elector('a', store, []);
    a.elector.start();
    await vi.advanceTimersByTimeAsync(5_000);
    await a.elector.stop();
    expect(store.writes).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when the timings cannot work (renewDeadline not below leaseDuration, or retryPeriod not below renewDeadline), then it refuses them', () => {
    const base = { leases: new FakeLeaseStore(), namespace: NAMESPACE, name: NAME, callbacks: { onStartedLeading: () => undefined } };
    expect(() => new LeaderElector({ ...base, leaseDurationSeconds: 10, renewDeadlineMs: 10_000 })).toThrow(/leaseDuration/);
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/retryPeriod/);
    expect(new LeaderElector(base).identity).toMatch(/-[0-9a-f]{8}$/);
  });
});
