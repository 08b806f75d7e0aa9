import type { ServiceAccountObject } from '../domain/cluster.js';
import {
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_UID_ANNOTATION,
  LINKED_SERVICE_ACCOUNTS_ANNOTATION,
  type DistributionObject,
  type NamespaceState,
  type NamespaceStatus,
} from '../domain/distributions/distribution.js';
import type { NamespaceObject } from '../domain/distributions/distribution-cluster.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';

// Values most copies share (a distribution's UID, its content hash, a link list): one instance each.
const SHARED_ANNOTATIONS = [CONTENT_HASH_ANNOTATION, DISTRIBUTION_UID_ANNOTATION, LINKED_SERVICE_ACCOUNTS_ANNOTATION];

/**
 * The informers' objects made small: at 50,000 namespaces the caches hold 50,000 namespaces,
 * copies and ServiceAccounts, most alike but for a name, and each distribution up to 1,000 status entries. Equal label sets, data digests, pull
 * secret lists and common annotation values become one shared (frozen) instance, a copy's or
 * ServiceAccount's namespace name the namespace cache's own string, and what the controller never
 * reads (creation times, namespace UIDs) is left out.
 */
export class CompactObjects {
  private readonly strings = new Interner<string>(10_000);
  private readonly records = new Interner<Readonly<Record<string, string>>>(2_000);
  private readonly lists = new Interner<readonly string[]>(2_000);

  /** `namespaceName`: the namespace cache's instance of a name, if it holds that namespace. */
  constructor(private readonly namespaceName: (name: string) => string | undefined = () => undefined) {}

  // Every field always present (undefined if need be): one shape for all 50,000.
  namespace = (namespace: NamespaceObject): NamespaceObject => ({
    name: namespace.name,
    resourceVersion: namespace.resourceVersion,
    labels: this.record(namespace.labels),
    terminating: namespace.terminating,
  });

  copy = (secret: SecretObject): SecretObject => {
    const annotations = { ...secret.annotations };
    for (const key of SHARED_ANNOTATIONS) if (annotations[key] !== undefined) annotations[key] = this.strings.of(annotations[key]);
    return {
      name: this.strings.of(secret.name),
      namespace: this.namespaceName(secret.namespace) ?? secret.namespace,
      type: this.strings.of(secret.type),
      uid: secret.uid,
      resourceVersion: secret.resourceVersion,
      labels: this.record(secret.labels),
      annotations,
      data: this.record(secret.data),
      immutable: secret.immutable,
    };
  };

  serviceAccount = (account: ServiceAccountObject): ServiceAccountObject => ({
    name: this.strings.of(account.name),
    namespace: this.namespaceName(account.namespace) ?? account.namespace,
    uid: account.uid,
    resourceVersion: account.resourceVersion,
    imagePullSecrets: this.lists.of(account.imagePullSecrets, (list) => list.join('\n')) as string[],
  });

  /**
   * A distribution's status lists up to 1,000 namespaces, each with a state, a content hash, a time
   * and maybe a reason that most entries share: one instance of each, and the namespace cache's name.
   */
  distribution = (distribution: DistributionObject): DistributionObject => {
    const listed = distribution.status?.namespaces;
    if (!listed) return distribution;
    const namespaces = listed.map((entry): NamespaceStatus => {
      const shared: NamespaceStatus = {
        namespace: this.namespaceName(entry.namespace) ?? entry.namespace,
        state: this.strings.of(entry.state) as NamespaceState,
      };
      if (entry.contentHash !== undefined) shared.contentHash = this.strings.of(entry.contentHash);
      if (entry.lastSynced !== undefined) shared.lastSynced = this.strings.of(entry.lastSynced);
      if (entry.reason !== undefined) shared.reason = this.strings.of(entry.reason);
      return shared;
    });
    return { ...distribution, status: { ...distribution.status, namespaces } };
  };

  private record(values: Record<string, string>): Record<string, string> {
    return this.records.of(values, (r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))) as Record<string, string>;
  }
}

/** Equal values share one instance (a frozen copy: many hold it); at `max` distinct values the table starts over (what holds the old instances keeps them). */
class Interner<T> {
  private readonly known = new Map<string, T>();

  constructor(private readonly max: number) {}

  of(value: T, keyOf: (value: T) => string = String): T {
    const key = keyOf(value);
    const known = this.known.get(key);
    if (known !== undefined) return known;
    if (this.known.size >= this.max) this.known.clear();
    const shared = (
      Array.isArray(value) ? Object.freeze([...value]) : typeof value === 'object' && value !== null ? Object.freeze({ ...value }) : value
    ) as T;
    this.known.set(key, shared);
    return shared;
  }
}
