import type { AcrSource, EcrSource, GoogleArtifactRegistrySource } from '../credentials/cloud-source.js';
import type { Condition, CredentialStatus } from '../credentials/credential-status.js';

/**
 * PullSecretDistribution (regcred.io/v1alpha1, cluster-scoped): one pull secret kept in every
 * namespace it selects. The object holds no secret material; its credentials live in a source
 * Secret in regcred's own namespace, which `spec.source.secretName` names.
 */
export const DISTRIBUTION_GROUP = 'regcred.io';
export const DISTRIBUTION_VERSION = 'v1alpha1';
export const DISTRIBUTION_KIND = 'PullSecretDistribution';
export const DISTRIBUTION_PLURAL = 'pullsecretdistributions';

/** On every copy: which distribution made it (the only copies a distribution ever changes or removes). */
export const DISTRIBUTION_LABEL = 'regcred.io/distribution';
/** On a source Secret: the distribution whose credentials it holds. */
export { DISTRIBUTION_SOURCE_LABEL } from '../kubernetes/secret.js';
/**
 * On a copy: the UID of the distribution object that made it; on a source: the UID of the one
 * distribution object allowed to use it (recorded on first use). A name alone proves nothing: a
 * later object of the same name has another UID.
 */
export const DISTRIBUTION_UID_ANNOTATION = 'regcred.io/distribution-uid';
/** On a copy: the ServiceAccounts (comma-separated) whose reference to it regcred added, the only ones it removes. */
export const LINKED_SERVICE_ACCOUNTS_ANNOTATION = 'regcred.io/linked-service-accounts';
/**
 * On a distribution: the namespace of the regcred installation that claimed it (with its finalizer).
 * Only that installation reconciles it and finishes its deletion; every other leaves it alone.
 */
export const INSTALLATION_ANNOTATION = 'regcred.io/installation';
/** On a copy: the content hash it was written with. */
export const CONTENT_HASH_ANNOTATION = 'regcred.io/content-hash';
/** A namespace labelled `regcred.io/exclude=true` gets no copy from any distribution. */
export const EXCLUDE_NAMESPACE_LABEL = 'regcred.io/exclude';
/** Keeps a distribution until the copies and links it made are removed (also across a restart mid-way). */
export const CLEANUP_FINALIZER = 'regcred.io/cleanup';
/** Set by `DELETE ?orphan=true`: the deletion leaves the copies and links where they are. */
export const ORPHAN_ANNOTATION = 'regcred.io/orphan';
/** A ServiceAccounts entry meaning every ServiceAccount of a namespace, present and future. */
export const ALL_SERVICE_ACCOUNTS = '*';

export interface DistributionSpec {
  /** Name of the Secret in each namespace. */
  secretName: string;
  /**
   * The Secret holding the credentials. `namespace` says which regcred installation manages the
   * distribution (the one running in that namespace); absent, every installation's controller
   * takes it as its own — set it when one cluster runs more than one regcred.
   */
  source: DistributionSource;
  /** Namespaces by name (present or future). With a selector too, a namespace in either is targeted. */
  namespaces?: string[];
  /** A label selector over namespaces. */
  namespaceSelector?: string;
  /** Never targeted, whatever else matches (the service's deny list applies besides). */
  excludeNamespaces?: string[];
  /** [] none, names, or ['*'] for every ServiceAccount. */
  serviceAccounts: string[];
  /** When the credential expires (RFC 3339), shown as a metric; nothing stops at that time. */
  expiresAt?: string;
  /**
   * `required`: a new source content reaches no copy until every registry in it has accepted the
   * credentials (for sources changed with kubectl; the API checks with `?verify=required` itself).
   */
  verify?: 'required';
}

/**
 * Where a distribution's credential comes from: the Secret `secretName` in regcred's own namespace,
 * written by a person or the API; or, with one cloud provider given, minted by regcred with its own
 * cloud identity into that Secret (which must then be `distribution-<name>`) and renewed before it
 * expires.
 */
export interface DistributionSource {
  secretName: string;
  namespace?: string;
  ecr?: EcrSource;
  googleArtifactRegistry?: GoogleArtifactRegistrySource;
  acr?: AcrSource;
}

/** The source Secret the API writes for a distribution, and the one a cloud-sourced distribution's mint goes to. */
export const sourceSecretName = (distribution: string): string => `distribution-${distribution}`;

export const NAMESPACE_STATES = ['inSync', 'pending', 'drifted-restored', 'forbidden', 'failed', 'excluded'] as const;
export type NamespaceState = (typeof NAMESPACE_STATES)[number];

export interface NamespaceStatus {
  namespace: string;
  state: NamespaceState;
  /** The content hash the copy in this namespace has (absent when there is none). */
  contentHash?: string;
  /** When regcred last wrote or confirmed this copy (RFC 3339). */
  lastSynced?: string;
  /** Why the namespace is failed, forbidden, excluded or pending, in words safe to show. */
  reason?: string;
}

export interface PodLackingSecret {
  namespace: string;
  name: string;
  serviceAccountName: string;
}

export interface DistributionStatus {
  observedGeneration?: number;
  /** The hash of the source's content: a copy with it is current. */
  contentHash?: string;
  /** When the content hash last changed: the start of a rotation. */
  contentChangedAt?: string;
  /** With spec.verify=required: the content hash the registries last accepted. */
  verifiedContentHash?: string;
  /** When every targeted copy first carried contentHash after that change. */
  rolledOutAt?: string;
  counts?: Partial<Record<NamespaceState, number>> & { targeted: number; current: number };
  namespaces?: NamespaceStatus[];
  /** Pods created before their ServiceAccount was linked: they run without the secret until re-created. */
  podsLackingSecret?: PodLackingSecret[];
  /** With a cloud source: when the minted token expires and is renewed. */
  credential?: CredentialStatus;
  /** With a cloud source: `Ready` (True: a live token, Refreshed or TokenTooShortForRollout; False: RefreshFailed, TokenExpired, NotAllowed). */
  conditions?: Condition[];
  /** Why nothing could be distributed (e.g. the source Secret is missing), if so. */
  message?: string;
  lastReconciled?: string;
}

/** A PullSecretDistribution as the port hands it over. */
export interface DistributionObject {
  name: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** Set once deletion was asked for: the controller cleans up, then removes its finalizer. */
  deletionTimestamp?: string;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: DistributionSpec;
  status?: DistributionStatus;
}

/** What regcred asks the cluster to store: metadata and spec (status is written on its own). */
export type DistributionDraft = Omit<DistributionObject, 'uid' | 'generation' | 'deletionTimestamp' | 'status'>;

/** A conditional replace of the object's metadata and spec as they were read (status is written on its own). */
export function draftDistribution(distribution: DistributionObject): DistributionDraft & { resourceVersion: string } {
  const { name, finalizers, labels, annotations, spec } = distribution;
  return { name, finalizers, labels, annotations, spec, resourceVersion: distribution.resourceVersion ?? '' };
}
