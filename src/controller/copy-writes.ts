import { AlreadyExistsError, ClusterPermissionError, NamespaceNotFoundError, StaleWriteError } from '../domain/cluster.js';
import { withoutOwnershipMarks } from '../domain/distributions/copy-marks.js';
import type { DesiredCopy } from '../domain/distributions/desired-copy.js';
import type { DistributionObject } from '../domain/distributions/distribution.js';
import type { DistributionNamespaceOutcome } from '../domain/distributions/distribution-ledger.js';
import type { NamespacePlan, Removal } from '../domain/distributions/plan-distribution.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import { AppError } from '../errors.js';
import type { ReconcileDependencies } from './reconcile-dependencies.js';

export type Count = (writes: number) => void;

/** One namespace's plan: the copy (with the links it records) first, then the links. Never throws. */
export async function carryOut(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: DesiredCopy,
  plan: NamespacePlan,
  count: Count,
): Promise<DistributionNamespaceOutcome & { retry?: boolean }> {
  const base: DistributionNamespaceOutcome = {
    namespace: plan.namespace,
    state: plan.state,
    written: false,
    ...(plan.reason ? { reason: plan.reason } : {}),
    ...(plan.currentHash ? { currentHash: plan.currentHash } : {}),
    ...(plan.absent ? { absent: true } : {}),
  };
  if ((!plan.write && plan.links.length === 0) || deps.signal?.aborted) return base;
  if (plan.write?.kind === 'create') {
    // Someone else's Secret of that name (not cached: unlabelled) answered the last create: not sent again yet.
    const conflict = deps.memory.knownConflict(distribution.name, plan.namespace);
    if (conflict) return { ...base, state: 'failed', reason: conflict };
  }
  try {
    let written = false;
    if (plan.write) {
      const copy =
        plan.write.kind === 'create'
          ? await deps.cluster.createSecret(plan.write.draft)
          : await deps.cluster.replaceSecret(plan.write.draft);
      deps.caches.remember?.(copy);
      count(1);
      written = true;
    }
    const { secretName } = distribution.spec;
    for (const sa of plan.links) {
      const linked = await deps.cluster.setServiceAccountPullSecrets(
        plan.namespace,
        sa.name,
        [...sa.imagePullSecrets, secretName],
        sa.resourceVersion ?? '',
      );
      deps.caches.rememberServiceAccount?.(linked);
      count(1);
    }
    return {
      ...base,
      written,
      currentHash: written ? desired.contentHash : plan.currentHash,
      linked: plan.links.map((sa) => sa.name),
      ...(plan.drift && written ? { drift: plan.drift } : {}),
    };
  } catch (error) {
    const failure = failureOf(deps, error);
    if (error instanceof AlreadyExistsError && failure.reason)
      deps.memory.rememberConflict(distribution.name, plan.namespace, failure.reason);
    return { ...base, ...failure, written: false };
  }
}

function failureOf(
  deps: ReconcileDependencies,
  error: unknown,
): Pick<DistributionNamespaceOutcome, 'state' | 'reason'> & { retry?: boolean } {
  if (error instanceof AlreadyExistsError)
    // Not in the cache of labelled Secrets, so not made by any distribution.
    return { state: 'failed', reason: `secret "${error.secretName}" exists and was made by someone else; it is left as it is` };
  if (error instanceof StaleWriteError) return { state: 'pending', reason: 'changed while being written; retrying', retry: true };
  if (error instanceof NamespaceNotFoundError) return { state: 'pending', reason: 'the namespace does not exist yet' };
  if (error instanceof ClusterPermissionError) return { state: 'forbidden', reason: error.message };
  if (error instanceof AppError) return { state: 'failed', reason: error.message, retry: error.status >= 500 };
  deps.observer.unexpected(error);
  return { state: 'failed', reason: 'unexpected error; see the service log', retry: true };
}

/**
 * Unlinks what regcred linked, then deletes (uid precondition): the copy is gone only after nothing
 * it linked points at it. Returns false when it must be tried again; a failure is reported once.
 */
export async function removeCopy(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  removal: Removal,
  count: Count,
): Promise<boolean> {
  const { copy, unlinks } = removal;
  return attempt(deps, distribution, copy, 'remove', async () => {
    for (const sa of unlinks) {
      const kept = sa.imagePullSecrets.filter((n) => n !== copy.name);
      deps.caches.rememberServiceAccount?.(
        await deps.cluster.setServiceAccountPullSecrets(copy.namespace, sa.name, kept, sa.resourceVersion ?? ''),
      );
      count(1);
    }
    await deps.cluster.deleteSecret(copy.namespace, copy.name, copy.uid ?? '');
    count(1);
  });
}

/** An orphaned copy stays, without the marks that bind it to the distribution; its links stay too. */
export async function releaseCopy(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  copy: SecretObject,
  count: Count,
): Promise<boolean> {
  return attempt(deps, distribution, copy, 'release', async () => {
    // The cache holds digests, not the data a replace must carry.
    const current = await deps.cluster.readSecret(copy.namespace, copy.name);
    if (!current || current.uid !== copy.uid) return;
    await deps.cluster.replaceSecret(withoutOwnershipMarks(current));
    count(1);
  });
}

async function attempt(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  copy: SecretObject,
  action: 'remove' | 'release',
  write: () => Promise<void>,
): Promise<boolean> {
  if (deps.signal?.aborted) return false;
  try {
    await write();
    deps.memory.settled(distribution.name, copy.namespace);
    return true;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return true;
    if (!(error instanceof AppError)) deps.observer.unexpected(error);
    else if (!(error instanceof StaleWriteError)) {
      const reason = `could not ${action} the copy: ${error.message}`;
      if (deps.memory.shouldReport(distribution.name, copy.namespace, reason)) deps.observer.failed(distribution, copy.namespace, reason);
    }
    return false;
  }
}
