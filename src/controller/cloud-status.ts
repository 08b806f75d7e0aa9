import type { CloudProvider } from '../domain/credentials/cloud-source.js';
import { readyCondition, type Condition, type CredentialStatus, type ReadyReason } from '../domain/credentials/credential-status.js';
import type { DistributionObject } from '../domain/distributions/distribution.js';
import type { CredentialState } from './credential-refresher.js';

/** status.credential and the Ready condition of a cloud-sourced distribution. */
export interface CloudStatus {
  credential: CredentialStatus;
  conditions: Condition[];
}

const iso = (date: Date | undefined) => date?.toISOString();
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** From what the refresher knows (or, refused, why nothing is minted); the token's times only, never the token. */
export function cloudStatusOf(
  distribution: DistributionObject,
  known: CredentialState | { provider: CloudProvider; refused: string },
  now: Date,
): CloudStatus {
  const [reason, message] = readiness(known, now);
  const credential: CredentialStatus =
    'refused' in known
      ? { provider: known.provider, ...keptExpiry(distribution) }
      : {
          provider: known.provider,
          ...(known.expiresAt ? { expiresAt: iso(known.expiresAt) } : {}),
          ...(known.lastRefreshTime ? { lastRefreshTime: iso(known.lastRefreshTime) } : keptLastRefresh(distribution)),
          ...(known.nextRefreshTime ? { nextRefreshTime: iso(known.nextRefreshTime) } : {}),
          ...(known.lastError ? { lastError: known.lastError } : {}),
        };
  const conditions = [readyCondition(reason, message, now, distribution.status?.conditions, distribution.generation)];
  return { credential, conditions };
}

function readiness(known: CredentialState | { refused: string }, now: Date): [ReadyReason, string] {
  if ('refused' in known) return ['NotAllowed', known.refused];
  const expired = known.expiresAt !== undefined && known.expiresAt.getTime() <= now.getTime();
  if (expired)
    return [
      'TokenExpired',
      `the token expired at ${iso(known.expiresAt)}; copies keep it while minting is retried: ${known.lastError ?? 'retrying'}`,
    ];
  if (known.lastError)
    return known.expiresAt
      ? [
          'RefreshFailed',
          `refresh failed ${known.failures} time(s); the current token lives until ${iso(known.expiresAt)}: ${known.lastError}`,
        ]
      : ['RefreshFailed', `no token could be minted yet (${known.failures} attempt(s)): ${known.lastError}`];
  if (!known.expiresAt) return ['Minting', 'the first token is being minted'];
  if (known.rolloutTooLong) {
    const { rolloutMs, lifetimeMs } = known.rolloutTooLong;
    return [
      'TokenTooShortForRollout',
      `the last roll-out took ${seconds(rolloutMs)}: too long for a ${seconds(lifetimeMs)} token to reach every copy with 40 % of its life left; renewed early, from ${iso(known.nextRefreshTime)} (once the last roll-out could have ended); the token lives until ${iso(known.expiresAt)}`,
    ];
  }
  return ['Refreshed', `the token lives until ${iso(known.expiresAt)}; renewed from ${iso(known.nextRefreshTime)}`];
}

// Refused: what the status said of the token before stays (the copies still carry it).
function keptExpiry(distribution: DistributionObject): Partial<CredentialStatus> {
  const before = distribution.status?.credential;
  return {
    ...(before?.expiresAt ? { expiresAt: before.expiresAt } : {}),
    ...(before?.lastRefreshTime ? { lastRefreshTime: before.lastRefreshTime } : {}),
  };
}

// A new leader knows the token's times from the source Secret, but not when it was last minted.
function keptLastRefresh(distribution: DistributionObject): Partial<CredentialStatus> {
  const before = distribution.status?.credential?.lastRefreshTime;
  return before ? { lastRefreshTime: before } : {};
}
