import type { DesiredCopy } from './desired-copy.js';
import type { DistributionObject, DistributionStatus, NamespaceState, NamespaceStatus } from './distribution.js';

/** What one reconcile did in one namespace. */
export interface DistributionNamespaceOutcome {
  namespace: string;
  state: NamespaceState;
  reason?: string;
  /** The copy was created or replaced in this pass. */
  written: boolean;
  /** The content hash the copy carries after this pass (absent: no copy). */
  currentHash?: string;
  /** ServiceAccounts linked in this pass. */
  linked?: string[];
  drift?: 'edited' | 'deleted';
  /** Named, but the namespace does not exist. */
  absent?: boolean;
}

/**
 * The status after a reconcile. Times change only when something happened (a write, a new content
 * hash, a completed roll-out), so a reconcile that changes nothing yields the status it started from.
 */
export function statusAfter(
  distribution: DistributionObject,
  desired: DesiredCopy,
  outcomes: readonly DistributionNamespaceOutcome[],
  podsLackingSecret: DistributionStatus['podsLackingSecret'],
  now: Date,
): DistributionStatus {
  const before = distribution.status ?? {};
  const stamp = now.toISOString();
  const previous = new Map((before.namespaces ?? []).map((s) => [s.namespace, s]));
  const namespaces: NamespaceStatus[] = outcomes.map((o) => {
    const earlier = previous.get(o.namespace);
    const lastSynced = o.written
      ? stamp
      : o.currentHash !== undefined
        ? earlier?.contentHash === o.currentHash && earlier.lastSynced
          ? earlier.lastSynced
          : stamp
        : undefined;
    return {
      namespace: o.namespace,
      state: o.state,
      ...(o.currentHash ? { contentHash: o.currentHash } : {}),
      ...(lastSynced ? { lastSynced } : {}),
      ...(o.reason && o.state !== 'inSync' && o.state !== 'drifted-restored' ? { reason: o.reason } : {}),
    };
  });
  const targets = outcomes.filter((o) => o.state !== 'excluded' && !o.absent);
  const counts: NonNullable<DistributionStatus['counts']> = {
    targeted: outcomes.filter((o) => o.state !== 'excluded').length,
    current: targets.filter((o) => o.currentHash === desired.contentHash).length,
  };
  for (const o of outcomes) counts[o.state] = (counts[o.state] ?? 0) + 1;
  const changed = before.contentHash !== desired.contentHash;
  const rolledOut = targets.every((o) => o.currentHash === desired.contentHash);
  const rolledOutAt = changed ? (rolledOut ? stamp : undefined) : (before.rolledOutAt ?? (rolledOut ? stamp : undefined));
  return {
    ...(distribution.generation !== undefined ? { observedGeneration: distribution.generation } : {}),
    contentHash: desired.contentHash,
    contentChangedAt: changed ? stamp : (before.contentChangedAt ?? stamp),
    ...(rolledOutAt ? { rolledOutAt } : {}),
    counts,
    namespaces: listed(namespaces),
    ...(podsLackingSecret?.length ? { podsLackingSecret } : {}),
    ...(before.lastReconciled ? { lastReconciled: before.lastReconciled } : {}),
  };
}

/** Entries kept in status.namespaces: an object must stay well under etcd's 1.5 MiB; counts stay complete. */
export const MAX_STATUS_NAMESPACES = 1000;

/** In namespace order, the ones needing attention first when there are too many to list. */
function listed(namespaces: NamespaceStatus[]): NamespaceStatus[] {
  if (namespaces.length <= MAX_STATUS_NAMESPACES) return namespaces;
  const calm = (n: NamespaceStatus) => n.state === 'inSync' || n.state === 'excluded';
  const kept = new Set([...namespaces.filter((n) => !calm(n)), ...namespaces.filter(calm)].slice(0, MAX_STATUS_NAMESPACES));
  return namespaces.filter((n) => kept.has(n));
}
