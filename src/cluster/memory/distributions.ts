import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { StaleWriteError, type ServiceAccountObject } from '../../domain/cluster.js';
import {
  DistributionNotFoundError,
  type DistributionCluster,
  type DistributionEvent,
  type NamespaceObject,
  type PodObject,
  type SecretsLabelledOptions,
} from '../../domain/distributions/distribution-cluster.js';
import type { DistributionDraft, DistributionObject, DistributionStatus } from '../../domain/distributions/distribution.js';
import { matchesLabelSelector, parseLabelSelector } from '../../domain/kubernetes/label-selector.js';
import type { SecretObject } from '../../domain/kubernetes/secret.js';
import { mapWatchSource, type WatchSource } from '../../domain/watch.js';
import { digestsOf } from '../../domain/distributions/desired-copy.js';
import { ValidationError } from '../../errors.js';
import { toKubernetesTimestamp } from '../timestamp.js';
import { MemoryLeases } from './leases.js';
import type { MemoryCluster } from './cluster.js';
import type { MemoryChangeLog, MemoryCollection } from './watch.js';

/** An Event as the embedded cluster keeps it: what was recorded, and when. */
export interface RecordedEvent extends DistributionEvent {
  timestamp: string;
}

/** The embedded cluster keeps the last this many Events, as the API server expires old ones. */
export const MAX_RECORDED_EVENTS = 1000;

/**
 * The DistributionCluster port over the embedded MemoryCluster: its namespaces, Secrets and
 * ServiceAccounts as watch sources, plus PullSecretDistributions (generation, finalizers and
 * deletionTimestamp as the API server keeps them), Leases, Events and Pods.
 */
export class MemoryDistributions implements DistributionCluster {
  readonly namespaces: WatchSource<NamespaceObject>;
  readonly serviceAccounts: WatchSource<ServiceAccountObject>;
  readonly distributions: WatchSource<DistributionObject>;
  readonly leases: MemoryLeases;
  /** Recorded Events, oldest first (tests read them). */
  readonly events: RecordedEvent[] = [];
  private readonly changes: MemoryChangeLog;
  private readonly stored = new Map<string, DistributionObject>();

