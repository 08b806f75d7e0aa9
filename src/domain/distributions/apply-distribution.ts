import { isDeepStrictEqual } from 'node:util';
import { ConflictError, UnavailableError } from '../../errors.js';
import { AlreadyExistsError, NamespaceNotFoundError, SecretNotFoundError, StaleWriteError } from '../cluster.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';
import { DOCKER_CONFIG_JSON_TYPE, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';
import { LOST_RACE, writeInTurn } from '../pull-secrets/write-retry.js';
import { dockerConfigJsonData } from '../secret-manifest/render-secret.js';
import type { RegistryVerification } from '../verify/registry-verifier.js';
import type { WriteResult } from '../view-schemas.js';
import { CLEANUP_FINALIZER, DISTRIBUTION_SOURCE_LABEL, type DistributionObject, type DistributionSpec } from './distribution.js';
import { DistributionNotFoundError } from './distribution-cluster.js';
import type { DistributionView } from './distribution-schemas.js';
import { sourceSecretName, toDistributionView, type DistributionPorts } from './distribution-view.js';

/** PUT /v1/distributions/{name}: the credentials and where their copies go. */
export interface ApplyDistribution {
  name: string;
  registries: readonly RegistryCredential[];
  target: Omit<DistributionSpec, 'source'>;
  /** Notes from parsing the input or checking the credentials, passed on to the caller. */
  warnings?: string[];
  verification?: RegistryVerification[];
}

/** The source as this request wrote it, and as it was before (undefined: this request created it). */
interface SourceWrite {
  before: SecretObject | undefined;
  written: SecretObject;
}

/**
 * Creates or updates a distribution: its source Secret (`distribution-<name>` in regcred's own
 * namespace, rendered as a pull secret PUT renders it), then the PullSecretDistribution naming it,
 * each conditional on the resourceVersion read. Writes nothing when both are as asked. A lost race
 * is read again and retried; when the distribution cannot be written, the source is put back as it
 * was (deleted if this request created it), so a failure leaves nothing half-written.
 * @throws ValidationError (content too large), ConflictError (being deleted; a foreign source Secret), what the cluster throws
 */
export async function applyDistribution(ports: DistributionPorts, command: ApplyDistribution): Promise<DistributionView> {
  const { cluster, sourceNamespace } = ports;
  const source = sourceDraftOf(command.name, sourceNamespace, command.registries);
  const spec: DistributionSpec = { ...command.target, source: { secretName: source.name, namespace: sourceNamespace } };
  let sourceWrite: SourceWrite | undefined;
  try {
    const done = await writeInTurn(cluster, {
      key: `pullsecretdistribution/${command.name}`,
      round: () => applyRound(ports, command.name, source, spec, sourceWrite, (w) => (sourceWrite = w)),
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
    if (sourceWrite) await restoreSource(ports, sourceWrite);
  }
}

interface Applied {
  result: WriteResult;
  distribution: DistributionObject;
  source: SecretObject;
}

/**
 * One read-change-write. A source written is remembered (with what it was before this request's
 * first write) until the distribution is written too: a lost race leaves it for the next round.
 */
async function applyRound(
  { cluster, distributions, sourceNamespace }: DistributionPorts,
  name: string,
  draft: SecretDraft,
  spec: DistributionSpec,
  earlier: SourceWrite | undefined,
  remember: (write: SourceWrite) => void,
): Promise<Applied | typeof LOST_RACE> {
  const [existing, source] = await Promise.all([distributions.readDistribution(name), cluster.readSecret(sourceNamespace, draft.name)]);
  if (existing?.deletionTimestamp)
    throw new ConflictError(`pullsecretdistribution "${name}" is being deleted; repeat the request once it is gone`);
  const owner = existing?.spec.source?.namespace;
  if (owner !== undefined && owner !== sourceNamespace)
    throw new ConflictError(
      `pullsecretdistribution "${name}" is managed by the regcred installation in namespace "${owner}"; change it there`,
    );
  if (source && source.labels[DISTRIBUTION_SOURCE_LABEL] !== name)
    throw new ConflictError(
      `secret "${draft.name}" in namespace "${sourceNamespace}" exists and was not made by regcred for this distribution; it is left as it is`,
    );
  const specCurrent = existing !== undefined && sameSpec(existing.spec, spec) && existing.finalizers.includes(CLEANUP_FINALIZER);
  let written = source;
  if (!source || !sameSource(source, draft)) {
    try {
      written = await writeSource(cluster, draft, source);
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
    const distribution = specCurrent ? existing : await writeDistribution(distributions, name, spec, existing);
    return { result: existing ? 'updated' : 'created', distribution, source: written! };
  } catch (error) {
    if (error instanceof StaleWriteError || error instanceof DistributionNotFoundError) return LOST_RACE;
    throw error;
  }
}

function sourceDraftOf(name: string, namespace: string, registries: readonly RegistryCredential[]): SecretDraft {
  return {
    name: sourceSecretName(name),
    namespace,
    type: DOCKER_CONFIG_JSON_TYPE,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_SOURCE_LABEL]: name },
    annotations: {},
    data: dockerConfigJsonData(registries),
  };
}

function sameSource(source: SecretObject, draft: SecretDraft): boolean {
  return (
    source.type === draft.type &&
    isDeepStrictEqual(source.data, draft.data) &&
    Object.entries(draft.labels).every(([key, value]) => source.labels[key] === value)
  );
}

async function writeSource(
  cluster: DistributionPorts['cluster'],
  draft: SecretDraft,
  source: SecretObject | undefined,
): Promise<SecretObject> {
  if (!source) return cluster.createSecret(draft);
  if (source.type !== draft.type || source.immutable)
    throw new ConflictError(
      `secret "${draft.name}" in namespace "${source.namespace}" cannot be updated in place; delete it and repeat the request`,
    );
  const labels = { ...source.labels, ...draft.labels };
  return cluster.replaceSecret({ ...draft, labels, annotations: { ...source.annotations }, resourceVersion: source.resourceVersion! });
}

async function writeDistribution(
  distributions: DistributionPorts['distributions'],
  name: string,
  spec: DistributionSpec,
  existing: DistributionObject | undefined,
): Promise<DistributionObject> {
  if (!existing) {
    return distributions.createDistribution({
      name,
      finalizers: [CLEANUP_FINALIZER],
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: {},
      spec,
    });
  }
  return distributions.replaceDistribution({
    name,
    resourceVersion: existing.resourceVersion!,
    finalizers: existing.finalizers.includes(CLEANUP_FINALIZER) ? existing.finalizers : [...existing.finalizers, CLEANUP_FINALIZER],
    labels: { ...existing.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: existing.annotations,
    spec,
  });
}

/** The spec's meaning, whatever the order of its keys and however absent fields were spelled. */
function sameSpec(a: DistributionSpec, b: DistributionSpec): boolean {
  const canonical = (s: DistributionSpec) => ({
    secretName: s.secretName,
    source: s.source.secretName,
    namespaces: s.namespaces ?? null,
    namespaceSelector: s.namespaceSelector ?? null,
    excludeNamespaces: s.excludeNamespaces ?? null,
    serviceAccounts: s.serviceAccounts,
    expiresAt: s.expiresAt ?? null,
  });
  return isDeepStrictEqual(canonical(a), canonical(b));
}

/**
 * Puts the source back as it was before this request: deletes it when this request created it,
 * else writes the old content back. Only if nobody wrote it since (its resourceVersion and uid are
 * preconditions); best effort: the caller hears of the first error, not of this one.
 */
async function restoreSource({ cluster }: DistributionPorts, { before, written }: SourceWrite): Promise<void> {
  try {
    if (!before) await cluster.deleteSecret(written.namespace, written.name, written.uid!);
    else
      await cluster.replaceSecret({
        name: before.name,
        namespace: before.namespace,
        type: before.type,
        labels: before.labels,
        annotations: before.annotations,
        data: before.data,
        resourceVersion: written.resourceVersion!,
      });
  } catch {
    // Changed or gone meanwhile: no longer ours to put back.
  }
}
