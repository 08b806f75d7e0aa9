import {
  DOCKER_CONFIG_JSON_TYPE,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  replacementOf,
  type SecretDraft,
  type SecretObject,
} from '../kubernetes/secret.js';
import type { DesiredCopy } from './desired-copy.js';
import { OWNERSHIP_PROOF_ANNOTATION, ownershipProof, type ProofKey } from './ownership-proof.js';
import {
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  LINKED_SERVICE_ACCOUNTS_ANNOTATION,
  type DistributionObject,
} from './distribution.js';

/** The ServiceAccounts whose reference to this copy regcred added, as recorded on the copy. */
export function linkedServiceAccountsOf(copy: Pick<SecretObject, 'annotations'>): string[] {
  const recorded = copy.annotations[LINKED_SERVICE_ACCOUNTS_ANNOTATION];
  return recorded ? recorded.split(',').filter((name) => name !== '') : [];
}

/**
 * A copy as the distribution writes it: the desired content and every ownership mark (our labels,
 * the distribution's UID, the links it added), over whatever others added to the copy (kept: not ours to remove).
 */
export function copyDraft(
  key: ProofKey,
  distribution: Pick<DistributionObject, 'name' | 'uid' | 'spec'>,
  desired: DesiredCopy,
  namespace: string,
  linked: readonly string[],
  copy?: SecretObject,
): SecretDraft {
  const { [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: _linked, ...annotations } = copy?.annotations ?? {};
  const name = distribution.spec.secretName;
  const uid = distribution.uid ?? '';
  return {
    name,
    namespace,
    type: DOCKER_CONFIG_JSON_TYPE,
    labels: { ...copy?.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_LABEL]: distribution.name },
    annotations: {
      ...annotations,
      [CONTENT_HASH_ANNOTATION]: desired.contentHash,
      [DISTRIBUTION_UID_ANNOTATION]: uid,
      ...(linked.length > 0 ? { [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: [...linked].sort().join(',') } : {}),
      [OWNERSHIP_PROOF_ANNOTATION]: ownershipProof(key, {
        distribution: { name: distribution.name, uid },
        copy: { namespace, name },
        linked,
      }),
    },
    data: { ...desired.data },
  };
}

/** Whether the copy carries exactly these links (order aside). */
export function sameLinks(copy: Pick<SecretObject, 'annotations'>, linked: readonly string[]): boolean {
  const recorded = linkedServiceAccountsOf(copy);
  return recorded.length === linked.length && [...recorded].sort().join(',') === [...linked].sort().join(',');
}

/**
 * An orphaned copy: its content and the labels and annotations others set, without the marks that
 * bind it to a distribution, so no later distribution of the same name can take it back.
 */
export function withoutOwnershipMarks(copy: SecretObject): SecretDraft & { resourceVersion: string } {
  const { [DISTRIBUTION_LABEL]: _name, ...labels } = copy.labels;
  const {
    [DISTRIBUTION_UID_ANNOTATION]: _uid,
    [LINKED_SERVICE_ACCOUNTS_ANNOTATION]: _linked,
    [CONTENT_HASH_ANNOTATION]: _hash,
    [OWNERSHIP_PROOF_ANNOTATION]: _proof,
    ...annotations
  } = copy.annotations;
  return replacementOf(copy, { labels, annotations });
}
