import pLimit from 'p-limit';
import { AlreadyExistsError, ClusterPermissionError, NamespaceNotFoundError, StaleWriteError, type Cluster } from '../domain/cluster.js';
import { desiredCopyOf, type DesiredCopy } from '../domain/distributions/desired-copy.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_SOURCE_LABEL,
  ORPHAN_ANNOTATION,
  type DistributionObject,
  type DistributionStatus,
} from '../domain/distributions/distribution.js';
import type { DistributionCluster } from '../domain/distributions/distribution-cluster.js';
import { planDistribution, type NamespacePlan, type Removal } from '../domain/distributions/plan-distribution.js';
import { statusAfter, type NamespaceOutcome } from '../domain/distributions/distribution-status.js';
import { parseLabelSelector } from '../domain/kubernetes/label-selector.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../domain/kubernetes/secret.js';
import { AppError } from '../errors.js';
import type { DistributionCaches } from './distribution-caches.js';
import { podsLackingSecret } from './pods-lacking-secret.js';
import { writeStatusIfChanged } from './status-writes.js';

export interface ReconcileDependencies {
  cluster: Cluster;
  distributions: DistributionCluster;
  caches: DistributionCaches;
  /** regcred's own namespace, where source Secrets live. */
  ownNamespace: string;
  denyNamespaces: readonly string[];
  /** Writes in flight at once within one reconcile. */
  concurrency: number;
  observer: ReconcileObserver;
  /** Aborts when this replica stops leading: no write starts after that (another replica may be writing). */
  signal?: AbortSignal;
  /** With spec.verify=required: checks new source content with the registries (undefined: accepted, else why not). */
  verifySource?: (desired: DesiredCopy) => Promise<string | undefined>;
  now?: () => Date;
}

/** What a reconcile tells the outside (metrics, Events, logs); never secret material. */
export interface ReconcileObserver {
  restored(distribution: DistributionObject, namespace: string, how: 'edited' | 'deleted'): void;
  failed(distribution: DistributionObject, namespace: string, reason: string): void;
  rolledOut(distribution: DistributionObject, status: DistributionStatus): void;
  unexpected(error: unknown): void;
}

export interface ReconcileResult {
  /** Reconcile again soon: a write lost a race or the cluster did not answer. */
  retry: boolean;
  /** Copies created, replaced or removed, and links changed: 0 when nothing needed doing. */
  writes: number;
  /** The status this pass computed, when it got that far. */
  status?: DistributionStatus;
}

/**
 * Brings one distribution's copies and links in line with its spec and source, and records the
 * outcome in its status (written only when it changed). Deletion: removes every copy and link it
 * made (unless orphaned), then its finalizer, so a restart half-way simply finishes the job.
 */
