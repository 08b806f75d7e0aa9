import type { ServiceAccountObject } from '../domain/cluster.js';
import type { DistributionObject } from '../domain/distributions/distribution.js';
import type { NamespaceObject } from '../domain/distributions/distribution-cluster.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';

/** What the informers hold, as one reconcile reads it. */
export interface DistributionCaches {
  distribution(name: string): DistributionObject | undefined;
  distributions(): DistributionObject[];
  /** Every namespace, as the informer holds them (not copied). */
  namespaces(): Iterable<NamespaceObject>;
  namespace(name: string): NamespaceObject | undefined;
  /** A source Secret in regcred's namespace as last seen (its data as digests): its resourceVersion tells whether it changed. */
  source?(name: string): SecretObject | undefined;
  /** A Secret labelled by some distribution, by namespace and name. */
  copy(namespace: string, name: string): SecretObject | undefined;
  /** Every Secret labelled as made by this distribution. */
  copiesOf(distribution: string): SecretObject[];
  serviceAccountsIn(namespace: string): ServiceAccountObject[];
  /** The links a copy recorded when it was deleted (by someone else), while this replica leads. */
  formerLinks?(namespace: string, name: string): string[];
  /**
   * What a write just returned, until the watch delivers it: the next reconcile then plans from
   * it rather than from the older cached object (which would only lose a race and retry).
   */
  remember?(copy: SecretObject): void;
  rememberServiceAccount?(serviceAccount: ServiceAccountObject): void;
  rememberDistribution?(distribution: DistributionObject): void;
}
