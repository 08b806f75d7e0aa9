import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { PresentedToken } from '../../src/domain/access/caller-tokens.js';
import { FailedAuthentications } from '../../src/http/pipeline/failed-authentications.js';

const from = (ip: string) => ({ ip, socket: {} }) as unknown as Request;
const BAD = new PresentedToken('bad');

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('FailedAuthentications across window boundaries', () => {
  it('checks still running when a window ends are taken back from the same entry: later windows start clean', async () => {
    let now = 0;
    const limiter = new FailedAuthentications({ limit: 3, windowMs: 1000, now: () => now });
    const client = from('192.0.2.7');
    const slow = [deferred<undefined>(), deferred<undefined>()];
    const running = slow.map((d) => limiter.screen(client, BAD, () => d.promise));

    now = 1500; // the next window starts while both checks are still out
    const during = await limiter.screen(client, BAD, async () => undefined);
    expect(during.checked).toBe(true);
    for (const d of slow) d.resolve(undefined);
    expect((await Promise.all(running)).every((s) => s.checked)).toBe(true);

    for (const later of [2600, 5000]) {
      now = later;
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push((await limiter.screen(client, BAD, async () => undefined)).checked);
      // Each fresh window allows `limit` checks again; before, the two carried-over checks never left and cut it to one.
      expect(outcomes).toEqual([true, true, true, false]);
    }
  });

  it('another address is not affected by one that is blocked', async () => {
    let now = 0;
    const limiter = new FailedAuthentications({ limit: 1, windowMs: 1000, now: () => now });
    expect((await limiter.screen(from('192.0.2.1'), BAD, async () => undefined)).checked).toBe(true);
    expect((await limiter.screen(from('192.0.2.1'), BAD, async () => undefined)).checked).toBe(false);
    expect((await limiter.screen(from('192.0.2.2'), BAD, async () => undefined)).checked).toBe(true);
    now = 1000;
    expect((await limiter.screen(from('192.0.2.1'), BAD, async () => undefined)).checked).toBe(true);
  });
});
