import type { CloudProvider } from './cloud-source.js';

/** status.credential of a distribution with a cloud source: when its token expires and is renewed. */
export interface CredentialStatus {
  provider: CloudProvider;
  /** When the token every copy carries stops working (RFC 3339). */
  expiresAt?: string;
  /** The last successful mint. */
  lastRefreshTime?: string;
  /** When the next mint is due (a refresh, or a retry after a failure). */
  nextRefreshTime?: string;
  /** The last failed mint, in words safe to show; cleared by a success. */
  lastError?: string;
}

/** A Kubernetes-style condition (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export const READY_CONDITION = 'Ready';

/**
 * Why a cloud-sourced distribution is or is not Ready. TokenTooShortForRollout is Ready (the token
 * lives) but warns: the last roll-out is too long for every copy to get a new token with 40 % of its life left.
 */
export type ReadyReason = 'Refreshed' | 'TokenTooShortForRollout' | 'Minting' | 'RefreshFailed' | 'TokenExpired' | 'NotAllowed';

/** Reasons a person should look at: a Warning Event, not a Normal one. */
export function isWarning(condition: Pick<Condition, 'status' | 'reason'>): boolean {
  return condition.status === 'False' || condition.reason === 'TokenTooShortForRollout';
}

/**
 * The Ready condition of a cloud-sourced distribution. `lastTransitionTime` moves only when status
 * or reason changes (as Kubernetes does it), so an unchanged condition writes nothing.
 */
export function readyCondition(
  reason: ReadyReason,
  message: string,
  now: Date,
  previous: readonly Condition[] | undefined,
  observedGeneration?: number,
): Condition {
  const status = reason === 'Refreshed' || reason === 'TokenTooShortForRollout' ? 'True' : reason === 'Minting' ? 'Unknown' : 'False';
  const before = previous?.find((c) => c.type === READY_CONDITION);
  const same = before !== undefined && before.status === status && before.reason === reason;
  return {
    type: READY_CONDITION,
    status,
    reason,
    message,
    lastTransitionTime: same ? before.lastTransitionTime : now.toISOString(),
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
}

/** Whether the Ready condition moved (status or reason): an Event says so once. */
export function conditionChanged(before: readonly Condition[] | undefined, after: Condition): boolean {
  const was = before?.find((c) => c.type === after.type);
  return was === undefined || was.status !== after.status || was.reason !== after.reason;
}
