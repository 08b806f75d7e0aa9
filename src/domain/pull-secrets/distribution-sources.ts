import { ConflictError } from '../../errors.js';
import { DISTRIBUTION_SOURCE_LABEL, type SecretObject } from '../kubernetes/secret.js';

// A distribution's source is changed only through /v1/distributions/{name}, which checks the caller's
// distribution rights and binds the source to its object. A per-namespace write over it would hand the
// controller (of this or another regcred installation in the cluster) the caller's credentials to copy
// into every namespace the distribution targets: a confused deputy. Copies (regcred.io/distribution)
// are not refused: a write over one changes only that namespace, and the controller restores it.

/**
 * Refuses a per-namespace write or delete of a Secret labelled as a distribution's source. Called on
 * the Secret as read, after the caller was authorised and before anything is written.
 * @throws ConflictError naming the distribution and where its source is changed
 */
export function assertNotDistributionSource(secret: Pick<SecretObject, 'name' | 'namespace' | 'labels'>): void {
  const refusal = sourceRefusal(secret);
  if (refusal) throw refusal;
}

function sourceRefusal(secret: Pick<SecretObject, 'name' | 'namespace' | 'labels'>): ConflictError | undefined {
  if (!Object.hasOwn(secret.labels, DISTRIBUTION_SOURCE_LABEL)) return undefined;
  const distribution = secret.labels[DISTRIBUTION_SOURCE_LABEL];
  return new ConflictError(
    `secret "${secret.name}" in namespace "${secret.namespace}" is the source of distribution "${distribution}" and is changed through /v1/distributions/${distribution}; no /v1/namespaces/… or /v1/pullsecrets/… call writes or deletes it`,
  );
}
