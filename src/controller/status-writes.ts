import type { DistributionObject, DistributionStatus } from '../domain/distributions/distribution.js';
import type { ReconcileDependencies } from './reconcile-dependencies.js';

type StatusWriteDependencies = Pick<ReconcileDependencies, 'distributions' | 'now' | 'caches' | 'signal' | 'statusLane'>;

/**
 * Writes the status only when more than its time stamp changed: a pass that changed nothing writes
 * nothing. In the distribution's status lane when there is one (after a batched write under way).
 */
export async function writeStatusIfChanged(
  deps: StatusWriteDependencies,
  distribution: DistributionObject,
  status: DistributionStatus,
): Promise<void> {
  if (deps.statusLane) return deps.statusLane.run(distribution.name, () => writeNow(deps, distribution, status));
  return writeNow(deps, distribution, status);
}

/** For a write already in the lane's turn. */
async function writeNow(deps: StatusWriteDependencies, distribution: DistributionObject, status: DistributionStatus): Promise<void> {
  const { lastReconciled: _before, ...was } = distribution.status ?? {};
  const { lastReconciled: _after, ...now } = status;
  if (sameJson(was, now) || deps.signal?.aborted) return;
  const updated = await deps.distributions.replaceDistributionStatus(distribution.name, {
    ...status,
    lastReconciled: (deps.now ?? (() => new Date()))().toISOString(),
  });
  deps.caches.rememberDistribution?.(updated);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
}
