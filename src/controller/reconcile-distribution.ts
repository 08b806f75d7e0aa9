import { StaleWriteError } from '../domain/cluster.js';
import { desiredCopyOf, type DesiredCopy, type SourceReading } from '../domain/distributions/desired-copy.js';
import {
  CLEANUP_FINALIZER,
  draftDistribution,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  type DistributionObject,
  type DistributionStatus,
} from '../domain/distributions/distribution.js';
import { isManagedBy, sourceBinding } from '../domain/distributions/ownership.js';
import { namespaceTargeting } from '../domain/distributions/plan-distribution.js';
import { distributionNameProblem, specProblem } from '../domain/distributions/spec-problem.js';
import { replacementOf, type SecretObject } from '../domain/kubernetes/secret.js';
import { AppError, ValidationError } from '../errors.js';
import { cleanUp } from './clean-up.js';
import { followCloudSource } from './cloud-source-step.js';
import type { CloudStatus } from './cloud-status.js';
import type { Count } from './copy-writes.js';
import { LedgerBook, type LedgerRecord, type PassBasis } from './ledger-book.js';
import { passOverAll, passOverSome, targetingByName } from './namespace-passes.js';
import type { ReconcileDependencies, ReconcileResult } from './reconcile-dependencies.js';
import type { StatusLane } from './status-lane.js';
import { writeStatusIfChanged } from './status-writes.js';

const NOTHING: ReconcileResult = { retry: false, writes: 0 };

/** Every namespace the distribution targets, or only these (after events that concern them; none: only the status is due). */
export type ReconcileScope = 'all' | { namespaces: readonly string[] };

/**
 * Brings one distribution's copies and links in line with its spec and source, and records the
 * outcome in its status (written only when it changed). Only the installation that claimed the
 * object acts on it; the first pass claims it (with the cleanup finalizer, in one conditional
 * write, so of two installations exactly one wins). Deletion: see cleanUp.
 */
export async function reconcileDistribution(
  deps: ReconcileDependencies,
  name: string,
  scope: ReconcileScope = 'all',
): Promise<ReconcileResult> {
  const distribution = deps.caches.distribution(name);
  if (!distribution || deps.signal?.aborted) return NOTHING;
  if (!isManagedBy(distribution, deps.ownNamespace)) return NOTHING;
  const ledgers = deps.ledgers ?? new LedgerBook();
  if (distribution.deletionTimestamp) {
    ledgers.forget(name);
    return cleanUp(deps, distribution);
  }
  if (scope !== 'all') {
    // What the last full pass checked (spec, claim, source) still holds: only these namespaces are looked at.
    const trusted = ledgers.trusted(distribution, deps.caches.source?.(distribution.spec.source.secretName));
    if (trusted) return reconcileSome(deps, ledgers, distribution, trusted, scope.namespaces);
  }
  // Checked again here: an object stored under an older CRD, or one the schema cannot express, reaches
  // the controller too. Not claimed: it gets no finalizer, no copy, and its deletion needs nobody.
  const invalid = distributionNameProblem(distribution.name) ?? specProblem(distribution.spec);
  if (invalid) return refuse(deps, distribution, invalid);
  if (distribution.annotations[INSTALLATION_ANNOTATION] !== deps.ownNamespace || !distribution.finalizers.includes(CLEANUP_FINALIZER))
    return claim(deps, distribution);

  const problem = installationProblem(distribution, deps.ownNamespace);
  if (problem) return reportOnly(deps, distribution, problem);
  const now = (deps.now ?? (() => new Date()))();
  const record = ledgers.of(distribution);
  const known = knownSource(deps, distribution, record);
  const stored = known?.stored ?? (await deps.cluster.readSecret(deps.ownNamespace, distribution.spec.source.secretName));
  const cloud = followCloudSource(deps, distribution, stored, now);
  if (cloud && 'refused' in cloud) return reportOnly(deps, distribution, cloud.refused, cloud.status);
  const cloudStatus = cloud?.status ?? {};
  let writes = 0;
  const count: Count = (n) => (writes += n);
  const source = known ? { desired: known.desired } : await readSource(deps, distribution, stored, count);
  if (source === 'lost-race') return { retry: true, writes };
  if ('problem' in source) return { ...(await reportOnly(deps, distribution, cloud?.waiting ?? source.problem, cloudStatus)), writes };
  const unverified = await verificationProblem(deps, distribution, source.desired);
  if (unverified)
    // Nothing is written: every copy keeps the content it has until the registries accept the new one.
    return {
      ...(await reportOnly(deps, distribution, `the new credential (${source.desired.contentHash}) was not rolled out: ${unverified}`)),
      writes,
    };

  const { desired } = source;
  record.ledger.desire(desired.contentHash);
  const written = {
    contentHash: desired.contentHash,
    extras: { ...(distribution.spec.verify === 'required' ? { verifiedContentHash: desired.contentHash } : {}), ...cloudStatus },
  };
  // The status as it was last written (a long pass writes its progress too).
  const current = () => deps.caches.distribution(distribution.name) ?? distribution;
  const progress = async () => {
    if (performance.now() - record.statusWrittenAt >= PROGRESS_MS) await writeLedgerStatus(deps, current(), record, written, now);
  };
  const { retry, planned } = await passOverAll(deps, distribution, desired, record, now, count, progress);
  if (deps.signal?.aborted) return { retry: false, writes, planned };
  // The source as the pass read it: a bound-now source has a new version, which the informer brings back (then a full pass again, writing nothing).
  const targets = targetingByName({ namespaceNamed: (n) => deps.caches.namespace(n) }, namespaceTargeting(distribution.spec));
  ledgers.settle(record, { distribution, sourceVersion: stored?.resourceVersion, desired, targets, ...written });
  const status = await writeLedgerStatus(deps, current(), record, written, now);
  return { retry, writes, planned, status };
}

