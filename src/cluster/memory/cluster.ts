import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  NamespaceNotFoundError,
  NamespaceTerminatingError,
  SecretNotFoundError,
  StaleWriteError,
  type Cluster,
  type NamespaceListOptions,
  type NamespacePage,
  type PodListOptions,
  type PodPage,
  type SecretListOptions,
  type SecretPage,
  type ServiceAccountListOptions,
  type ServiceAccountObject,
  type ServiceAccountPage,
  type WriteOptions,
} from '../../domain/cluster.js';
import { matchesLabelSelector, parseLabelSelector } from '../../domain/kubernetes/label-selector.js';
import type { SecretDraft, SecretObject } from '../../domain/kubernetes/secret.js';
import type { ExistingPod } from '../../domain/kubernetes/pod.js';
import type { NamespaceObject } from '../../domain/distributions/distribution-cluster.js';
import { UpstreamError, ValidationError, type FieldError } from '../../errors.js';
import { toKubernetesTimestamp } from '../timestamp.js';
import { continueTokenAfter, nameInContinueToken, pageAfter } from './continue-token.js';
import { MemoryNamespaces } from './namespaces.js';
import { MemoryPods, type PodContainerState, type SeedPod } from './pods.js';
import { MemoryServiceAccounts, type SeedServiceAccount } from './service-accounts.js';
import { undecodableDataKeys, validateSecret, validateSecretUpdate } from './validation.js';
import { MemoryChangeLog } from './watch.js';

/** A namespace of the in-memory cluster, with the labels that listNamespaces selects on. */
export interface MemoryNamespace {
  name: string;
  labels?: Record<string, string>;
}

export interface MemoryClusterOptions {
  namespaces: readonly (string | MemoryNamespace)[];
  /** Changes kept for watches to resume from (default 10,000); an older resourceVersion gets WatchExpiredError. */
  historyLimit?: number;
  /** …and at most this many bytes of them (default 32 MiB): each change of a Secret keeps its data twice. */
  historyBytes?: number;
}

/** A Secret to place in the store behind the port's back (tests), e.g. an immutable one. */
export type SeedSecret = Omit<SecretDraft, 'resourceVersion'> & { immutable?: boolean };

/**
 * The embedded cluster: the Cluster port kept in process memory, with the API server's semantics
 * (uids, increasing resourceVersions, optimistic concurrency, uid preconditions, dry runs,
 * validation). Nothing is persisted; objects are copied in and out so callers cannot change the store.
 */
export class MemoryCluster implements Cluster {
  readonly description: string;
  /** Every change to namespaces, Secrets and ServiceAccounts, for watches (distributions.ts). */
  readonly changes: MemoryChangeLog;
  private readonly secretsByNamespace = new Map<string, Map<string, SecretObject>>();
  private readonly namespaces: MemoryNamespaces;
  private readonly serviceAccounts = new MemoryServiceAccounts(
    (namespace) => this.namespaces.has(namespace),
    () => this.nextResourceVersion(),
    (type, account, previous) => this.changes.record('serviceaccounts', type, account, previous),
  );

  /** The Pods: seeded by tests (nothing here schedules or runs them), read through the port. */
  readonly pods: MemoryPods;

  constructor(options: MemoryClusterOptions) {
    this.changes = new MemoryChangeLog(options.historyLimit, options.historyBytes);
    this.namespaces = new MemoryNamespaces(this.changes);
    this.pods = new MemoryPods(
      (namespace) => this.namespaces.has(namespace),
      (namespace, name) => this.serviceAccounts.read(namespace, name),
    );
    const namespaces = options.namespaces.map((n) => (typeof n === 'string' ? { name: n } : n));
    for (const { name, labels } of namespaces) this.addNamespace(name, labels);
    this.description = `embedded in-memory cluster (namespaces: ${namespaces.map((n) => n.name).join(', ')}); nothing is persisted`;
  }

  /** Adds a namespace, or replaces the labels of one that exists. */
  addNamespace(namespace: string, labels: Record<string, string> = {}): void {
    if (!this.secretsByNamespace.has(namespace)) this.secretsByNamespace.set(namespace, new Map());
    this.namespaces.put(namespace, labels);
  }

  /** Marks a namespace Terminating and leaves it so, as the kit does without a namespace controller: Secrets can no longer be created there. */
  terminateNamespace(namespace: string): void {
    this.namespaces.terminate(namespace);
  }

  /** Deletes a namespace as the namespace controller would: Terminating, then its Secrets and ServiceAccounts, then itself. */
  deleteNamespace(namespace: string): void {
    this.namespaces.terminate(namespace);
    for (const secret of [...(this.secretsByNamespace.get(namespace)?.values() ?? [])]) this.removeSecret(secret);
    this.serviceAccounts.removeNamespace(namespace);
    this.pods.removeNamespace(namespace);
    this.secretsByNamespace.delete(namespace);
    this.namespaces.remove(namespace);
  }

