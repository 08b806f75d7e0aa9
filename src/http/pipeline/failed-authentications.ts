import type { PresentedToken } from '../../domain/access/caller-tokens.js';
import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

export interface FailedAuthenticationSettings {
  /** Failed authentications one client address may make per window before it is refused unheard. */
  limit: number;
  windowMs?: number;
  /** Addresses (and accepted tokens) remembered at once; the oldest are forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

/** The check was made (`caller` undefined when it failed), or refused unheard for `retryAfter` seconds. */
export type Screened<T> = { checked: true; caller: T | undefined } | { checked: false; retryAfter: number };

/**
 * Failed authentications per client address (IPv6 by /56, as the request limits count), in fixed
 * windows. An address over the limit is answered before its token is looked at, so it costs no
 * TokenReview. Checks still running count as failures until they succeed, so a burst of concurrent
 * bad tokens is cut at the limit too. Tokens accepted recently (from any address) are still let
 * through, so one broken client behind a shared proxy or NAT does not lock out the working callers
 * behind it; a guesser gains nothing, as an unknown token is refused unheard, right or wrong.
 */
export class FailedAuthentications {
  private readonly failures = new Map<string, { count: number; pending: number; resetAt: number }>();
  private readonly accepted = new Map<string, number>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor({ limit, windowMs = 60_000, maxEntries = 10_000, now = Date.now }: FailedAuthenticationSettings) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
    this.now = now;
  }

  /** Runs `check` for the request's token unless its address is over the limit; counts the outcome. */
  async screen<T>(req: Request, token: PresentedToken | undefined, check: () => Promise<T | undefined>): Promise<Screened<T>> {
    const key = token?.sha256Hex;
    const known = key !== undefined && (this.accepted.get(key) ?? 0) > this.now();
    if (known) return { checked: true, caller: await check() };
    const entry = this.entryFor(clientAddressOf(req));
    if (entry.count + entry.pending >= this.limit) {
      return { checked: false, retryAfter: Math.max(1, Math.ceil((entry.resetAt - this.now()) / 1000)) };
    }
    entry.pending++;
    let caller: T | undefined;
    try {
      caller = await check();
    } finally {
      entry.pending--;
    }
    if (caller === undefined) entry.count++;
    else this.remember(key);
    return { checked: true, caller };
  }

  private entryFor(key: string) {
    const now = this.now();
    const entry = this.failures.get(key);
    if (entry && entry.resetAt > now) return entry;
    // A new window resets the entry in place: checks still running hold it and take their `pending` back from it.
    this.failures.delete(key);
    makeRoom(this.failures, this.maxEntries, (e) => e.resetAt <= now && e.pending === 0);
    const renewed = entry ?? { count: 0, pending: 0, resetAt: 0 };
    renewed.count = 0;
    renewed.resetAt = now + this.windowMs;
    this.failures.set(key, renewed);
    return renewed;
  }

  private remember(key: string | undefined): void {
    if (key === undefined) return;
    const now = this.now();
    this.accepted.delete(key);
    makeRoom(this.accepted, this.maxEntries, (expires) => expires <= now);
    this.accepted.set(key, now + ACCEPTED_TOKEN_MEMORY_MS);
  }
}

// How long an accepted token passes a blocked address: long enough for callers that call every few minutes.
const ACCEPTED_TOKEN_MEMORY_MS = 15 * 60_000;

/** The client address as the request and failed-authentication limits count it (IPv6 by /56). */
export function clientAddressOf(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

function makeRoom<V>(map: Map<string, V>, maxEntries: number, expired: (value: V) => boolean): void {
  if (map.size < maxEntries) return;
  for (const [key, value] of map) if (expired(value)) map.delete(key);
  while (map.size >= maxEntries) map.delete(map.keys().next().value!);
}
