/**
 * When to mint again. Every copy must carry the new token while the old one still has 40 % of its
 * life left, so the refresh point leaves room for the roll-out: a token is renewed at the earlier of
 * 50–55 % of the lifetime its provider returned (not a fixed interval; jitter spreads many
 * distributions apart) and 60 % of it minus 1.5 times the distribution's last roll-out, never before
 * the last roll-out's own length (so one roll-out ends before the next starts: 50,000 copies are not
 * rewritten back to back; renewing sooner would only multiply mints and writes). A roll-out too long
 * to fit renews at that floor, and says so. A failed mint is retried
 * with exponential backoff and jitter, from a second up to a tenth of the lifetime (at most 5
 * minutes), and retrying goes on after expiry: a copy is never deleted for it.
 */
const REFRESH_FROM = 0.5;
const REFRESH_SPREAD = 0.05;
/** Every copy carries the new token by this share of the old one's life (40 % left). */
const COPIES_CURRENT_BY = 0.6;
/** Roll-outs vary: the last one, with room for a slower next one. */
const ROLLOUT_SAFETY = 1.5;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

export type Random = () => number;

export function lifetimeMs(issuedAt: Date, expiresAt: Date): number {
  return Math.max(0, expiresAt.getTime() - issuedAt.getTime());
}

export interface RefreshPoint {
  at: Date;
  /** What set it: the share of the lifetime, the room the last roll-out needs, or the floor (the roll-out does not fit). */
  by: 'lifetime' | 'rollout' | 'floor';
}

/**
 * The refresh point of a token: 50–55 % into its lifetime, earlier when the distribution's last
 * roll-out (`lastRolloutMs`, undefined when none was measured) needs the room, never before that
 * roll-out's own length (which is over 24 % of the life whenever it binds).
 */
export function refreshPoint(
  issuedAt: Date,
  expiresAt: Date,
  lastRolloutMs: number | undefined,
  random: Random = Math.random,
): RefreshPoint {
  const life = lifetimeMs(issuedAt, expiresAt);
  const byLifetime = Math.round(life * (REFRESH_FROM + REFRESH_SPREAD * random()));
  // Rounded down: rounding must not eat into the 40 % the copies are owed.
  const byRollout = lastRolloutMs === undefined ? Infinity : Math.floor(life * COPIES_CURRENT_BY - ROLLOUT_SAFETY * lastRolloutMs);
  const floor = Math.ceil(lastRolloutMs ?? 0);
  const [offset, by]: [number, RefreshPoint['by']] =
    byRollout < floor ? [floor, 'floor'] : byRollout < byLifetime ? [byRollout, 'rollout'] : [byLifetime, 'lifetime'];
  return { at: new Date(issuedAt.getTime() + offset), by };
}

/**
 * The wait before retry number `attempt` (0 for the first) after a failed mint: doubling from 1 s,
 * capped at a tenth of the token's lifetime (at least 1 s, at most 5 min), with "equal jitter"
 * (half fixed, half random), so retries of many distributions do not align.
 */
export function retryDelayMs(attempt: number, tokenLifetimeMs: number | undefined, random: Random = Math.random): number {
  const cap = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, (tokenLifetimeMs ?? MAX_RETRY_MS * 10) / 10));
  const ceiling = Math.min(cap, FIRST_RETRY_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Whether a stored token should be replaced now rather than at its refresh point (at start-up, or
 * when this replica takes over): less than half its life left, or no readable times.
 */
export function needsMintNow(stored: { issuedAt?: Date; expiresAt?: Date } | undefined, now: Date): boolean {
  if (!stored?.issuedAt || !stored.expiresAt || Number.isNaN(stored.issuedAt.getTime()) || Number.isNaN(stored.expiresAt.getTime()))
    return true;
  const life = lifetimeMs(stored.issuedAt, stored.expiresAt);
  return stored.expiresAt.getTime() - now.getTime() < life / 2;
}