  /** Deletes a ServiceAccount behind the port's back (regcred never does); false when there is none. */
  deleteServiceAccount(namespace: string, name: string): boolean {
    return this.serviceAccounts.remove(namespace, name);
  }

  /** Every namespace now, with uid, resourceVersion and phase. */
  listNamespaceObjects(): NamespaceObject[] {
    return this.namespaces.list();
  }

  /** Every Secret in every namespace now. */
  listAllSecrets(): SecretObject[] {
    return [...this.secretsByNamespace.values()].flatMap((secrets) => [...secrets.values()].map((s) => structuredClone(s)));
  }

  /** Every ServiceAccount in every namespace now. */
  listAllServiceAccounts(): ServiceAccountObject[] {
    return this.serviceAccounts.listAll();
  }

  /** Stores a ServiceAccount (replacing one of that name), with fields the port never shows; the namespace must exist. */
  seedServiceAccount(seed: SeedServiceAccount): ServiceAccountObject {
    return this.serviceAccounts.seed(seed);
  }

  /** Every stored field of a ServiceAccount, those the port does not show included: to check that a write kept them. */
  readServiceAccountFields(namespace: string, name: string): Required<SeedServiceAccount> | undefined {
    return this.serviceAccounts.readAllFields(namespace, name);
  }

  /** Stores a Pod as the API server admits it (its ServiceAccount's pull secrets copied in when it lists none); one of that name is replaced. */
  seedPod(seed: SeedPod): ExistingPod {
    return this.pods.seed(seed);
  }

  /** Sets the states of a Pod's containers, as the kubelet reports them through /status. @throws PodNotFoundError */
  setPodContainerStates(namespace: string, name: string, states: readonly PodContainerState[]): ExistingPod {
    return this.pods.setStates(namespace, name, states);
  }

  /** Stores a Secret as given (plus uid, resourceVersion, timestamp), skipping the port's checks except the namespace. */
  seedSecret(seed: SeedSecret): SecretObject {
    const secrets = this.secretsIn(seed.namespace);
    const stored = this.newObject({ ...seed, type: seed.type || 'Opaque' }, false);
    stored.immutable = seed.immutable ?? false;
    const existing = secrets.get(seed.name);
    secrets.set(seed.name, stored);
    this.changes.record('secrets', existing ? 'MODIFIED' : 'ADDED', stored, existing);
    return structuredClone(stored);
  }

