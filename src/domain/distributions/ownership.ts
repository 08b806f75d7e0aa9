import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretObject } from '../kubernetes/secret.js';
import {
  DISTRIBUTION_LABEL,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  type DistributionObject,
} from './distribution.js';

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

export type SourceBinding = { bound: true } | { bound: false; firstUse: true } | { problem: string };

/**
 * Whether a source Secret may feed this distribution object: it must say so itself (the label
 * `regcred.io/distribution-source=<name>`, which only someone with Secret rights in regcred's own
 * namespace can set), and, once bound, to this very object (its UID). `firstUse`: the label allows
 * it and no object was bound yet; the controller records the binding before it copies anything.
 */
export function sourceBinding(source: SecretObject, distribution: Pick<DistributionObject, 'name' | 'uid'>): SourceBinding {
  const named = `source secret "${source.name}"`;
  if (source.labels[DISTRIBUTION_SOURCE_LABEL] !== distribution.name)
    return {
      problem: `${named} is not labelled ${DISTRIBUTION_SOURCE_LABEL}=${distribution.name}, so it may not be used by this distribution; nothing is copied`,
    };
  const boundTo = source.annotations[DISTRIBUTION_UID_ANNOTATION];
  if (boundTo === undefined || boundTo === '') return { bound: false, firstUse: true };
  if (distribution.uid !== undefined && boundTo === distribution.uid) return { bound: true };
  return {
    problem: `${named} is bound to an earlier distribution of this name (another object); remove its ${DISTRIBUTION_UID_ANNOTATION} annotation to let this one use it; nothing is copied`,
  };
}

/**
 * Whether a Secret is a copy this distribution object made: our managed-by label, its name label and
 * its UID. Labels anyone can set are not enough alone; the UID is what no other object has.
 */
export function isOwnCopy(secret: SecretObject, distribution: Pick<DistributionObject, 'name' | 'uid'>): boolean {
  return (
    secret.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    secret.labels[DISTRIBUTION_LABEL] === distribution.name &&
    distribution.uid !== undefined &&
    secret.annotations[DISTRIBUTION_UID_ANNOTATION] === distribution.uid
  );
}

/**
 * A copy written before copies carried their distribution's UID (regcred before this mark): our
 * labels and content hash but no UID. Adopted only where the distribution writes anyway (a
 * targeted namespace, its own secret name), never removed on the labels' word.
 */
export function isUnmarkedCopy(secret: SecretObject, distribution: Pick<DistributionObject, 'name'>): boolean {
  return (
    secret.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    secret.labels[DISTRIBUTION_LABEL] === distribution.name &&
    secret.annotations[DISTRIBUTION_UID_ANNOTATION] === undefined
  );
}
