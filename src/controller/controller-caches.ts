import type { ServiceAccountObject } from '../domain/cluster.js';
import { linkedServiceAccountsOf } from '../domain/distributions/copy-marks.js';
import { digestsOf } from '../domain/distributions/desired-copy.js';
import { DISTRIBUTION_LABEL, type DistributionObject } from '../domain/distributions/distribution.js';
import type { NamespaceObject } from '../domain/distributions/distribution-cluster.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import type { DistributionCaches } from './distribution-caches.js';

/** What the caches read the informers through. */
export interface InformerViews {
  distribution(name: string): DistributionObject | undefined;
  distributions(): DistributionObject[];
  namespaces(): Iterable<NamespaceObject>;
  namespace(name: string): NamespaceObject | undefined;
  copy(key: string): SecretObject | undefined;
  source(key: string): SecretObject | undefined;
}

const MAX_DELETED_LINKS = 10_000;

export const namespacedKey = (o: { namespace: string; name: string }): string => `${o.namespace}/${o.name}`;

/**
 * The informers' objects as one reconcile reads them: two indexes (copies by distribution,
 * ServiceAccounts by namespace) so no reconcile scans every object of a kind, and this replica's
 * own writes laid over them until the watch brings them back (planning from an older object would
 * only lose a race and retry).
 */
export class ControllerCaches implements DistributionCaches {
  // By instance, not by key: no second string per object (the informer's cache hands the same instances back on update and delete).
  private readonly copiesByDistribution = new Map<string, Set<SecretObject>>();
  private readonly accountsByNamespace = new Map<string, ServiceAccountObject[]>();
  private readonly writtenCopies = new Map<string, SecretObject>();
  private readonly writtenAccounts = new Map<string, ServiceAccountObject>();
  private readonly writtenDistributions = new Map<string, DistributionObject>();
  // The links recorded on copies someone deleted, so the restored copy records them again.
  private readonly deletedLinks = new Map<string, string[]>();

  constructor(private readonly informers: InformerViews) {}

  distribution(name: string): DistributionObject | undefined {
    return this.writtenDistributions.get(name) ?? this.informers.distribution(name);
  }

  distributions(): DistributionObject[] {
    return this.informers.distributions();
  }

  namespaces(): Iterable<NamespaceObject> {
    return this.informers.namespaces();
  }

  namespace(name: string): NamespaceObject | undefined {
    return this.informers.namespace(name);
  }

  source(name: string): SecretObject | undefined {
    return this.informers.source(name);
  }

  copy(namespace: string, name: string): SecretObject | undefined {
    const key = `${namespace}/${name}`;
    return this.writtenCopies.get(key) ?? this.informers.copy(key);
  }

  copiesOf(distribution: string): SecretObject[] {
    const copies = new Map<string, SecretObject>();
    for (const copy of this.copiesByDistribution.get(distribution)?.values() ?? [])
      copies.set(namespacedKey(copy), this.writtenCopies.get(namespacedKey(copy)) ?? copy);
    // Written but not yet seen by the watch: a deletion must not miss them.
    for (const [key, copy] of this.writtenCopies)
      if (copy.labels[DISTRIBUTION_LABEL] === distribution && !copies.has(key)) copies.set(key, copy);
    return [...copies.values()];
  }

  serviceAccountsIn(namespace: string): ServiceAccountObject[] {
    const accounts = this.accountsByNamespace.get(namespace) ?? [];
    return this.writtenAccounts.size === 0 ? [...accounts] : accounts.map((sa) => this.writtenAccounts.get(namespacedKey(sa)) ?? sa);
  }

  /** This replica's writes the watch has not brought back yet: 0 once it has caught up. */
  get unconfirmedWrites(): number {
    return this.writtenCopies.size + this.writtenAccounts.size + this.writtenDistributions.size;
  }

  formerLinks(namespace: string, name: string): string[] {
    return this.deletedLinks.get(`${namespace}/${name}`) ?? [];
  }

  // Each remember*: unless the watch has brought this write (or a later one) already, which it
  // often does before the write's own answer; the overlay would then outlive every event.
  remember(copy: SecretObject): void {
    const key = namespacedKey(copy);
    if (!seenAlready(this.informers.copy(key), copy)) this.writtenCopies.set(key, { ...copy, data: digestsOf(copy.data) });
  }

