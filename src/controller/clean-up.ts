import pLimit from 'p-limit';
import type { ServiceAccountObject } from '../domain/cluster.js';
import {
  ALL_SERVICE_ACCOUNTS,
  CLEANUP_FINALIZER,
  draftDistribution,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  ORPHAN_ANNOTATION,
  type DistributionObject,
} from '../domain/distributions/distribution.js';
import { copyOwnership } from '../domain/distributions/ownership.js';
import { namespaceTargeting, recordedLinks, untouchable, type Removal } from '../domain/distributions/plan-distribution.js';
import { specProblem, specWithinSchema } from '../domain/distributions/spec-problem.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../domain/kubernetes/secret.js';
import { releaseCopy, removeCopy, type Count } from './copy-writes.js';
import type { ReconcileDependencies, ReconcileResult } from './reconcile-dependencies.js';

/**
 * Deletion asked for: removes the copies this object made and the links it recorded (with the
 * orphan annotation, strips their ownership marks instead, so no later distribution of the name
 * takes them back), the source the API stored for it, then its finalizer. Copies in the deny list
 * or regcred's own namespace are not touched. A restart half-way simply finishes the job.
 */
export async function cleanUp(deps: ReconcileDependencies, distribution: DistributionObject): Promise<ReconcileResult> {
  // No token is minted into a source that is about to go, nor is one still being written.
  await deps.credentials?.forgetSettled(distribution.name);
  if (!distribution.finalizers.includes(CLEANUP_FINALIZER)) return { retry: false, writes: 0 };
  let writes = 0;
  const count: Count = (n) => (writes += n);
  const orphan = distribution.annotations[ORPHAN_ANNOTATION] === 'true';
  // From the caches, which hold every copy (this replica's own writes included) since its informers
  // listed at start: a fresh list would hold every copy's data at once, up to 1 MiB each.
  const limit = pLimit(deps.concurrency);
  const done = await Promise.all(
    copiesToLetGo(deps, distribution).map((r) =>
      limit(() => (orphan ? releaseCopy(deps, distribution, r.copy, count) : removeCopy(deps, distribution, r, count))),
    ),
  );
  if (done.includes(false)) return { retry: true, writes };
  if (!orphan) {
    const source = await deps.cluster.readSecret(deps.ownNamespace, distribution.spec.source?.secretName ?? '');
    const boundTo = source?.annotations[DISTRIBUTION_UID_ANNOTATION];
    // Only a source regcred's API stored for this object goes with it; one a user made (GitOps) stays.
    if (
      source?.labels[DISTRIBUTION_SOURCE_LABEL] === distribution.name &&
      source.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
      (boundTo === undefined || boundTo === distribution.uid)
    ) {
      const removed = await removeCopy(deps, distribution, { copy: source, unlinks: [] }, count);
      if (!removed) return { retry: true, writes };
    }
  }
  await deps.distributions.replaceDistribution({
    ...draftDistribution(distribution),
    // An object stored under an older CRD that breaks today's schema takes no write (1.20 validates
    // the whole object, no ratcheting) unless its spec is made valid in the same write.
    spec: specWithinSchema(distribution.spec),
    finalizers: distribution.finalizers.filter((f) => f !== CLEANUP_FINALIZER),
  });
  deps.memory.forget(distribution.name);
  return { retry: false, writes: writes + 1 };
}

/**
 * The copies a deletion removes or releases: those this object provably made, and unproven ones
 * (from versions before the proof) where the spec still sends its secret, which it would have
 * adopted — never in the deny list or regcred's own namespace.
 */
function copiesToLetGo(deps: ReconcileDependencies, distribution: DistributionObject): Removal[] {
  const world = { denyNamespaces: deps.denyNamespaces, ownNamespace: deps.ownNamespace };
  const targets = safeTargeting(distribution);
  const removals: Removal[] = [];
  for (const copy of deps.caches.copiesOf(distribution.name)) {
    if (untouchable(world, copy.namespace)) continue;
    const ownership = copyOwnership(copy, distribution, deps.proofKey);
    if (ownership === 'own') removals.push({ copy, unlinks: recordedLinks(deps.caches, copy) });
    else if (
      ownership === 'unproven' &&
      copy.name === distribution.spec.secretName &&
      targets({ name: copy.namespace, labels: deps.caches.namespace(copy.namespace)?.labels ?? {} })
    )
      removals.push({ copy, unlinks: selectedReferencing(deps, distribution, copy.namespace, copy.name) });
  }
  return removals;
}

/** No adoption by targeting for a spec that breaks the rules (20,000 globs against every unmarked copy): only UID-marked copies go. */
function safeTargeting(distribution: DistributionObject): ReturnType<typeof namespaceTargeting> {
  if (specProblem(distribution.spec)) return () => false;
  try {
    return namespaceTargeting(distribution.spec);
  } catch {
    return () => false;
  }
}

/** What versions before recorded links removed with a copy: the selected ServiceAccounts that reference it. */
function selectedReferencing(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  namespace: string,
  secretName: string,
): ServiceAccountObject[] {
  const wanted = distribution.spec.serviceAccounts ?? [];
  return deps.caches
    .serviceAccountsIn(namespace)
    .filter((sa) => (wanted.includes(ALL_SERVICE_ACCOUNTS) || wanted.includes(sa.name)) && sa.imagePullSecrets.includes(secretName));
}
