import pLimit from 'p-limit';
import { StaleWriteError } from '../domain/cluster.js';
import { desiredCopyOf, type SourceReading } from '../domain/distributions/desired-copy.js';
import {
  CLEANUP_FINALIZER,
  draftDistribution,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  type DistributionObject,
  type NamespaceStatus,
} from '../domain/distributions/distribution.js';
import { statusAfter, type DistributionNamespaceOutcome } from '../domain/distributions/distribution-status.js';
import { isManagedBy, sourceBinding } from '../domain/distributions/ownership.js';
import { planDistribution } from '../domain/distributions/plan-distribution.js';
import { distributionNameProblem, specProblem } from '../domain/distributions/spec-problem.js';
import { replacementOf, type SecretObject } from '../domain/kubernetes/secret.js';
import { AppError, ValidationError } from '../errors.js';
import { cleanUp } from './clean-up.js';
import { followCloudSource } from './cloud-source-step.js';
import type { CloudStatus } from './cloud-status.js';
import { carryOut, removeCopy, type Count } from './copy-writes.js';
import { podsLackingSecret } from './pods-lacking-secret.js';
import type { ReconcileDependencies, ReconcileResult } from './reconcile-dependencies.js';
import { writeStatusIfChanged } from './status-writes.js';

const NOTHING: ReconcileResult = { retry: false, writes: 0 };

/**
 * Brings one distribution's copies and links in line with its spec and source, and records the
 * outcome in its status (written only when it changed). Only the installation that claimed the
 * object acts on it; the first pass claims it (with the cleanup finalizer, in one conditional
 * write, so of two installations exactly one wins). Deletion: see cleanUp.
 */
export async function reconcileDistribution(deps: ReconcileDependencies, name: string): Promise<ReconcileResult> {
  const distribution = deps.caches.distribution(name);
  if (!distribution || deps.signal?.aborted) return NOTHING;
  if (!isManagedBy(distribution, deps.ownNamespace)) return NOTHING;
  if (distribution.deletionTimestamp) return cleanUp(deps, distribution);
  // Checked again here: an object stored under an older CRD, or one the schema cannot express, reaches
  // the controller too. Not claimed: it gets no finalizer, no copy, and its deletion needs nobody.
  const invalid = distributionNameProblem(distribution.name) ?? specProblem(distribution.spec);
  if (invalid) return refuse(deps, distribution, invalid);
  if (distribution.annotations[INSTALLATION_ANNOTATION] !== deps.ownNamespace || !distribution.finalizers.includes(CLEANUP_FINALIZER))
    return claim(deps, distribution);

  const problem = installationProblem(distribution, deps.ownNamespace);
  if (problem) return reportOnly(deps, distribution, problem);
  const now = (deps.now ?? (() => new Date()))();
  const stored = await deps.cluster.readSecret(deps.ownNamespace, distribution.spec.source.secretName);
  const cloud = followCloudSource(deps, distribution, stored, now);
  if (cloud && 'refused' in cloud) return reportOnly(deps, distribution, cloud.refused, cloud.status);
  const cloudStatus = cloud?.status ?? {};
  let writes = 0;
  const count: Count = (n) => (writes += n);
  const source = await readSource(deps, distribution, stored, count);
  if (source === 'lost-race') return { retry: true, writes };
  if ('problem' in source) return { ...(await reportOnly(deps, distribution, cloud?.waiting ?? source.problem, cloudStatus)), writes };
  const unverified = await verificationProblem(deps, distribution, source.desired);
  if (unverified)
    // Nothing is written: every copy keeps the content it has until the registries accept the new one.
    return {
      ...(await reportOnly(deps, distribution, `the new credential (${source.desired.contentHash}) was not rolled out: ${unverified}`)),
      writes,
    };

  const previous = new Map((distribution.status?.namespaces ?? []).map((s) => [s.namespace, s]));
  const plan = await planDistribution(
    {
      distribution,
      desired: source.desired,
      namespaces: deps.caches.namespaces(),
      secretIn: (namespace, secretName) => deps.caches.copy(namespace, secretName),
      labelledCopies: deps.caches.copiesOf(distribution.name),
      serviceAccountsIn: (namespace) => deps.caches.serviceAccountsIn(namespace),
      formerLinks: (namespace, secretName) => deps.caches.formerLinks?.(namespace, secretName) ?? [],
      denyNamespaces: deps.denyNamespaces,
      ownNamespace: deps.ownNamespace,
      proofKey: deps.proofKey,
    },
    previous,
    deps.pause,
  );
  const limit = pLimit(deps.concurrency);
  let retry = false;
  const outcomes = await Promise.all(
    plan.namespaces.map((p) =>
      limit(async (): Promise<DistributionNamespaceOutcome> => {
        const outcome = await carryOut(deps, distribution, source.desired, p, count);
        if (outcome.retry) retry = true;
        if (outcome.drift) deps.observer.restored(distribution, p.namespace, outcome.drift);
        reportFailure(deps, distribution, outcome, previous.get(p.namespace));
        return outcome;
      }),
    ),
  );
  const removed = await Promise.all(plan.removals.map((r) => limit(() => removeCopy(deps, distribution, r, count))));
  if (removed.includes(false)) retry = true;
  const pods = await podsLackingSecret(deps, distribution, outcomes);
  const status = {
    ...statusAfter(distribution, source.desired, outcomes, pods, now),
    ...(distribution.spec.verify === 'required' ? { verifiedContentHash: source.desired.contentHash } : {}),
    ...cloudStatus,
  };
  await writeStatusIfChanged(deps, distribution, status);
  if (status.rolledOutAt && !distribution.status?.rolledOutAt) deps.observer.rolledOut(distribution, status);
  return { retry, writes, status };
}