  rememberServiceAccount(serviceAccount: ServiceAccountObject): void {
    const seen = this.accountsByNamespace.get(serviceAccount.namespace)?.find((sa) => sa.name === serviceAccount.name);
    if (!seenAlready(seen, serviceAccount)) this.writtenAccounts.set(namespacedKey(serviceAccount), serviceAccount);
  }

  rememberDistribution(distribution: DistributionObject): void {
    if (!seenAlready(this.informers.distribution(distribution.name), distribution))
      this.writtenDistributions.set(distribution.name, distribution);
  }

  /**
   * A copy came, changed (`before` → `copy`) or went: the index follows, and the watch caught up
   * with our write. True when it is exactly what this replica wrote (nothing new to plan from).
   */
  copySeen(copy: SecretObject, change: { before?: SecretObject; deleted?: boolean } = {}): boolean {
    const key = namespacedKey(copy);
    const echo = !change.deleted && isEcho(this.writtenCopies.get(key), copy);
    if (change.before) this.copiesByDistribution.get(distributionOf(change.before))?.delete(change.before);
    if (change.deleted) {
      this.copiesByDistribution.get(distributionOf(copy))?.delete(copy);
      this.rememberDeletedLinks(copy);
    } else {
      const copies = this.copiesByDistribution.get(distributionOf(copy)) ?? new Set<SecretObject>();
      this.copiesByDistribution.set(distributionOf(copy), copies.add(copy));
    }
    if (this.copiesByDistribution.get(distributionOf(copy))?.size === 0) this.copiesByDistribution.delete(distributionOf(copy));
    this.writtenCopies.delete(key);
    return echo;
  }

  /** As copySeen, for a ServiceAccount: true when it is exactly the link this replica wrote. */
  serviceAccountSeen(account: ServiceAccountObject, change: { before?: ServiceAccountObject; deleted?: boolean } = {}): boolean {
    const echo = !change.deleted && isEcho(this.writtenAccounts.get(namespacedKey(account)), account);
    if (change.before) this.unindexAccount(change.before);
    if (change.deleted) this.unindexAccount(account);
    else this.accountsByNamespace.set(account.namespace, [...(this.accountsByNamespace.get(account.namespace) ?? []), account]);
    this.writtenAccounts.delete(namespacedKey(account));
    return echo;
  }

  distributionSeen(distribution: DistributionObject): void {
    this.writtenDistributions.delete(distribution.name);
  }

  private unindexAccount(account: ServiceAccountObject): void {
    const kept = (this.accountsByNamespace.get(account.namespace) ?? []).filter((known) => known !== account);
    if (kept.length > 0) this.accountsByNamespace.set(account.namespace, kept);
    else this.accountsByNamespace.delete(account.namespace);
  }

  private rememberDeletedLinks(copy: SecretObject): void {
    const linked = linkedServiceAccountsOf(copy);
    if (linked.length === 0) return;
    this.deletedLinks.set(namespacedKey(copy), linked);
    // Bounded: past it the oldest record goes (its restored copy then records only new links).
    if (this.deletedLinks.size > MAX_DELETED_LINKS) this.deletedLinks.delete(this.deletedLinks.keys().next().value!);
  }
}

const distributionOf = (copy: SecretObject): string => copy.labels[DISTRIBUTION_LABEL] ?? '';

/** Whether the cache holds `written`'s version or a later one (resourceVersions compared as numbers when both are, as etcd's are). */
function seenAlready(cached: { resourceVersion?: string } | undefined, written: { resourceVersion?: string }): boolean {
  const [seen, wrote] = [cached?.resourceVersion, written.resourceVersion];
  if (seen === undefined || wrote === undefined) return false;
  if (seen === wrote) return true;
  return /^\d+$/.test(seen) && /^\d+$/.test(wrote) && BigInt(seen) > BigInt(wrote);
}

const isEcho = (written: { resourceVersion?: string } | undefined, seen: { resourceVersion?: string }): boolean =>
  written?.resourceVersion !== undefined && written.resourceVersion === seen.resourceVersion;