  async readSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    const found = this.secretsByNamespace.get(namespace)?.get(name);
    return found && structuredClone(found);
  }

  async listSecrets(namespace: string, options: SecretListOptions): Promise<SecretPage> {
    // Like the API server: by name, a page after the last name handed out, and nothing for a namespace that does not exist.
    const after = options.continue === undefined ? undefined : nameInContinueToken(options.continue);
    const secrets = [...(this.secretsByNamespace.get(namespace)?.values() ?? [])]
      .filter((s) => (options.type === undefined || s.type === options.type) && (after === undefined || s.name > after))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const page = secrets.slice(0, Math.max(1, options.limit));
    const more = secrets.length > page.length;
    return { items: page.map((s) => structuredClone(s)), ...(more ? { continue: continueTokenAfter(page.at(-1)!.name) } : {}) };
  }

  async createSecret(draft: SecretDraft, options: WriteOptions = {}): Promise<SecretObject> {
    // The API server's order: decoding, namespace (and its phase), validation, then existence.
    const incoming = normalise(draft);
    refuseUndecodable(incoming, 'create');
    const secrets = this.secretsIn(incoming.namespace);
    if (this.namespaces.isTerminating(incoming.namespace)) {
      throw new NamespaceTerminatingError(incoming.namespace);
    }
    refuseInvalid(incoming, validateSecret(incoming));
    if (secrets.has(incoming.name)) throw new AlreadyExistsError(incoming.namespace, incoming.name);
    const created = this.newObject(incoming, options.dryRun ?? false);
    if (!options.dryRun) {
      secrets.set(created.name, created);
      this.changes.record('secrets', 'ADDED', created);
    }
    return structuredClone(created);
  }

  async replaceSecret(draft: SecretDraft & { resourceVersion: string }, options: WriteOptions = {}): Promise<SecretObject> {
    const incoming = normalise(draft);
    refuseUndecodable(incoming, 'update');
    const existing = this.secretsByNamespace.get(draft.namespace)?.get(draft.name);
    if (!existing) throw new SecretNotFoundError(draft.namespace, draft.name);
    if (draft.resourceVersion !== existing.resourceVersion) throw new StaleWriteError(draft.namespace, draft.name);
    refuseInvalid(incoming, validateSecretUpdate(incoming, existing));
    const replaced: SecretObject = {
      ...structuredClone(existing),
      type: incoming.type,
      labels: incoming.labels,
      annotations: incoming.annotations,
      data: incoming.data,
    };
    if (!options.dryRun) {
      replaced.resourceVersion = this.nextResourceVersion();
      this.secretsIn(draft.namespace).set(draft.name, replaced);
      this.changes.record('secrets', 'MODIFIED', replaced, existing);
    }
    return structuredClone(replaced);
  }

  async deleteSecret(namespace: string, name: string, uid: string, options: WriteOptions = {}): Promise<void> {
    const secrets = this.secretsByNamespace.get(namespace);
    const existing = secrets?.get(name);
    if (!secrets || !existing) throw new SecretNotFoundError(namespace, name);
    if (existing.uid !== uid) throw new StaleWriteError(namespace, name);
    if (!options.dryRun) this.removeSecret(existing);
  }

  async namespaceExists(namespace: string): Promise<boolean> {
    return this.secretsByNamespace.has(namespace);
  }

  async readServiceAccount(namespace: string, name: string): Promise<ServiceAccountObject | undefined> {
    return this.serviceAccounts.read(namespace, name);
  }

  async listServiceAccounts(namespace: string, options: ServiceAccountListOptions): Promise<ServiceAccountPage> {
    const { items, continue: next } = pageAfter(this.serviceAccounts.list(namespace), options);
    return { items, ...(next ? { continue: next } : {}) };
  }

  async setServiceAccountPullSecrets(
    namespace: string,
    name: string,
    secretNames: string[],
    resourceVersion: string,
    options: WriteOptions = {},
  ): Promise<ServiceAccountObject> {
    return this.serviceAccounts.setPullSecrets(namespace, name, secretNames, resourceVersion, options);
  }

  async listNamespaces(options: NamespaceListOptions): Promise<NamespacePage> {
    const selector = parseLabelSelector(options.labelSelector ?? '');
    const matching = this.namespaces.list().filter(({ labels }) => matchesLabelSelector(selector, labels));
    const { items, continue: next } = pageAfter(matching, options);
    return { names: items.map(({ name }) => name), ...(next ? { continue: next } : {}) };
  }

  async readPod(namespace: string, name: string): Promise<ExistingPod | undefined> {
    return this.pods.read(namespace, name);
  }

  async listPods(namespace: string, options: PodListOptions): Promise<PodPage> {
    const { items, continue: next } = pageAfter(this.pods.list(namespace), options);
    return { pods: items, ...(next ? { continue: next } : {}) };
  }

  async ping(): Promise<void> {}

  private removeSecret(secret: SecretObject): void {
    this.secretsByNamespace.get(secret.namespace)?.delete(secret.name);
    this.changes.record('secrets', 'DELETED', { ...secret, resourceVersion: this.nextResourceVersion() });
  }

  private secretsIn(namespace: string): Map<string, SecretObject> {
    const secrets = this.secretsByNamespace.get(namespace);
    if (!secrets) throw new NamespaceNotFoundError(namespace);
    return secrets;
  }

  /** A dry run gets a uid and a timestamp but no resourceVersion, as from the API server. */
  private newObject(draft: Omit<SecretDraft, 'resourceVersion'>, dryRun: boolean): SecretObject {
    return {
      name: draft.name,
      namespace: draft.namespace,
      type: draft.type,
      uid: randomUUID(),
      ...(dryRun ? {} : { resourceVersion: this.nextResourceVersion() }),
      creationTimestamp: toKubernetesTimestamp(new Date()),
      labels: { ...draft.labels },
      annotations: { ...draft.annotations },
      data: { ...draft.data },
      immutable: false,
    };
  }

  private nextResourceVersion(): string {
    return this.changes.nextResourceVersion();
  }
}

/** A private copy of the draft with the API server's defaulting applied (an empty type means Opaque). */
function normalise(draft: SecretDraft): SecretDraft {
  const copy = structuredClone(draft);
  return { ...copy, type: copy.type || 'Opaque' };
}

function refuseUndecodable(draft: SecretDraft, verb: 'create' | 'update'): void {
  if (undecodableDataKeys(draft.data).length > 0) {
    throw new UpstreamError(`the Kubernetes API server refused to ${verb} secrets (HTTP 400)`);
  }
}

function refuseInvalid(draft: SecretDraft, errors: FieldError[]): void {
  if (errors.length === 0) return;
  const fields = [...new Set(errors.map((e) => e.path))].join(', ');
  throw new ValidationError(
    `the Kubernetes API server refused secret "${draft.name}" in namespace "${draft.namespace}" as invalid: ${fields}`,
    errors,
  );
}