/** Records this installation's claim and its finalizer; the change comes back through the watch, and with it the next reconcile. */
async function claim(deps: ReconcileDependencies, distribution: DistributionObject): Promise<ReconcileResult> {
  try {
    const updated = await deps.distributions.replaceDistribution({
      ...draftDistribution(distribution),
      annotations: { ...distribution.annotations, [INSTALLATION_ANNOTATION]: deps.ownNamespace },
      finalizers: distribution.finalizers.includes(CLEANUP_FINALIZER)
        ? distribution.finalizers
        : [...distribution.finalizers, CLEANUP_FINALIZER],
    });
    deps.caches.rememberDistribution?.(updated);
    return { retry: false, writes: 1 };
  } catch (error) {
    // Another installation (or an edit) got there first: the watch brings the newer object.
    if (error instanceof StaleWriteError) return { retry: true, writes: 0 };
    throw error;
  }
}

/** A claimed object whose spec names another installation: the claim holds (only its holder can finish a deletion). */
function installationProblem(distribution: DistributionObject, ownNamespace: string): string | undefined {
  const named = distribution.spec.source.namespace;
  if (named === undefined || named === ownNamespace) return undefined;
  return `spec.source.namespace names "${named}", but the regcred installation in "${ownNamespace}" holds this distribution (${INSTALLATION_ANNOTATION}); it keeps the copies as they are and finishes a deletion; to move the distribution, delete it (orphan=true keeps the copies) and create it there`;
}

/**
 * The source's content, if this distribution may use it: the Secret in regcred's own namespace that
 * is labelled for this name and bound to this very object. Unbound, it is bound now (first use).
 */
async function readSource(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  stored: SecretObject | undefined,
  count: Count,
): Promise<SourceReading | 'lost-race'> {
  const where = { namespace: deps.ownNamespace, name: distribution.spec.source.secretName };
  const binding = sourceBinding(stored, distribution);
  if ('problem' in binding) return binding;
  const { source } = binding;
  const reading = desiredCopyOf(source, where);
  if ('problem' in reading || binding.bound || deps.signal?.aborted) return reading;
  try {
    await deps.cluster.replaceSecret(
      replacementOf(source, { annotations: { ...source.annotations, [DISTRIBUTION_UID_ANNOTATION]: distribution.uid ?? '' } }),
    );
    count(1);
    return reading;
  } catch (error) {
    if (error instanceof StaleWriteError) return 'lost-race';
    throw error;
  }
}

/**
 * An object that breaks the rules: said once (Event, warning), and in its status where the API
 * server still accepts a status write (one stored under an older CRD that breaks today's schema
 * takes none: Kubernetes 1.20 validates the whole object on every write).
 */
async function refuse(deps: ReconcileDependencies, distribution: DistributionObject, problem: string): Promise<ReconcileResult> {
  if (deps.memory.shouldReport(distribution.name, '', problem, distribution.status?.message)) deps.observer.refused(distribution, problem);
  try {
    return await reportOnly(deps, distribution, problem);
  } catch (error) {
    if (error instanceof ValidationError) return NOTHING;
    throw error;
  }
}

/** Only the message (and a cloud source's credential status) changes: copies, links and the rest of the status stay as they are. */
async function reportOnly(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  message: string,
  cloudStatus: Partial<CloudStatus> = {},
): Promise<ReconcileResult> {
  await writeStatusIfChanged(deps, distribution, {
    ...distribution.status,
    ...cloudStatus,
    message,
    observedGeneration: distribution.generation,
  });
  return NOTHING;
}

/** An Event and a warning only when a namespace's failure is new or its reason changed, not on every retry. */
function reportFailure(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  outcome: DistributionNamespaceOutcome,
  before: NamespaceStatus | undefined,
): void {
  if (outcome.state !== 'failed' && outcome.state !== 'forbidden') {
    deps.memory.settled(distribution.name, outcome.namespace);
    return;
  }
  const failure = `${outcome.state}: ${outcome.reason ?? ''}`;
  const recorded =
    before && (before.state === 'failed' || before.state === 'forbidden') ? `${before.state}: ${before.reason ?? ''}` : undefined;
  if (deps.memory.shouldReport(distribution.name, outcome.namespace, failure, recorded))
    deps.observer.failed(distribution, outcome.namespace, outcome.reason ?? outcome.state);
}

/** Why new content may not be rolled out yet under spec.verify=required; undefined when it may. */
async function verificationProblem(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: Parameters<NonNullable<ReconcileDependencies['verifySource']>>[0],
): Promise<string | undefined> {
  if (distribution.spec.verify !== 'required' || distribution.status?.verifiedContentHash === desired.contentHash) return undefined;
  if (!deps.verifySource) return 'no registry verifier is configured';
  try {
    return await deps.verifySource(desired);
  } catch (error) {
    return error instanceof AppError ? error.message : 'the check failed unexpectedly';
  }
}
