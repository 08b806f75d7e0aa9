import { ConflictError, NotFoundError, UpstreamError, ValidationError } from '../errors.js';
import type { SecretDraft, SecretObject } from './kubernetes/secret.js';
import type { ExistingPod } from './kubernetes/pod.js';

/** A ServiceAccount as regcred sees it: only the image pull secrets it links, none of its other fields. */
export interface ServiceAccountObject {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  /** Names from imagePullSecrets, in order, as stored (duplicates kept). */
  imagePullSecrets: string[];
}

export interface WriteOptions {
  /** Validate on the server (dryRun=All) without storing anything. */
  dryRun?: boolean;
}

export interface SecretListOptions {
  /** Only Secrets of this type. */
  type?: string;
  /** At most this many items. */
  limit: number;
  /** From the previous page of the same listing (same type). */
  continue?: string;
}

export interface SecretPage {
  items: SecretObject[];
  /** Set when more items may follow: pass it back to get them. */
  continue?: string;
}

export interface PodListOptions {
  /** At most this many Pods. */
  limit: number;
  /** From the previous page of the same listing. */
  continue?: string;
}

export interface ServiceAccountListOptions {
  /** At most this many ServiceAccounts. */
  limit: number;
  /** From the previous page of the same listing. */
  continue?: string;
}

export interface ServiceAccountPage {
  items: ServiceAccountObject[];
  /** Set when more ServiceAccounts may follow: pass it back to get them. */
  continue?: string;
}

export interface NamespaceListOptions {
  /** Only namespaces whose labels match this Kubernetes label selector (see label-selector.ts). */
  labelSelector?: string;
  /** At most this many names. */
  limit: number;
  /** From the previous page of the same listing (same selector). */
  continue?: string;
}

export interface NamespacePage {
  names: string[];
  /** Set when more names may follow: pass it back to get them. */
  continue?: string;
}

export interface PodPage {
  pods: ExistingPod[];
  /** Set when more Pods may follow: pass it back to get them. */
  continue?: string;
}

/** The waiting reasons of a container held up by its image; every other waiting reason (ContainerCreating…) is not a pull's. */
export const PULL_WAITING_REASONS: readonly string[] = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'];

/**
 * The port: the few operations regcred needs from a Kubernetes cluster. Adapters (real API
 * server, embedded in-memory) translate their failures into the errors below or into
 * errors.ts kinds (UnavailableError when the cluster does not answer in time, ValidationError
 * when it rejects an object, UpstreamError otherwise); they never pass a client's message on.
 */
