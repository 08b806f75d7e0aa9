import { isDeepStrictEqual } from 'node:util';
import { ConflictError } from '../../errors.js';
import type { Cluster } from '../cluster.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';
import {
  DOCKER_CONFIG_JSON_TYPE,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  replacementOf,
  type SecretDraft,
  type SecretObject,
} from '../kubernetes/secret.js';
import { dockerConfigJsonData } from '../secret-manifest/render-secret.js';
import { DISTRIBUTION_SOURCE_LABEL, DISTRIBUTION_UID_ANNOTATION } from './distribution.js';
import { sourceSecretName } from './distribution-view.js';
import {
  CREDENTIAL_EXPIRES_AT_ANNOTATION,
  CREDENTIAL_ISSUED_AT_ANNOTATION,
  CREDENTIAL_PROVIDER_ANNOTATION,
  CREDENTIAL_SOURCE_ANNOTATION,
} from './minted-source.js';

const MINT_ANNOTATIONS = [
  CREDENTIAL_PROVIDER_ANNOTATION,
  CREDENTIAL_ISSUED_AT_ANNOTATION,
  CREDENTIAL_EXPIRES_AT_ANNOTATION,
  CREDENTIAL_SOURCE_ANNOTATION,
];

// The source Secret a distribution PUT writes, and puts back when the distribution cannot be written.

/** The source as this request wrote it, and as it was before (undefined: this request created it). */
export interface SourceWrite {
  before: SecretObject | undefined;
  written: SecretObject;
}

/** The source Secret a PUT asks for: `distribution-<name>` in regcred's own namespace, rendered as a pull secret PUT renders it. */
export function draftSource(name: string, namespace: string, registries: readonly RegistryCredential[]): SecretDraft {
  return {
    name: sourceSecretName(name),
    namespace,
    type: DOCKER_CONFIG_JSON_TYPE,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_SOURCE_LABEL]: name },
    annotations: {},
    data: dockerConfigJsonData(registries),
  };
}

/** Whether the source is as asked: content, labels, and bound to no other object than `boundTo` (unbound is fine). */
export function sameSource(source: SecretObject, draft: SecretDraft, boundTo: string | undefined): boolean {
  const binding = source.annotations[DISTRIBUTION_UID_ANNOTATION];
  return (
    source.type === draft.type &&
    isDeepStrictEqual(source.data, draft.data) &&
    Object.entries(draft.labels).every(([key, value]) => source.labels[key] === value) &&
    (binding === undefined || binding === boundTo)
  );
}

/**
 * Writes the caller's source whole: its content, our labels, and the binding to the object `boundTo`
 * (or none, a stale one removed), without a mint's annotations. Labels and annotations others set are kept.
 * @throws ConflictError (immutable, or another type), what the cluster throws
 */
export async function writeSource(
  cluster: Cluster,
  draft: SecretDraft,
  source: SecretObject | undefined,
  boundTo: string | undefined,
): Promise<SecretObject> {
  const binding: Record<string, string> = boundTo ? { [DISTRIBUTION_UID_ANNOTATION]: boundTo } : {};
  if (!source) return cluster.createSecret({ ...draft, annotations: { ...draft.annotations, ...binding } });
  if (source.type !== draft.type || source.immutable)
    throw new ConflictError(
      `secret "${draft.name}" in namespace "${source.namespace}" cannot be updated in place; delete it and repeat the request`,
    );
  const labels = { ...source.labels, ...draft.labels };
  // A mint's annotations go with its content: left on the caller's credentials, a later switch back
  // to the same cloud source would take them for a live token and not mint.
  const annotations = Object.fromEntries(
    Object.entries(source.annotations).filter(([key]) => key !== DISTRIBUTION_UID_ANNOTATION && !MINT_ANNOTATIONS.includes(key)),
  );
  return cluster.replaceSecret({ ...draft, labels, annotations: { ...annotations, ...binding }, resourceVersion: source.resourceVersion! });
}

/**
 * Puts the source back as it was before this request: deletes it when this request created it,
 * else writes the old content back. Only if nobody wrote it since (its resourceVersion and uid are
 * preconditions); best effort: the caller hears of the first error, not of this one.
 */
export async function restoreSource(cluster: Cluster, { before, written }: SourceWrite): Promise<void> {
  try {
    if (!before) await cluster.deleteSecret(written.namespace, written.name, written.uid!);
    // Conditional on what this request wrote: a later write is not ours to undo.
    else await cluster.replaceSecret({ ...replacementOf(before), resourceVersion: written.resourceVersion! });
  } catch {
    // Changed or gone meanwhile: no longer ours to put back.
  }
}