  constructor(private readonly cluster: MemoryCluster) {
    this.changes = cluster.changes;
    this.leases = new MemoryLeases(
      (namespace) => cluster.namespaceExists(namespace),
      () => this.changes.nextResourceVersion(),
    );
    this.namespaces = this.source('namespaces', 'namespaces', () => cluster.listNamespaceObjects());
    this.serviceAccounts = this.source('serviceaccounts', 'serviceaccounts', () => cluster.listAllServiceAccounts());
    this.distributions = this.source('pullsecretdistributions', 'pullsecretdistributions', () =>
      [...this.stored.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((d) => structuredClone(d)),
    );
  }

  secretsLabelled(labelSelector: string, options: SecretsLabelledOptions = {}): WatchSource<SecretObject> {
    const selector = parseLabelSelector(labelSelector);
    const { namespace } = options;
    const matches = (secret: SecretObject) =>
      (namespace === undefined || secret.namespace === namespace) && matchesLabelSelector(selector, secret.labels);
    const source = this.source(`secrets(${labelSelector})`, 'secrets', () => this.cluster.listAllSecrets().filter(matches), matches);
    const keep = options.keep ?? ((secret: SecretObject) => secret);
    return mapWatchSource(source, (secret) => keep(options.digestData ? { ...secret, data: digestsOf(secret.data) } : secret));
  }

  async readDistribution(name: string): Promise<DistributionObject | undefined> {
    const found = this.stored.get(name);
    return found && structuredClone(found);
  }

  async createDistribution(draft: DistributionDraft): Promise<DistributionObject> {
    if (this.stored.has(draft.name)) throw new StaleWriteError('', draft.name, 'pullsecretdistribution');
    const { resourceVersion: _ignored, ...fields } = plain(draft);
    const created: DistributionObject = {
      ...fields,
      uid: randomUUID(),
      resourceVersion: this.changes.nextResourceVersion(),
      generation: 1,
    };
    return this.store(created, 'ADDED');
  }

  async replaceDistribution(draft: DistributionDraft & { resourceVersion: string }): Promise<DistributionObject> {
    const existing = this.existing(draft.name);
    if (!draft.resourceVersion || draft.resourceVersion !== existing.resourceVersion) {
      throw new StaleWriteError('', draft.name, 'pullsecretdistribution');
    }
    const added = draft.finalizers.filter((f) => !existing.finalizers.includes(f));
    if (existing.deletionTimestamp && added.length > 0) {
      const message = `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`;
      throw new ValidationError(
        `the Kubernetes API server refused pullsecretdistributions "${draft.name}" as invalid: metadata.finalizers`,
        [{ path: 'metadata.finalizers', code: 'FieldValueForbidden', message }],
      );
    }
    const { labels, annotations, finalizers, spec } = plain(draft);
    const replaced: DistributionObject = { ...structuredClone(existing), labels, annotations, finalizers, spec };
    // As the API server: a write that changes nothing stores nothing; a spec change is a new generation.
    if (isDeepStrictEqual(replaced, existing)) return structuredClone(existing);
    if (!isDeepStrictEqual(spec, existing.spec)) replaced.generation = (existing.generation ?? 0) + 1;
    replaced.resourceVersion = this.changes.nextResourceVersion();
    if (replaced.deletionTimestamp && replaced.finalizers.length === 0) return this.remove(replaced);
    return this.store(replaced, 'MODIFIED', existing);
  }

  async replaceDistributionStatus(name: string, status: DistributionStatus): Promise<DistributionObject> {
    const existing = this.existing(name);
    if (isDeepStrictEqual(existing.status, plain(status))) return structuredClone(existing);
    const replaced = { ...structuredClone(existing), status: plain(status), resourceVersion: this.changes.nextResourceVersion() };
    return this.store(replaced, 'MODIFIED', existing);
  }

  async deleteDistribution(name: string, uid: string): Promise<void> {
    const existing = this.existing(name);
    if (existing.uid !== uid) throw new StaleWriteError('', name, 'pullsecretdistribution');
    if (existing.finalizers.length === 0) {
      this.remove({ ...structuredClone(existing), resourceVersion: this.changes.nextResourceVersion() });
    } else if (!existing.deletionTimestamp) {
      const marked: DistributionObject = {
        ...structuredClone(existing),
        deletionTimestamp: toKubernetesTimestamp(new Date()),
        generation: (existing.generation ?? 0) + 1,
        resourceVersion: this.changes.nextResourceVersion(),
      };
      this.store(marked, 'MODIFIED', existing);
    }
  }

  /** Stores a Pod (tests): the namespace must exist; one of that name is replaced. The Pods are the cluster's (MemoryCluster.seedPod). */
  seedPod(pod: PodObject): PodObject {
    this.cluster.seedPod(pod);
    return structuredClone(pod);
  }

  async listPods(namespace: string): Promise<PodObject[]> {
    return this.cluster.pods.listPodObjects(namespace);
  }

  async recordEvent(event: DistributionEvent): Promise<void> {
    this.events.push({ ...structuredClone(event), timestamp: toKubernetesTimestamp(new Date()) });
    if (this.events.length > MAX_RECORDED_EVENTS) this.events.shift();
  }

  private existing(name: string): DistributionObject {
    const found = this.stored.get(name);
    if (!found) throw new DistributionNotFoundError(name);
    return found;
  }

  private store(object: DistributionObject, type: 'ADDED' | 'MODIFIED', previous?: DistributionObject): DistributionObject {
    this.stored.set(object.name, object);
    this.changes.record('pullsecretdistributions', type, object, previous);
    return structuredClone(object);
  }

  /** The object as it was when it went (with the deletion's resourceVersion), as a watch's DELETED shows it. */
  private remove(object: DistributionObject): DistributionObject {
    this.stored.delete(object.name);
    this.changes.record('pullsecretdistributions', 'DELETED', object);
    return structuredClone(object);
  }

  private source<T>(description: string, collection: MemoryCollection, list: () => T[], matches: (o: T) => boolean = () => true) {
    const changes = this.changes;
    return {
      description,
      list: async () => ({ items: list(), resourceVersion: changes.resourceVersion }),
      watch: (resourceVersion: string, timeoutSeconds: number, handlers: Parameters<WatchSource<T>['watch']>[2]) =>
        changes.watch(collection, description, matches, resourceVersion, timeoutSeconds, handlers),
    } satisfies WatchSource<T>;
  }
}

/** A copy as the API server stores it: JSON, so an undefined field is no field. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
