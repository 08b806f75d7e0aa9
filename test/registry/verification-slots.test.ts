import { describe, expect, it } from 'vitest';
import { VerificationSlots } from '../../src/registry/verification-slots.js';

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
