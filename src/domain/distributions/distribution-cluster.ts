import { NotFoundError } from '../../errors.js';
import type { ServiceAccountObject } from '../cluster.js';
import type { SecretObject } from '../kubernetes/secret.js';
import type { WatchSource } from '../watch.js';
import type { DistributionDraft, DistributionObject, DistributionStatus } from './distribution.js';

/** A namespace as the distribution controller sees it. */
export interface NamespaceObject {
  name: string;
  uid?: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  /** Being deleted (phase Terminating): nothing new is written there. */
  terminating: boolean;
}

/** Only what tells whether a Pod was admitted before its ServiceAccount was linked. */
export interface PodObject {
  namespace: string;
  name: string;
  serviceAccountName: string;
  imagePullSecrets: string[];
}

/** A coordination.k8s.io/v1 Lease; times are RFC 3339 with microseconds, as the API stores them. */
export interface LeaseObject {
  namespace: string;
  name: string;
  resourceVersion?: string;
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseStore {
  read(namespace: string, name: string): Promise<LeaseObject | undefined>;
  /** @throws StaleWriteError when one of that name exists already */
  create(lease: LeaseObject): Promise<LeaseObject>;
  /** Only if its resourceVersion is still `lease.resourceVersion`. @throws StaleWriteError */
  replace(lease: LeaseObject & { resourceVersion: string }): Promise<LeaseObject>;
}

export interface DistributionEvent {
  distribution: { name: string; uid?: string };
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. `DriftRestored`. */
  reason: string;
  /** Safe to show: never secret material. */
  message: string;
}

/**
 * The port the distribution controller and the /v1/distributions endpoints need besides Cluster:
 * collections to list and watch, the PullSecretDistribution objects, Leases, Events and Pods.
 * Adapters translate failures as Cluster's do (UnavailableError, ValidationError, UpstreamError; a
 * 403 from the API server is a ForbiddenError) and never pass a client's message on.
 */
export interface SecretsLabelledOptions {
  /** Each value replaced by its digest (dataDigest): a cache of many copies holds no secret data. */
  digestData?: boolean;
  /** Only this namespace's. */
  namespace?: string;
  /** What the caller keeps of each Secret, applied as each arrives (a list's page at a time, not the whole list at once). */
  keep?: (secret: SecretObject) => SecretObject;
}

export interface DistributionCluster {
  readonly namespaces: WatchSource<NamespaceObject>;
  /**
   * Secrets in every namespace whose labels match the selector (e.g. `regcred.io/distribution`).
   * With `digestData`, each data value arrives as its dataDigest (desired-copy.ts), page by page,
   * so a cache of many Secrets never holds their data (up to 1 MiB each). With `namespace`, only
   * that namespace's (a narrower watch, and a narrower right).
   */
  secretsLabelled(labelSelector: string, options?: SecretsLabelledOptions): WatchSource<SecretObject>;
  /** ServiceAccounts in every namespace. */
  readonly serviceAccounts: WatchSource<ServiceAccountObject>;
  readonly distributions: WatchSource<DistributionObject>;

  readDistribution(name: string): Promise<DistributionObject | undefined>;
  /** @throws StaleWriteError when one of that name exists already */
  createDistribution(draft: DistributionDraft): Promise<DistributionObject>;
  /** Metadata and spec, only if its resourceVersion is still `draft.resourceVersion`. @throws StaleWriteError, DistributionNotFoundError */
  replaceDistribution(draft: DistributionDraft & { resourceVersion: string }): Promise<DistributionObject>;
  /** The status subresource, replaced whole (only the controller writes it). @throws DistributionNotFoundError */
  replaceDistributionStatus(name: string, status: DistributionStatus): Promise<DistributionObject>;
  /** Asks for deletion; with finalizers the object stays, with a deletionTimestamp, until they are removed. @throws DistributionNotFoundError */
  deleteDistribution(name: string, uid: string): Promise<void>;

  listPods(namespace: string): Promise<PodObject[]>;
  readonly leases: LeaseStore;
  /** Best effort: an event that cannot be recorded is not an error for the caller. */
  recordEvent(event: DistributionEvent): Promise<void>;
}

export class DistributionNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(`pullsecretdistribution "${name}" not found`);
  }
}