/** A pass over a few namespaces: their copies and links, the ledger, and the status once per batch. */
async function reconcileSome(
  deps: ReconcileDependencies,
  ledgers: LedgerBook,
  distribution: DistributionObject,
  record: LedgerRecord & { basis: PassBasis },
  namespaces: readonly string[],
): Promise<ReconcileResult> {
  const now = (deps.now ?? (() => new Date()))();
  let writes = 0;
  const count: Count = (n) => (writes += n);
  let retry = false;
  let planned = 0;
  if (namespaces.length > 0) {
    const desired = record.basis.desired ?? (await rereadSource(deps, distribution, record.basis.contentHash));
    if (!desired) {
      // The source moved on since the full pass: that pass runs now.
      ledgers.unsettle(distribution.name);
      return reconcileDistribution(deps, distribution.name, 'all');
    }
    ({ retry, planned } = await passOverSome(deps, distribution, desired, record, record.basis.targets, namespaces, now, count));
  }
  if (deps.signal?.aborted) return { retry: false, writes, planned };
  const waitMs = record.statusWrittenAt + STATUS_BATCH_MS - performance.now();
  if (waitMs > 0 && namespaces.length > 0) {
    // A pass that will run again writes it then (retries are at least a second apart).
    if (!retry) deps.statusDue?.(distribution.name, waitMs);
    return { retry, writes, planned };
  }
  if (deps.statusLane) {
    writeBatchedStatusSoon(deps, deps.statusLane, ledgers, distribution.name);
    return { retry, writes, planned };
  }
  const status = await writeLedgerStatus(deps, distribution, record, record.basis, now);
  return { retry, writes, planned, status };
}

/**
 * The batched status, written in the lane's turn from the ledger as it is then. Nothing when the
 * object went or its basis no longer holds (the full pass that is due writes its own); a failed
 * write is asked for again a batch later.
 */
function writeBatchedStatusSoon(deps: ReconcileDependencies, lane: StatusLane, ledgers: LedgerBook, name: string): void {
  const inTurn = { ...deps, statusLane: undefined };
  const write = async () => {
    const latest = deps.caches.distribution(name);
    if (!latest || latest.deletionTimestamp || deps.signal?.aborted) return;
    const record = ledgers.trusted(latest, deps.caches.source?.(latest.spec.source.secretName));
    if (record) await writeLedgerStatus(inTurn, latest, record, record.basis, (deps.now ?? (() => new Date()))());
  };
  lane.soon(name, write, () => deps.statusDue?.(name, STATUS_BATCH_MS));
}

/** A pass over every namespace that lasts longer than this writes its progress (the counts) this often. */
const PROGRESS_MS = 5000;

/** Status writes from passes over a few namespaces come at most this often (one per batch of events). */
export const STATUS_BATCH_MS = 1000;

/** The ledger's status (with what the namespaces do not decide), written when it changed. */
async function writeLedgerStatus(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  record: LedgerRecord,
  written: Pick<PassBasis, 'contentHash' | 'extras'>,
  now: Date,
): Promise<DistributionStatus> {
  const status = { ...record.ledger.status(distribution, { contentHash: written.contentHash }, now), ...written.extras };
  record.statusWrittenAt = performance.now();
  await writeStatusIfChanged(deps, distribution, status);
  // Newly set, not merely newly present: a rotation whose first status is already complete clears and sets it in one write.
  if (status.rolledOutAt && status.rolledOutAt !== distribution.status?.rolledOutAt) {
    deps.observer.rolledOut(distribution, status);
    deps.credentials?.rolledOut(distribution.name, written.contentHash);
  }
  return status;
}

/** The source's content as the last full pass read it, when the informer shows the same version (no GET). */
function knownSource(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  record: LedgerRecord,
): { stored: SecretObject; desired: DesiredCopy } | undefined {
  const cached = deps.caches.source?.(distribution.spec.source.secretName);
  const basis = record.basis;
  if (!cached || !basis?.desired || basis.distribution.uid !== distribution.uid) return undefined;
  if (cached.resourceVersion !== basis.sourceVersion || 'problem' in sourceBinding(cached, distribution)) return undefined;
  return { stored: cached, desired: basis.desired };
}

/** A large source, not kept with the basis: read again; undefined when it no longer has the content the basis was made from. */
async function rereadSource(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  contentHash: string,
): Promise<DesiredCopy | undefined> {
  const { secretName } = distribution.spec.source;
  const stored = await deps.cluster.readSecret(deps.ownNamespace, secretName);
  const binding = sourceBinding(stored, distribution);
  if ('problem' in binding || !binding.bound) return undefined;
  const reading = desiredCopyOf(binding.source, { namespace: deps.ownNamespace, name: secretName });
  return 'desired' in reading && reading.desired.contentHash === contentHash ? reading.desired : undefined;
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
