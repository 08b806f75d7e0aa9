import type { DesiredCopy } from './desired-copy.js';
import type { DistributionObject, DistributionStatus } from './distribution.js';
import { DistributionLedger, type DistributionNamespaceOutcome } from './distribution-ledger.js';

export { MAX_STATUS_NAMESPACES, type DistributionNamespaceOutcome } from './distribution-ledger.js';

/**
 * The status after a pass over every targeted namespace (`outcomes`), as the ledger computes it for
 * the controller; earlier times come from the stored status.
 */
export function statusAfter(
  distribution: DistributionObject,
  desired: DesiredCopy,
  outcomes: readonly DistributionNamespaceOutcome[],
  podsLackingSecret: DistributionStatus['podsLackingSecret'],
  now: Date,
): DistributionStatus {
  const ledger = new DistributionLedger(distribution.status);
  const passed = new Set(outcomes.map((o) => o.namespace));
  ledger.retainOnly((namespace) => passed.has(namespace));
  const stamp = now.toISOString();
  for (const outcome of outcomes) ledger.record(outcome, stamp);
  ledger.replacePods(podsLackingSecret ?? []);
  return ledger.status(distribution, desired, now);
}
