import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL, type DistributionObject } from '../domain/distributions/distribution.js';
import type { NamespaceObject } from '../domain/distributions/distribution-cluster.js';
import { namespaceTargeting } from '../domain/distributions/plan-distribution.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';

// Which distributions an informer event concerns: the keys the work queue gets. Named here, so the
// controller's event path reads as a table of "this change → these distributions".

type NamespaceRef = Pick<NamespaceObject, 'name' | 'labels'>;
type Targets = (namespace: NamespaceRef) => boolean;

/** Each distribution's targeting, parsed once per version of it (every namespace event asks it). */
export class Targeting {
  private readonly known = new Map<string, { resourceVersion: string | undefined; targets: Targets }>();

  /** Undefined when the spec cannot say (a selector that does not parse: its reconcile says so in the status). */
  of(distribution: DistributionObject): Targets | undefined {
    const known = this.known.get(distribution.name);
    if (known && known.resourceVersion === distribution.resourceVersion) return known.targets;
    try {
      const targets = namespaceTargeting(distribution.spec);
      this.known.set(distribution.name, { resourceVersion: distribution.resourceVersion, targets });
      return targets;
    } catch {
      this.known.delete(distribution.name);
      return undefined;
    }
  }

  forget(name: string): void {
    this.known.delete(name);
  }
}

/** The distributions that name or select any of the namespaces (or whose targeting cannot say). */
export function distributionsTargeting(
  namespaces: readonly NamespaceRef[],
  distributions: readonly DistributionObject[],
  targeting: Targeting,
): string[] {
  return distributions
    .filter((d) => {
      const targets = targeting.of(d);
      return !targets || namespaces.some(targets);
    })
    .map((d) => d.name);
}

/** Of those, the ones that link ServiceAccounts: a ServiceAccount's change concerns only them. */
export function distributionsLinkingIn(
  namespace: NamespaceRef,
  distributions: readonly DistributionObject[],
  targeting: Targeting,
): string[] {
  return distributionsTargeting(
    [namespace],
    distributions.filter((d) => d.spec.serviceAccounts?.length > 0),
    targeting,
  );
}

/** A namespace's update matters when it starts or stops being targeted: its labels or its deletion changed. */
export function namespaceChangeMatters(before: NamespaceObject, after: NamespaceObject): boolean {
  return before.terminating !== after.terminating || !sameLabels(before.labels, after.labels);
}

/** The distribution a copy belongs to, by its label (ownership is proven later, in the reconcile). */
export const distributionOfCopy = (copy: SecretObject): string | undefined => copy.labels[DISTRIBUTION_LABEL];

/** The distribution a source is labelled for. */
export const distributionOfSource = (source: SecretObject): string | undefined => source.labels[DISTRIBUTION_SOURCE_LABEL];

/** A status write comes back as an update too: only a change of intent is work. */
export function isChangeOfIntent(before: DistributionObject, after: DistributionObject): boolean {
  return !(
    before.generation === after.generation &&
    before.deletionTimestamp === after.deletionTimestamp &&
    JSON.stringify(before.finalizers) === JSON.stringify(after.finalizers) &&
    JSON.stringify(before.annotations) === JSON.stringify(after.annotations) &&
    // Objects without a generation (an adapter that does not keep one) compare by spec.
    JSON.stringify(before.spec) === JSON.stringify(after.spec)
  );
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
