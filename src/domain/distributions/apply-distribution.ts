import { isDeepStrictEqual } from 'node:util';
import { ConflictError, UnavailableError } from '../../errors.js';
import { AlreadyExistsError, NamespaceNotFoundError, SecretNotFoundError, StaleWriteError } from '../cluster.js';
import { cloudSourceOf, type CloudSource } from '../credentials/cloud-source.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';
import { LOST_RACE } from '../pull-secrets/write-turns.js';
import type { RegistryVerification } from '../verify/registry-verifier.js';
import type { WriteResult } from '../view-schemas.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_SOURCE_LABEL,
  INSTALLATION_ANNOTATION,
  sourceSecretName,
  type DistributionObject,
  type DistributionSpec,
} from './distribution.js';
import { requireCloudAllowed } from './cloud-source-allowed.js';
import { DistributionNotFoundError } from './distribution-cluster.js';
import type { DistributionView } from './distribution-schemas.js';
import { toDistributionView, type DistributionPorts } from './distribution-view.js';
import { isManagedBy, managingInstallation } from './ownership.js';
import { restoreSource, sameSource, draftSource, writeSource, type SourceWrite } from './source-writes.js';

/** PUT /v1/distributions/{name}: the credentials (or a cloud source) and where their copies go. */
export interface ApplyDistribution {
  name: string;
  /** The credentials for the source Secret; empty with `cloud`. */
  registries: readonly RegistryCredential[];
  /** Instead of credentials: what regcred mints for with its own cloud identity (the controller writes the source). */
  cloud?: CloudSource;
  target: Omit<DistributionSpec, 'source'>;
  /** Notes from parsing the input or checking the credentials, passed on to the caller. */
  warnings?: string[];
  verification?: RegistryVerification[];
}

/**
 * Creates or updates a distribution. With a cloud source: only the PullSecretDistribution, its
 * source named `distribution-<name>` (the controller mints into that Secret), once
 * REGCRED_CLOUD_ALLOW covers every account, role and host of it. Otherwise: its source Secret (`distribution-<name>` in regcred's own
 * namespace, rendered as a pull secret PUT renders it), then the PullSecretDistribution naming it,
 * claimed by this installation (its annotation and finalizer), each conditional on the
 * resourceVersion read. Writes nothing when both are as asked. A lost race is read again and
 * retried; when the distribution cannot be written, the source is put back as it was (deleted if
 * this request created it), so a failure leaves nothing half-written.
 * @throws ValidationError (content too large; a cloud source not allowed), ConflictError (being deleted; another installation's; a foreign source Secret), what the cluster throws
 */
export async function applyDistribution(ports: DistributionPorts, command: ApplyDistribution): Promise<DistributionView> {
  const { cluster, turns, sourceNamespace } = ports;
  if (command.cloud) requireCloudAllowed(command.cloud, ports.cloudAllow);
  const source = command.cloud ? undefined : draftSource(command.name, sourceNamespace, command.registries);
  const sourceName = sourceSecretName(command.name);
  const specOver = (existing: DistributionObject | undefined): DistributionSpec => {
    const where = { secretName: sourceName, namespace: sourceNamespace };
    // A minted token has its own expiry and comes from the registry's own cloud: spec.verify and spec.expiresAt do not apply.
    if (command.cloud) return { ...command.target, source: { ...where, ...command.cloud } };
    // spec.verify has no API field: one set with kubectl stays.
    const verify = command.target.verify ?? existing?.spec.verify;
    return { ...command.target, ...(verify ? { verify } : {}), source: where };
  };
  let sourceWrite: SourceWrite | undefined;
  try {
    const done = await turns.take({
      key: `pullsecretdistribution/${command.name}`,
      round: () => applyRound(ports, { name: command.name, sourceName, draft: source }, specOver, sourceWrite, (w) => (sourceWrite = w)),
      giveUp: () => new StaleWriteError('', command.name, 'pullsecretdistribution'),
    });
    sourceWrite = undefined;
    const view = toDistributionView(done.distribution, sourceNamespace, done.source);
    return {
      ...view,
      result: done.result,
      warnings: [...(command.warnings ?? []), ...view.warnings],
      ...(command.verification ? { verification: command.verification } : {}),
    };
  } finally {
    if (sourceWrite) await restoreSource(cluster, sourceWrite);
  }
}

interface Applied {
  result: WriteResult;
  distribution: DistributionObject;
  source: SecretObject | undefined;
}

/** The distribution's name, its source Secret's, and the source to write (none for a cloud source: the controller mints it). */
interface Names {
  name: string;
  sourceName: string;
  draft: SecretDraft | undefined;
}

