import { describe, expect, it } from 'vitest';
import { needsMintNow, refreshAt, retryDelayMs } from '../../../src/domain/credentials/refresh-schedule.js';

const at = (iso: string) => new Date(iso);
const ISSUED = at('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;

describe('the refresh schedule follows the real lifetime of each token', () => {
  it.each([
    ['a 12-hour ECR token', 12 * HOUR],
    ['a 1-hour Google token', HOUR],
    ['a 15-minute federation token', 15 * 60_000],
    ['a 4-second test token', 4_000],
  ])('when %s is minted, then it is renewed between 50 % and 55 % of its life, never on a fixed interval', (_what, life) => {
    const expires = new Date(ISSUED.getTime() + life);
    expect(refreshAt(ISSUED, expires, () => 0).getTime() - ISSUED.getTime()).toBe(life / 2);
    expect(refreshAt(ISSUED, expires, () => 1).getTime() - ISSUED.getTime()).toBe(Math.round(life * 0.55));
  });

  it('when a mint fails again and again, then the wait doubles from a second, with jitter, up to a tenth of the lifetime (at most 5 minutes)', () => {
    const top = (attempt: number, life?: number) => retryDelayMs(attempt, life, () => 1);
    const bottom = (attempt: number, life?: number) => retryDelayMs(attempt, life, () => 0);
    expect([0, 1, 2, 3].map((n) => top(n, 12 * HOUR))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(bottom(0, 12 * HOUR)).toBe(500);
    expect(top(30, 12 * HOUR)).toBe(300_000);
    expect(top(30, 15 * 60_000)).toBe(90_000);
    // A token of seconds is still retried at least every second.
    expect(top(30, 4_000)).toBe(1_000);
    // Nothing known of the lifetime (the first mint failed): up to 5 minutes.
    expect(top(30, undefined)).toBe(300_000);
  });

  it('when the controller starts with a stored token, then it mints at once only if less than half its life is left (or its times are unreadable)', () => {
    const expiresAt = new Date(ISSUED.getTime() + HOUR);
    expect(needsMintNow({ issuedAt: ISSUED, expiresAt }, new Date(ISSUED.getTime() + 0.4 * HOUR))).toBe(false);
    expect(needsMintNow({ issuedAt: ISSUED, expiresAt }, new Date(ISSUED.getTime() + 0.6 * HOUR))).toBe(true);
    expect(needsMintNow({ issuedAt: ISSUED, expiresAt }, new Date(ISSUED.getTime() + 2 * HOUR))).toBe(true);
    expect(needsMintNow(undefined, ISSUED)).toBe(true);
    expect(needsMintNow({ issuedAt: new Date('nonsense'), expiresAt }, ISSUED)).toBe(true);
  });
});
