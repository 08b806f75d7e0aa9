import { ConflictError, NotFoundError } from '../../errors.js';
import { NamespaceNotFoundError, SecretNotFoundError, StaleWriteError, type Cluster } from '../cluster.js';
import { assertNotDistributionSource } from './distribution-sources.js';
import { referencedBy } from './service-account-pages.js';
import { withoutLastApplied } from './last-applied.js';
import { toPullSecretView } from '../secret-manifest/redact-secret.js';
import { renderPullSecret } from '../secret-manifest/render-secret.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';
import { DOCKER_CFG_TYPE, isPullSecretType, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';
import type { RegistryVerification } from '../verify/registry-verifier.js';
import { LOST_RACE } from './write-turns.js';
import { VERIFICATION_ANNOTATION, verificationAnnotationValue } from '../verify/verification-annotation.js';
import type { PullSecretView, WriteResult } from '../view-schemas.js';

/** Everything a write needs: where, what, and how. */
export interface PullSecretWrite {
  namespace: string;
  name: string;
  registries: RegistryCredential[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  appendHash?: boolean;
  dryRun?: boolean;
  /** Notes from parsing the input (e.g. fields dropped from a config.json), passed on to the caller. */
  warnings?: string[];
  /** What the registries answered when the credentials were checked just now, if they were. */
  verification?: RegistryVerification[];
}

/** What a write did, before it is described: the Secret as stored (or as a dry run would store it). */
export interface DraftWritten {
  secret: SecretObject;
  result: WriteResult;
  /** What the write changed beyond the request (kubectl's last-applied annotation dropped). */
  warnings: string[];
}

/** The queue key of a Secret's writes (see WriteTurns). */
export const secretKey = (namespace: string, name: string): string => `secret/${namespace}/${name}`;

/**
 * One round's replace: nothing when `desired` has the same content (`unchanged`), else a replace
 * conditional on the read resourceVersion (`updated`), or LOST_RACE when someone wrote meanwhile.
 * kubectl's last-applied-configuration annotation is dropped from what is written (and a warning says so).
 */
export async function replaceIfChanged(
  cluster: Cluster,
  existing: SecretObject,
  desired: SecretDraft,
  dryRun: boolean | undefined,
): Promise<DraftWritten | typeof LOST_RACE> {
  const { annotations, warnings } = withoutLastApplied(desired.annotations);
  if (sameContent(existing, { ...desired, annotations })) return { secret: existing, result: 'unchanged', warnings: [] };
  try {
    const replaced = await cluster.replaceSecret({ ...desired, annotations, resourceVersion: existing.resourceVersion! }, { dryRun });
    return { secret: replaced, result: 'updated', warnings };
  } catch (error) {
    if (error instanceof StaleWriteError || error instanceof SecretNotFoundError) return LOST_RACE;
    throw error;
  }
}

/**
 * Creates the pull secret; refuses when any Secret of that name exists (kubectl create semantics),
 * a distribution's source included: the create never overwrites, and the Secret in the way is not
 * read for a caller who may only create.
 */
export async function createDraft(cluster: Cluster, draft: SecretDraft, dryRun?: boolean): Promise<DraftWritten> {
  return { secret: await cluster.createSecret(draft, { dryRun }), result: 'created', warnings: [] };
}

/** The redacted view; with `withReferences`, also the ServiceAccounts that reference the secret. */
export async function getPullSecret(cluster: Cluster, namespace: string, name: string, withReferences = false): Promise<PullSecretView> {
  const [secret, references] = await Promise.all([
    readPullSecret(cluster, namespace, name),
    withReferences ? referencedBy(cluster, namespace, [name]) : undefined,
  ]);
  return { ...toPullSecretView(secret), ...(references ? { referencedBy: references.get(name)! } : {}) };
}

export async function readPullSecret(cluster: Cluster, namespace: string, name: string): Promise<SecretObject> {
  const secret = await cluster.readSecret(namespace, name);
  if (!secret) {
    if (!(await cluster.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
    throw new NotFoundError(`pull secret "${name}" not found in namespace "${namespace}"`);
  }
  if (!isPullSecretType(secret.type)) {
    throw new ConflictError(
      `secret "${name}" in namespace "${namespace}" is of type "${secret.type}", not an image pull secret; regcred only reads and deletes kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg Secrets`,
    );
  }
  return secret;
}

/** The Secret a write asks for, rendered from its registries, labels and annotations (and its verification). */
export function draftPullSecret(write: PullSecretWrite): SecretDraft {
  const manifest = renderPullSecret({
    name: write.name,
    namespace: write.namespace,
    registries: write.registries,
    labels: write.labels,
    annotations: write.annotations,
    appendHash: write.appendHash,
  });
  return {
    name: manifest.metadata.name,
    namespace: write.namespace,
    type: manifest.type,
    labels: manifest.metadata.labels ?? {},
    annotations: {
      ...manifest.metadata.annotations,
      ...(write.verification ? { [VERIFICATION_ANNOTATION]: verificationAnnotationValue(write.verification) } : {}),
    },
    data: manifest.data,
  };
}

/** Refuses to overwrite a distribution's source, another type, or an immutable Secret. @throws ConflictError */
export function assertRegcredMayOverwrite(existing: SecretObject): void {
  assertNotDistributionSource(existing);
  const where = `secret "${existing.name}" in namespace "${existing.namespace}"`;
  if (existing.type === DOCKER_CFG_TYPE) {
    throw new ConflictError(
      `${where} is a legacy kubernetes.io/dockercfg pull secret and a Secret's type cannot change; delete it (DELETE /v1/namespaces/${existing.namespace}/pullsecrets/${existing.name}) and write it again`,
    );
  }
  if (!isPullSecretType(existing.type)) {
    throw new ConflictError(
      `${where} exists with type "${existing.type}", not kubernetes.io/dockerconfigjson; regcred never overwrites other Secrets: choose another name or remove that Secret yourself`,
    );
  }
  if (existing.immutable) {
    throw new ConflictError(`${where} is immutable (immutable: true) and cannot be updated; delete it and write it again`);
  }
}

function sameContent(existing: SecretObject, desired: SecretDraft): boolean {
  return (
    existing.type === desired.type &&
    sameMap(existing.data, desired.data) &&
    sameMap(existing.labels, desired.labels) &&
    sameMap(existing.annotations, desired.annotations)
  );
}

export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * The caller's view of what a write did: the request's notes and verification beside the Secret's
 * redacted view; a write that changed nothing is not called a dry run, and adds no notes of its own.
 */
export function describeWrite(
  { secret, result, warnings }: DraftWritten,
  request: Pick<PullSecretWrite, 'dryRun' | 'warnings' | 'verification'>,
): PullSecretView {
  const dryRun = result !== 'unchanged' && request.dryRun;
  const notes = [...(request.warnings ?? []), ...(result === 'unchanged' ? [] : warnings)];
  const view = toPullSecretView(secret);
  return {
    ...view,
    result,
    ...(dryRun ? { dryRun: true } : {}),
    ...(request.verification ? { verification: request.verification } : {}),
    warnings: [...notes, ...view.warnings],
  };
}