export async function reconcileDistribution(deps: ReconcileDependencies, name: string): Promise<ReconcileResult> {
  const distribution = deps.caches.distribution(name);
  if (!distribution || deps.signal?.aborted) return { retry: false, writes: 0 };
  // Another installation's (its source lives in that installation's namespace): not ours to touch.
  if ((distribution.spec.source?.namespace ?? deps.ownNamespace) !== deps.ownNamespace) return { retry: false, writes: 0 };
  if (distribution.deletionTimestamp) return cleanUp(deps, distribution);
  if (!distribution.finalizers.includes(CLEANUP_FINALIZER)) {
    const updated = await deps.distributions.replaceDistribution({
      ...draftOf(distribution),
      finalizers: [...distribution.finalizers, CLEANUP_FINALIZER],
      resourceVersion: distribution.resourceVersion ?? '',
    });
    deps.caches.rememberDistribution?.(updated);
    // The change comes back through the watch, and with it the next reconcile.
    return { retry: false, writes: 1 };
  }
  const now = (deps.now ?? (() => new Date()))();
  const problem = specProblem(distribution);
  const source = problem
    ? { problem }
    : desiredCopyOf(await deps.cluster.readSecret(deps.ownNamespace, distribution.spec.source.secretName), {
        namespace: deps.ownNamespace,
        name: distribution.spec.source.secretName,
      });
  if ('problem' in source) {
    await writeStatusIfChanged(deps, distribution, {
      ...distribution.status,
      message: source.problem,
      observedGeneration: distribution.generation,
    });
    return { retry: false, writes: 0 };
  }
  const unverified = await verificationProblem(deps, distribution, source.desired);
  if (unverified) {
    // Nothing is written: every copy keeps the content it has until the registries accept the new one.
    await writeStatusIfChanged(deps, distribution, {
      ...distribution.status,
      message: `the new credential (${source.desired.contentHash}) was not rolled out: ${unverified}`,
      observedGeneration: distribution.generation,
    });
    return { retry: false, writes: 0 };
  }
  const previous = new Map((distribution.status?.namespaces ?? []).map((s) => [s.namespace, s]));
  const plan = planDistribution(
    {
      distribution,
      desired: source.desired,
      namespaces: deps.caches.namespaces(),
      secretIn: (namespace, secretName) => deps.caches.copy(namespace, secretName),
      ownCopies: deps.caches.copiesOf(distribution.name),
      serviceAccountsIn: (namespace) => deps.caches.serviceAccountsIn(namespace),
      denyNamespaces: deps.denyNamespaces,
    },
    previous,
  );
  const limit = pLimit(deps.concurrency);
  let writes = 0;
  let retry = false;
  const count = (n: number) => (writes += n);
  const outcomes = await Promise.all(
    plan.namespaces.map((p) =>
      limit(async (): Promise<NamespaceOutcome> => {
        const outcome = await carryOut(deps, distribution, source.desired, p, count);
        if (outcome.retry) retry = true;
        if (outcome.drift) deps.observer.restored(distribution, p.namespace, outcome.drift);
        const before = previous.get(p.namespace);
        if (
          (outcome.state === 'failed' || outcome.state === 'forbidden') &&
          (before?.state !== outcome.state || before.reason !== outcome.reason)
        )
          deps.observer.failed(distribution, p.namespace, outcome.reason ?? outcome.state);
        return outcome;
      }),
    ),
  );
  const removed = await Promise.all(plan.removals.map((r) => limit(() => remove(deps, distribution, r, count))));
  if (removed.includes(false)) retry = true;
  const pods = await podsLackingSecret(deps, distribution, outcomes);
  const status = {
    ...statusAfter(distribution, source.desired, outcomes, pods, now),
    ...(distribution.spec.verify === 'required' ? { verifiedContentHash: source.desired.contentHash } : {}),
  };
  await writeStatusIfChanged(deps, distribution, status);
  if (status.rolledOutAt && !distribution.status?.rolledOutAt) deps.observer.rolledOut(distribution, status);
  return { retry, writes, status };
}

/** Why new content may not be rolled out yet under spec.verify=required; undefined when it may. */
async function verificationProblem(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: DesiredCopy,
): Promise<string | undefined> {
  if (distribution.spec.verify !== 'required' || distribution.status?.verifiedContentHash === desired.contentHash) return undefined;
  if (!deps.verifySource) return 'no registry verifier is configured';
  try {
    return await deps.verifySource(desired);
  } catch (error) {
    return error instanceof AppError ? error.message : 'the check failed unexpectedly';
  }
}

function specProblem(distribution: DistributionObject): string | undefined {
  const { spec } = distribution;
  if (!spec.source?.secretName) return 'spec.source.secretName is required';
  if (!spec.namespaces?.length && spec.namespaceSelector === undefined) return 'give spec.namespaces or spec.namespaceSelector';
  if (spec.namespaceSelector !== undefined) {
    try {
      parseLabelSelector(spec.namespaceSelector);
    } catch (error) {
      return `spec.namespaceSelector: ${(error as Error).message}`;
    }
  }
  return undefined;
}

