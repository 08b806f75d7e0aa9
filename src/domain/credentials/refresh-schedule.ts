/**
 * When to mint again. A token is renewed at 50–55 % of the lifetime its provider returned (not on a
 * fixed interval: a 15-minute federation token and a 12-hour ECR token both keep at least 40 % of
 * their life when every copy carries the new one, with room for a roll-out of minutes at 12 h and of
 * tens of seconds at 15 min); jitter spreads many distributions apart. A failed
 * mint is retried with exponential backoff and jitter, from a second up to a tenth of the lifetime
 * (at most 5 minutes), and retrying goes on after expiry: a copy is never deleted for it.
 */
const REFRESH_FROM = 0.5;
const REFRESH_SPREAD = 0.05;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

export type Random = () => number;

export function lifetimeMs(issuedAt: Date, expiresAt: Date): number {
  return Math.max(0, expiresAt.getTime() - issuedAt.getTime());
}

/** The refresh point of a token: 50–55 % into its lifetime. */
export function refreshAt(issuedAt: Date, expiresAt: Date, random: Random = Math.random): Date {
  const share = REFRESH_FROM + REFRESH_SPREAD * random();
  return new Date(issuedAt.getTime() + Math.round(lifetimeMs(issuedAt, expiresAt) * share));
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
