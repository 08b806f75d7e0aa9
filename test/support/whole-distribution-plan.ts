import { DistributionLedger, type DistributionNamespaceOutcome } from '../../src/domain/distributions/distribution-ledger.js';
import type { DistributionObject, DistributionStatus, NamespaceStatus } from '../../src/domain/distributions/distribution.js';
import type { DesiredCopy } from '../../src/domain/distributions/desired-copy.js';
import {
  keepsCopy,
  planNamespaceIn,
  planRemovals,
  targetedNamespaces,
  type DistributionWorld,
  type NamespacePlan,
  type Pause,
  type Removal,
} from '../../src/domain/distributions/plan-distribution.js';

// The controller plans and records a slice of namespaces at a time; the domain tests look at one
// whole pass at once, composed here from the same steps.

/** Every targeted namespace's plan, and the copies to remove. */
export async function planDistribution(
  world: DistributionWorld,
  previous: ReadonlyMap<string, NamespaceStatus>,
  pause: Pause = () => undefined,
): Promise<{ namespaces: NamespacePlan[]; removals: Removal[] }> {
  const plans: NamespacePlan[] = [];
  for (const name of targetedNamespaces(world)) {
    await pause();
    plans.push(planNamespaceIn(world, name, previous.get(name)));
  }
  const kept = new Set(plans.filter(keepsCopy).map((p) => p.namespace));
  return { namespaces: plans, removals: planRemovals(world, kept) };
}

/** The status after a pass over every targeted namespace, as the controller's ledger computes it. */
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
  for (const outcome of outcomes) ledger.record(outcome, now.toISOString());
  ledger.replacePods(podsLackingSecret ?? []);
  return ledger.status(distribution, desired, now);
}