/**
 * One read-change-write. A source written is remembered (with what it was before this request's
 * first write) until the distribution is written too: a lost race leaves it for the next round.
 */
async function applyRound(
  { cluster, distributions, sourceNamespace }: DistributionPorts,
  { name, sourceName, draft }: Names,
  specOver: (existing: DistributionObject | undefined) => DistributionSpec,
  earlier: SourceWrite | undefined,
  remember: (write: SourceWrite) => void,
): Promise<Applied | typeof LOST_RACE> {
  const [existing, source] = await Promise.all([distributions.readDistribution(name), cluster.readSecret(sourceNamespace, sourceName)]);
  if (existing?.deletionTimestamp)
    throw new ConflictError(`pullsecretdistribution "${name}" is being deleted; repeat the request once it is gone`);
  if (existing && !isManagedBy(existing, sourceNamespace))
    throw new ConflictError(
      `pullsecretdistribution "${name}" is managed by the regcred installation in namespace "${managingInstallation(existing)}"; change it there`,
    );
  if (source && source.labels[DISTRIBUTION_SOURCE_LABEL] !== name)
    throw new ConflictError(
      `secret "${sourceName}" in namespace "${sourceNamespace}" exists and was not made by regcred for this distribution; it is left as it is`,
    );
  const spec = specOver(existing);
  const specCurrent =
    existing !== undefined &&
    sameSpec(existing.spec, spec) &&
    existing.finalizers.includes(CLEANUP_FINALIZER) &&
    existing.annotations[INSTALLATION_ANNOTATION] === sourceNamespace;
  // The caller's credentials replace the source whole, so it is bound to the live object of this
  // name (or, before there is one, to none: the controller records the binding on first use).
  const boundTo = existing?.uid;
  let written = source;
  if (draft && (!source || !sameSource(source, draft, boundTo))) {
    try {
      written = await writeSource(cluster, draft, source, boundTo);
    } catch (error) {
      if (error instanceof AlreadyExistsError || error instanceof StaleWriteError || error instanceof SecretNotFoundError) return LOST_RACE;
      if (error instanceof NamespaceNotFoundError)
        throw new UnavailableError(`distributions are not available: regcred's own namespace "${sourceNamespace}" does not exist`, 60);
      throw error;
    }
    remember({ before: earlier ? earlier.before : source, written });
  } else if (specCurrent) {
    return { result: 'unchanged', distribution: existing, source };
  }
  try {
    const distribution = specCurrent ? existing : await writeDistribution(distributions, sourceNamespace, name, spec, existing);
    return { result: existing ? 'updated' : 'created', distribution, source: written };
  } catch (error) {
    if (error instanceof StaleWriteError || error instanceof DistributionNotFoundError) return LOST_RACE;
    throw error;
  }
}

/** Writes the object claimed by this installation: its annotation with its finalizer, so no other takes it. */
async function writeDistribution(
  distributions: DistributionPorts['distributions'],
  ownNamespace: string,
  name: string,
  spec: DistributionSpec,
  existing: DistributionObject | undefined,
): Promise<DistributionObject> {
  if (!existing) {
    return distributions.createDistribution({
      name,
      finalizers: [CLEANUP_FINALIZER],
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: { [INSTALLATION_ANNOTATION]: ownNamespace },
      spec,
    });
  }
  return distributions.replaceDistribution({
    name,
    resourceVersion: existing.resourceVersion!,
    finalizers: existing.finalizers.includes(CLEANUP_FINALIZER) ? existing.finalizers : [...existing.finalizers, CLEANUP_FINALIZER],
    labels: { ...existing.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: { ...existing.annotations, [INSTALLATION_ANNOTATION]: ownNamespace },
    spec,
  });
}

/** The spec's meaning, whatever the order of its keys and however absent fields were spelled. */
function sameSpec(a: DistributionSpec, b: DistributionSpec): boolean {
  const canonical = (s: DistributionSpec) => ({
    secretName: s.secretName,
    source: [s.source.secretName, s.source.namespace ?? null, cloudSourceOf(s.source) ?? null],
    namespaces: s.namespaces ?? null,
    namespaceSelector: s.namespaceSelector ?? null,
    excludeNamespaces: s.excludeNamespaces ?? null,
    serviceAccounts: s.serviceAccounts,
    expiresAt: s.expiresAt ?? null,
    verify: s.verify ?? null,
  });
  return isDeepStrictEqual(canonical(a), canonical(b));
}