export interface Cluster {
  /** Human-readable: which cluster this is, for the start-up line and /readyz. */
  readonly description: string;
  /** The Secret, or undefined when there is none of that name (also when the namespace is missing). */
  readSecret(namespace: string, name: string): Promise<SecretObject | undefined>;
  /**
   * One page of a namespace's Secrets, by name, only those of `options.type` when given (the API
   * server's fieldSelector type=...); empty for a namespace that does not exist. A page may hold fewer
   * than `limit` items and still have a `continue`. @throws ContinueTokenError
   */
  listSecrets(namespace: string, options: SecretListOptions): Promise<SecretPage>;
  /** @throws AlreadyExistsError, NamespaceNotFoundError */
  createSecret(draft: SecretDraft, options?: WriteOptions): Promise<SecretObject>;
  /** Replaces the Secret only if its resourceVersion still equals `draft.resourceVersion`. @throws StaleWriteError, SecretNotFoundError */
  replaceSecret(draft: SecretDraft & { resourceVersion: string }, options?: WriteOptions): Promise<SecretObject>;
  /** Deletes only the Secret with this uid (a precondition), so a re-created one is never removed by mistake. @throws SecretNotFoundError, StaleWriteError */
  deleteSecret(namespace: string, name: string, uid: string, options?: WriteOptions): Promise<void>;
  namespaceExists(namespace: string): Promise<boolean>;
  /** The ServiceAccount, or undefined when there is none of that name (also when the namespace is missing). */
  readServiceAccount(namespace: string, name: string): Promise<ServiceAccountObject | undefined>;
  /**
   * One page of a namespace's ServiceAccounts, by name; empty for a namespace that does not exist. A
   * page may hold fewer than `limit` items and still have a `continue`. @throws ContinueTokenError
   */
  listServiceAccounts(namespace: string, options: ServiceAccountListOptions): Promise<ServiceAccountPage>;
  /**
   * Sets imagePullSecrets to exactly these names, in this order, only if the ServiceAccount's
   * resourceVersion still equals `resourceVersion`; every other field stays as it is.
   * @throws StaleWriteError, ServiceAccountNotFoundError (also when the namespace is missing)
   */
  setServiceAccountPullSecrets(
    namespace: string,
    name: string,
    secretNames: string[],
    resourceVersion: string,
    options?: WriteOptions,
  ): Promise<ServiceAccountObject>;
  /**
   * One page of namespace names, by name, optionally only those whose labels match a Kubernetes label
   * selector (a=b, a!=b, a in (x,y), a notin (x), a, !a; see label-selector.ts). A page may hold fewer
   * than `limit` names and still have a `continue`.
   * @throws LabelSelectorError when the selector does not parse; ContinueTokenError
   */
  listNamespaces(options: NamespaceListOptions): Promise<NamespacePage>;
  /** The Pod as admitted, with its containers waiting on a pull; undefined when there is none of that name (also when the namespace is missing). */
  readPod(namespace: string, name: string): Promise<ExistingPod | undefined>;
  /**
   * One page of a namespace's Pods, by name; empty for a namespace that does not exist. A page may hold
   * fewer than `limit` Pods and still have a `continue`. @throws ContinueTokenError
   */
  listPods(namespace: string, options: PodListOptions): Promise<PodPage>;
  /** Resolves when the cluster answers; @throws UnavailableError otherwise. */
  ping(): Promise<void>;
}

export class NamespaceNotFoundError extends NotFoundError {
  constructor(readonly namespace: string) {
    super(`namespace "${namespace}" does not exist; regcred never creates namespaces`);
  }
}

/** The namespace is Terminating: nothing can be created in it any more (what exists can still be changed). */
export class NamespaceTerminatingError extends ConflictError {
  constructor(readonly namespace: string) {
    super(`namespace "${namespace}" is being deleted; no Secrets can be written to it`);
  }
}

export class SecretNotFoundError extends NotFoundError {
  constructor(namespace: string, name: string) {
    super(`secret "${name}" not found in namespace "${namespace}"`);
  }
}

export class PodNotFoundError extends NotFoundError {
  constructor(namespace: string, name: string) {
    super(`pod "${name}" not found in namespace "${namespace}"`);
  }
}

export class AlreadyExistsError extends ConflictError {
  constructor(
    readonly namespace: string,
    readonly secretName: string,
  ) {
    super(`secret "${secretName}" already exists in namespace "${namespace}"; use PUT to create or update it`);
  }
}

export class ServiceAccountNotFoundError extends NotFoundError {
  constructor(namespace: string, name: string) {
    super(`serviceaccount "${name}" not found in namespace "${namespace}"`);
  }
}

/** The object changed between read and write (optimistic concurrency); the caller may retry. */
export class StaleWriteError extends ConflictError {
  constructor(namespace: string, name: string, kind: 'secret' | 'serviceaccount' | 'lease' | 'pullsecretdistribution' = 'secret') {
    const where = namespace ? ` in namespace "${namespace}"` : '';
    super(`${kind} "${name}"${where} was changed concurrently; retry the request`);
  }
}

/** A continue token the cluster did not hand out, or one it no longer honours (the API server's expire after minutes). */
export class ContinueTokenError extends ValidationError {
  constructor(expired: boolean) {
    const message = expired
      ? 'has expired; list again from the start (without "continue")'
      : 'is not a continue token from this listing; list again from the start (without "continue")';
    super(`the continue token ${message}`, [{ path: 'continue', code: expired ? 'expired' : 'invalid_continue', message }]);
  }
}

/** The API server refused regcred itself (HTTP 403): its own RBAC lacks a permission. */
export class ClusterPermissionError extends UpstreamError {}
