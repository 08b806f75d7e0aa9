import { createHash } from 'node:crypto';
import { cloudSourceKey, providerOf, type CloudSource, type MintedCredential } from '../credentials/cloud-source.js';
import { DOCKER_CONFIG_JSON_TYPE, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';
import { dockerConfigJsonData } from '../secret-manifest/render-secret.js';
import { DISTRIBUTION_SOURCE_LABEL, DISTRIBUTION_UID_ANNOTATION, type DistributionObject } from './distribution.js';

/** On a minted source: which provider minted it, when, until when, and for which cloud source (a digest of it). */
export const CREDENTIAL_PROVIDER_ANNOTATION = 'regcred.io/credential-provider';
export const CREDENTIAL_ISSUED_AT_ANNOTATION = 'regcred.io/credential-issued-at';
export const CREDENTIAL_EXPIRES_AT_ANNOTATION = 'regcred.io/credential-expires-at';
export const CREDENTIAL_SOURCE_ANNOTATION = 'regcred.io/credential-source';

/** A short digest of what a cloud source mints for: a spec change shows as a different one. */
export function cloudSourceDigest(source: CloudSource): string {
  return `sha256:${createHash('sha256').update(cloudSourceKey(source)).digest('hex').slice(0, 16)}`;
}

/**
 * The source Secret holding a minted credential: `.dockerconfigjson` exactly as kubectl renders it
 * for those registries (username, password, auth: only what kubelet reads), labelled for this
 * distribution and bound to this very object, with the token's times beside it so a restarted
 * controller knows when to renew without minting again.
 */
export function mintedSourceDraft(
  where: { namespace: string; name: string },
  distribution: Pick<DistributionObject, 'name' | 'uid'>,
  source: CloudSource,
  minted: MintedCredential,
  existing?: SecretObject,
): SecretDraft {
  return {
    name: where.name,
    namespace: where.namespace,
    type: DOCKER_CONFIG_JSON_TYPE,
    labels: { ...existing?.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_SOURCE_LABEL]: distribution.name },
    annotations: {
      ...existing?.annotations,
      [DISTRIBUTION_UID_ANNOTATION]: distribution.uid ?? '',
      [CREDENTIAL_PROVIDER_ANNOTATION]: providerOf(source),
      [CREDENTIAL_ISSUED_AT_ANNOTATION]: minted.issuedAt.toISOString(),
      [CREDENTIAL_EXPIRES_AT_ANNOTATION]: minted.expiresAt.toISOString(),
      [CREDENTIAL_SOURCE_ANNOTATION]: cloudSourceDigest(source),
    },
    data: dockerConfigJsonData(minted.registries),
    ...(existing?.resourceVersion ? { resourceVersion: existing.resourceVersion } : {}),
  };
}

/** What a stored minted source says of its token, for a given cloud source (undefined: not minted for it). */
export function storedMint(secret: SecretObject | undefined, source: CloudSource): { issuedAt: Date; expiresAt: Date } | undefined {
  if (!secret || secret.annotations[CREDENTIAL_SOURCE_ANNOTATION] !== cloudSourceDigest(source)) return undefined;
  const issuedAt = new Date(secret.annotations[CREDENTIAL_ISSUED_AT_ANNOTATION] ?? '');
  const expiresAt = new Date(secret.annotations[CREDENTIAL_EXPIRES_AT_ANNOTATION] ?? '');
  if (Number.isNaN(issuedAt.getTime()) || Number.isNaN(expiresAt.getTime())) return undefined;
  return { issuedAt, expiresAt };
}
