import { describe, expect, it } from 'vitest';
import { RegistryTransportError, type RegistryTransport } from '../../src/domain/verify/registry-transport.js';
import { createRegistryVerifier } from '../../src/registry/create-verifier.js';
import { SlotsFullError, VerificationSlots } from '../../src/registry/verification-slots.js';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('VerificationSlots with a share per holder', () => {
  it('one holder gets at most its share, however many it asks for; another holder takes a free slot at once', async () => {
    const slots = new VerificationSlots(8, 2);
    const a = Array.from({ length: 4 }, () => slots.acquire(undefined, 'caller:a'));
    expect(await Promise.all(a.map(settled))).toEqual([true, true, false, false]);
    const b = slots.acquire(undefined, 'caller:b');
    expect(await settled(b)).toBe(true);
    // A slot a releases goes to a's next waiter.
    (await a[0]!)();
    expect(await settled(a[2]!)).toBe(true);
    expect(await settled(a[3]!)).toBe(false);
  });

  it('a released slot skips waiters over their share and goes to the first one under it; an aborted waiter leaves', async () => {
    const slots = new VerificationSlots(2, 1);
    const a1 = await slots.acquire(undefined, 'a');
    const b1 = await slots.acquire(undefined, 'b');
    const gone = new AbortController();
    const a2 = slots.acquire(undefined, 'a');
    const c1 = slots.acquire(gone.signal, 'c');
    const d1 = slots.acquire(undefined, 'd');
    gone.abort(new Error('client gone'));
    await expect(c1).rejects.toThrow('client gone');
    b1();
    // a is still at its share: d, queued later, gets the slot.
    expect(await settled(d1)).toBe(true);
    expect(await settled(a2)).toBe(false);
    a1();
    expect(await settled(a2)).toBe(true);
  });
});

describe('VerificationSlots reporting how full they are (the saturation gauges)', () => {
  it('when checks take, wait for and release slots, then every change is reported: size, in use, waiting', async () => {
    const states: string[] = [];
    const slots = new VerificationSlots(1, 1, ({ size, inUse, waiting }) => states.push(`${size}/${inUse}/${waiting}`));
    const first = await slots.acquire(undefined, 'a');
    const gone = new AbortController();
    const second = slots.acquire(undefined, 'b');
    const third = slots.acquire(gone.signal, 'c');
    gone.abort(new Error('client gone'));
    await expect(third).rejects.toThrow('client gone');
    first();
    (await second)();
    expect(states).toEqual(['1/0/0', '1/1/0', '1/1/1', '1/1/2', '1/1/1', '1/1/0', '1/0/0']);
  });
});

describe('VerificationSlots taking turns between callers', () => {
  it('when several callers wait, then freed slots go round them (one each, then to the back), each caller in its own order', async () => {
    const slots = new VerificationSlots(2, 2);
    const x = [await slots.acquire(undefined, 'x'), await slots.acquire(undefined, 'x')];
    const order: string[] = [];
    const waitFor = (holder: string, n: number) =>
      slots.acquire(undefined, holder).then((release) => (order.push(`${holder}${n}`), release));
    const a = [waitFor('a', 1), waitFor('a', 2), waitFor('a', 3)];
    const b = [waitFor('b', 1)];
    x[0]!();
    x[1]!();
    await Promise.all([a[0], b[0]]);
    // a asked three times before b asked once, yet b's first check does not wait for all of a's.
    expect(order).toEqual(['a1', 'b1']);
    (await a[0]!)();
    (await b[0]!)();
    await Promise.all([a[1], a[2]]);
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('when thousands of checks from many callers wait, then every one is granted, each caller in its own order, and the gauges end at zero', async () => {
    const states: { inUse: number; waiting: number }[] = [];
    const slots = new VerificationSlots(4, 2, (s) => states.push(s), 10_000);
    const granted = new Map<string, number[]>();
    const checks = Array.from({ length: 5000 }, (_, i) => {
      const holder = `caller-${i % 100}`;
      return slots.acquire(undefined, holder).then(async (release) => {
        granted.set(holder, [...(granted.get(holder) ?? []), i]);
        await Promise.resolve();
        release();
      });
    });
    await Promise.all(checks);
    for (const [, order] of granted) expect(order).toEqual([...order].sort((p, q) => p - q));
    expect([...granted.values()].flat()).toHaveLength(5000);
    expect(Math.max(...states.map((s) => s.inUse))).toBe(4);
    expect(states.at(-1)).toMatchObject({ inUse: 0, waiting: 0 });
  });
});

describe('VerificationSlots with a cap on waiting', () => {
  it('when as many checks wait as the cap allows, then the next is refused at once with a 503 and Retry-After; a place freed is taken again', async () => {
    const states: number[] = [];
    const slots = new VerificationSlots(1, 1, ({ waiting }) => states.push(waiting), 2);
    await slots.acquire(undefined, 'a');
    const gone = new AbortController();
    const waiting = [slots.acquire(gone.signal, 'b'), slots.acquire(undefined, 'c')];
    const refused = await slots.acquire(undefined, 'd').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SlotsFullError);
    expect(refused).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    expect((refused as Error).message).toBe('too many registry checks are waiting for a verification slot (at most 2); retry later');
    expect(states.at(-1)).toBe(2);
    gone.abort(new Error('client gone'));
    await expect(waiting[0]).rejects.toThrow('client gone');
    const again = slots.acquire(undefined, 'd');
    expect(await settled(again)).toBe(false);
    expect(states.at(-1)).toBe(2);
  });

  it('when one caller has a quarter of the queue waiting, then its next check is refused while other callers still get a place', async () => {
    const slots = new VerificationSlots(1, 1, undefined, 8);
    await slots.acquire(undefined, 'busy');
    const burst = [slots.acquire(undefined, 'a'), slots.acquire(undefined, 'a')];
    const refused = await slots.acquire(undefined, 'a').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SlotsFullError);
    expect(refused).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    expect((refused as Error).message).toBe(
      "too many of this caller's registry checks are waiting for a verification slot (at most 2 per caller); retry later",
    );
    const others = ['b', 'b', 'c', 'c'].map((caller) => slots.acquire(undefined, caller));
    for (const waiter of [...burst, ...others]) expect(await settled(waiter)).toBe(false);
  });

  it('when the egress refuses a check for a full queue, then the verifier rejects with that 503 (it is not a registry answer)', async () => {
    // Answers nothing until the check's signal aborts.
    const hanging: RegistryTransport = {
      send: (_request, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new RegistryTransportError('timeout', 'aborted'))),
        ),
    };
    const verifier = createRegistryVerifier({
      insecureHosts: [],
      allowPrivate: false,
      timeoutMs: 60_000,
      concurrency: 1,
      requestShare: 1,
      maxWaiting: 1,
      transport: hanging,
    });
    const target = { server: 'registry.example.com', username: 'u', password: 'p' };
    const stop = new AbortController();
    const running = [verifier.verify(target, stop.signal, 'a'), verifier.verify(target, stop.signal, 'b')];
    await expect(verifier.verify(target, undefined, 'c')).rejects.toThrow(SlotsFullError);
    stop.abort(new Error('test over'));
    await Promise.allSettled(running);
  });
});
