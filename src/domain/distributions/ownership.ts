import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretObject } from '../kubernetes/secret.js';
import { linkedServiceAccountsOf } from './copy-marks.js';
import {
  DISTRIBUTION_LABEL,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  type DistributionObject,
} from './distribution.js';
import { OWNERSHIP_PROOF_ANNOTATION, proves, type ProofKey } from './ownership-proof.js';

/**
 * Which regcred installation manages a distribution: the one whose claim it carries; unclaimed, the
 * one `spec.source.namespace` names; neither, any installation may claim it (the first write wins).
 */
export function managingInstallation(distribution: Pick<DistributionObject, 'annotations' | 'spec'>): string | undefined {
  return distribution.annotations[INSTALLATION_ANNOTATION] ?? distribution.spec.source?.namespace;
}

/** Whether the installation in `ownNamespace` manages the distribution (or may claim it). */
export function isManagedBy(distribution: Pick<DistributionObject, 'annotations' | 'spec'>, ownNamespace: string): boolean {
  return (managingInstallation(distribution) ?? ownNamespace) === ownNamespace;
}

/** A source this distribution may use (`bound`: to it already; else on first use), or why not. */
export type SourceBinding = { source: SecretObject; bound: boolean } | { problem: string };

/**
 * Whether a source Secret may feed this distribution object: it must say so itself (the label
 * `regcred.io/distribution-source=<name>`, which only someone with Secret rights in regcred's own
 * namespace can set), and, once bound, to this very object (its UID). Not yet `bound`: the label allows
 * it and no object was bound yet; the controller records the binding before it copies anything.
 * A missing Secret and one not labelled for this distribution get the same answer: whoever may
 * create a distribution learns nothing of the other Secrets in regcred's namespace.
 */
export function sourceBinding(
  source: SecretObject | undefined,
  distribution: Pick<DistributionObject, 'name' | 'uid' | 'spec'>,
): SourceBinding {
  const named = `source secret "${distribution.spec.source.secretName}"`;
  if (!source || source.labels[DISTRIBUTION_SOURCE_LABEL] !== distribution.name)
    return {
      problem: `${named} does not exist, or is not labelled ${DISTRIBUTION_SOURCE_LABEL}=${distribution.name}, so this distribution may not use it; copies are left as they are`,
    };
  const boundTo = source.annotations[DISTRIBUTION_UID_ANNOTATION];
  if (boundTo === undefined || boundTo === '') return { source, bound: false };
  if (distribution.uid !== undefined && boundTo === distribution.uid) return { source, bound: true };
  return {
    problem: `${named} is bound to an earlier distribution of this name (another object); remove its ${DISTRIBUTION_UID_ANNOTATION} annotation to let this one use it; nothing is copied`,
  };
}

export type CopyOwnership =
  /** Made by this very object: proven (ownershipProof) over its UID, the copy's place and its links. */
  | 'own'
  /** Made, provably, by an earlier object of the same name: left alone. */
  | 'earlier'
  /** Our labels, but nothing proves who made it (versions before the proof, a lost key, a forgery): adopted only where the distribution writes anyway, never removed on its labels' word. */
  | 'unproven'
  /** Not labelled as this distribution's copy at all. */
  | 'foreign';

/**
 * Who made a Secret labelled as a copy. Labels and the UID annotation anyone can set (a UID is
 * public); the proof only regcred can compute, and it binds the namespace, the name and the links.
 */
export function copyOwnership(secret: SecretObject, distribution: Pick<DistributionObject, 'name' | 'uid'>, key: ProofKey): CopyOwnership {
  if (secret.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || secret.labels[DISTRIBUTION_LABEL] !== distribution.name) return 'foreign';
  const uid = secret.annotations[DISTRIBUTION_UID_ANNOTATION];
  if (!uid) return 'unproven';
  let proven = key.checked?.get(secret);
  if (proven === undefined) {
    proven = proves(key, secret.annotations[OWNERSHIP_PROOF_ANNOTATION], {
      distribution: { name: distribution.name, uid },
      copy: { namespace: secret.namespace, name: secret.name },
      linked: linkedServiceAccountsOf(secret),
    });
    key.checked?.set(secret, proven);
  }
  if (!proven) return 'unproven';
  return uid === distribution.uid ? 'own' : 'earlier';
}

/** A copy this very object made (see copyOwnership). */
export function isOwnCopy(secret: SecretObject, distribution: Pick<DistributionObject, 'name' | 'uid'>, key: ProofKey): boolean {
  return copyOwnership(secret, distribution, key) === 'own';
}
