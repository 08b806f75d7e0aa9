import { describe, expect, it } from 'vitest';
import { needsMintNow, refreshPoint, retryDelayMs } from '../../../src/domain/credentials/refresh-schedule.js';

const at = (iso: string) => new Date(iso);
const ISSUED = at('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;
const FIFTEEN_MINUTES = 15 * 60_000;
const after = (ms: number) => new Date(ISSUED.getTime() + ms);
const offset = (point: { at: Date }) => point.at.getTime() - ISSUED.getTime();

describe('the refresh schedule follows the real lifetime of each token', () => {
  it.each([
    ['a 12-hour ECR token', 12 * HOUR],
    ['a 1-hour Google token', HOUR],
    ['a 15-minute federation token', FIFTEEN_MINUTES],
    ['a 4-second test token', 4_000],
  ])(
    'when %s is minted and no roll-out was measured, then it is renewed between 50 % and 55 % of its life, never on a fixed interval',
    (_what, life) => {
      expect(refreshPoint(ISSUED, after(life), undefined, () => 0)).toEqual({ at: after(life / 2), by: 'lifetime' });
      expect(refreshPoint(ISSUED, after(life), undefined, () => 1)).toEqual({ at: after(Math.round(life * 0.55)), by: 'lifetime' });
    },
  );

  it('when the last roll-out was short, then the 50–55 % rule stands', () => {
    // 1,000 copies in 4 s: 60 % of 15 minutes minus 6 s is still past 55 %.
    expect(refreshPoint(ISSUED, after(FIFTEEN_MINUTES), 4_000, () => 1)).toEqual({ at: after(495_000), by: 'lifetime' });
    expect(refreshPoint(ISSUED, after(12 * HOUR), 135_000, () => 0)).toEqual({ at: after(6 * HOUR), by: 'lifetime' });
  });

  it('when a 15-minute token went to 50,000 namespaces in 135 s, then it is renewed early enough for 1.5 times that roll-out to end by 60 % of its life', () => {
    for (const random of [() => 0, () => 0.5, () => 1]) {
      const point = refreshPoint(ISSUED, after(FIFTEEN_MINUTES), 135_000, random);
      expect(point.by).toBe('rollout');
      expect(offset(point) + 1.5 * 135_000).toBeLessThanOrEqual(0.6 * FIFTEEN_MINUTES);
      // As late as that allows: 337.5 s, not at once.
      expect(offset(point)).toBe(337_500);
    }
  });

  it("when the last roll-out cannot fit the lifetime, then the token is renewed at the floor (the roll-out's own length), and the point says so", () => {
    // 1.5 × 400 s = 600 s, more than the 540 s before 60 % of 15 minutes; not before 400 s, so roll-outs do not overlap.
    expect(refreshPoint(ISSUED, after(FIFTEEN_MINUTES), 400_000, () => 0)).toEqual({ at: after(400_000), by: 'floor' });
    // 60 % − 1.5 × 250 s = 165 s of a 600 s token would start the next roll-out before this one's length: at 250 s.
    expect(refreshPoint(ISSUED, after(600_000), 250_000, () => 0)).toEqual({ at: after(250_000), by: 'floor' });
    // 540 s − 1.5 × 300 s = 90 s would overlap the 300 s roll-out: at 300 s, the floor.
    expect(refreshPoint(ISSUED, after(FIFTEEN_MINUTES), 300_000, () => 0)).toEqual({ at: after(300_000), by: 'floor' });
    // Just fitting: 540 s − 1.5 × 216 s = 216 s, the roll-out's own length, set by the roll-out.
    expect(refreshPoint(ISSUED, after(FIFTEEN_MINUTES), 216_000, () => 0)).toEqual({ at: after(216_000), by: 'rollout' });
  });

  it('when a mint fails again and again, then the wait doubles from a second, with jitter, up to a tenth of the lifetime (at most 5 minutes)', () => {
    const top = (attempt: number, life?: number) => retryDelayMs(attempt, life, () => 1);
    const bottom = (attempt: number, life?: number) => retryDelayMs(attempt, life, () => 0);
    expect([0, 1, 2, 3].map((n) => top(n, 12 * HOUR))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(bottom(0, 12 * HOUR)).toBe(500);
    expect(top(30, 12 * HOUR)).toBe(300_000);
    expect(top(30, FIFTEEN_MINUTES)).toBe(90_000);
    // A token of seconds is still retried at least every second.
    expect(top(30, 4_000)).toBe(1_000);
    // Nothing known of the lifetime (the first mint failed): up to 5 minutes.
    expect(top(30, undefined)).toBe(300_000);
  });

  it('when the controller starts with a stored token, then it mints at once only if less than half its life is left (or its times are unreadable)', () => {
    const expiresAt = after(HOUR);
    expect(needsMintNow({ issuedAt: ISSUED, expiresAt }, after(0.4 * HOUR))).toBe(false);
    expect(needsMintNow({ issuedAt: ISSUED, expiresAt }, after(0.6 * HOUR))).toBe(true);
    expect(needsMintNow({ issuedAt: ISSUED, expiresAt }, after(2 * HOUR))).toBe(true);
    expect(needsMintNow(undefined, ISSUED)).toBe(true);
    expect(needsMintNow({ issuedAt: new Date('nonsense'), expiresAt }, ISSUED)).toBe(true);
  });
});