async function carryOut(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: DesiredCopy,
  plan: NamespacePlan,
  count: (n: number) => void,
): Promise<NamespaceOutcome & { retry?: boolean }> {
  const base: NamespaceOutcome = {
    namespace: plan.namespace,
    state: plan.state,
    written: false,
    ...(plan.reason ? { reason: plan.reason } : {}),
    ...(plan.currentHash ? { currentHash: plan.currentHash } : {}),
    ...(plan.absent ? { absent: true } : {}),
  };
  if ((!plan.write && plan.links.length === 0) || deps.signal?.aborted) return base;
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
    return { ...base, ...failureOf(deps, error), written: false };
  }
}

function failureOf(deps: ReconcileDependencies, error: unknown): Pick<NamespaceOutcome, 'state' | 'reason'> & { retry?: boolean } {
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

/** Unlinks, then deletes (uid precondition): the copy is gone only after nothing points at it. False when it must be tried again. */
async function remove(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  removal: Removal,
  count: (n: number) => void,
): Promise<boolean> {
  const { copy, unlinks } = removal;
  if (deps.signal?.aborted) return false;
  try {
    for (const sa of unlinks) {
      const kept = sa.imagePullSecrets.filter((n) => n !== copy.name);
      deps.caches.rememberServiceAccount?.(
        await deps.cluster.setServiceAccountPullSecrets(copy.namespace, sa.name, kept, sa.resourceVersion ?? ''),
      );
      count(1);
    }
    await deps.cluster.deleteSecret(copy.namespace, copy.name, copy.uid ?? '');
    count(1);
    return true;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return true;
    if (!(error instanceof AppError)) deps.observer.unexpected(error);
    else if (!(error instanceof StaleWriteError))
      deps.observer.failed(distribution, copy.namespace, `could not remove the copy: ${error.message}`);
    return false;
  }
}

/** Deletion asked for: remove what the distribution made, then let it go. */
async function cleanUp(deps: ReconcileDependencies, distribution: DistributionObject): Promise<ReconcileResult> {
  if (!distribution.finalizers.includes(CLEANUP_FINALIZER)) return { retry: false, writes: 0 };
  let writes = 0;
  const count = (n: number) => (writes += n);
  if (distribution.annotations[ORPHAN_ANNOTATION] !== 'true') {
    // From the caches, which hold every copy (this replica's own writes included) since its informers
    // listed at start: a fresh list would hold every copy's data at once, up to 1 MiB each.
    const limit = pLimit(deps.concurrency);
    const removals = deps.caches.copiesOf(distribution.name).map((copy) => ({
      copy,
      unlinks: deps.caches.serviceAccountsIn(copy.namespace).filter((sa) => sa.imagePullSecrets.includes(copy.name)),
    }));
    const removed = await Promise.all(removals.map((r) => limit(() => remove(deps, distribution, r, count))));
    if (removed.includes(false)) return { retry: true, writes };
    const source = await deps.cluster.readSecret(deps.ownNamespace, distribution.spec.source?.secretName ?? '');
    // Only a source regcred's API stored for this distribution goes with it; one a user made (GitOps) stays.
    if (source?.labels[DISTRIBUTION_SOURCE_LABEL] === distribution.name && source.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) {
      const done = await remove(deps, distribution, { copy: source, unlinks: [] }, count);
      if (!done) return { retry: true, writes };
    }
  }
  await deps.distributions.replaceDistribution({
    ...draftOf(distribution),
    finalizers: distribution.finalizers.filter((f) => f !== CLEANUP_FINALIZER),
    resourceVersion: distribution.resourceVersion ?? '',
  });
  return { retry: false, writes: writes + 1 };
}

function draftOf(distribution: DistributionObject) {
  const { name, finalizers, labels, annotations, spec } = distribution;
  return { name, finalizers, labels, annotations, spec };
}
