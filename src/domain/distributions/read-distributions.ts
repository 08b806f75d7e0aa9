import pLimit from 'p-limit';
import { DistributionNotFoundError, type DistributionCluster } from './distribution-cluster.js';
import type { DistributionObject } from './distribution.js';
import type { DistributionList, DistributionView } from './distribution-schemas.js';
import { viewDistribution, type DistributionPorts } from './distribution-view.js';

/** One list answer holds at most this many distributions (by name); `truncated` says when more exist. */
export const MAX_LISTED_DISTRIBUTIONS = 500;
// Source Secrets read at once for a list: each may hold up to 1 MiB, only its redacted view is kept.
const SOURCE_READS_AT_ONCE = 4;

/** GET /v1/distributions/{name}: the view, with its current status. @throws DistributionNotFoundError */
export async function getDistribution(ports: DistributionPorts, name: string): Promise<DistributionView> {
  const distribution = await ports.distributions.readDistribution(name);
  if (!distribution) throw new DistributionNotFoundError(name);
  return viewDistribution(ports.cluster, ports.sourceNamespace, distribution);
}

/**
 * GET /v1/distributions: every distribution by name, up to MAX_LISTED_DISTRIBUTIONS, each with its
 * status summed up (counts, hashes, times): the per-namespace entries (up to 1,000 each) are in
 * GET /v1/distributions/{name}, so a list answer stays small.
 */
export async function listDistributions(ports: DistributionPorts): Promise<DistributionList> {
  const items = await sharedListing(ports.distributions);
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = sorted.slice(0, MAX_LISTED_DISTRIBUTIONS);
  const limit = pLimit(SOURCE_READS_AT_ONCE);
  const views = await Promise.all(shown.map((d) => limit(() => viewDistribution(ports.cluster, ports.sourceNamespace, summed(d)))));
  return { items: views, ...(sorted.length > shown.length ? { truncated: true as const } : {}) };
}

const listings = new WeakMap<DistributionCluster, Promise<DistributionObject[]>>();

/** Concurrent list requests share one listing: 100 at once hold every distribution (and its status) once, not 100 times. */
function sharedListing(distributions: DistributionCluster): Promise<DistributionObject[]> {
  let listing = listings.get(distributions);
  if (!listing) {
    listing = distributions.distributions
      .list()
      .then(({ items }) => items)
      .finally(() => listings.delete(distributions));
    listings.set(distributions, listing);
  }
  return listing;
}

function summed(distribution: DistributionObject): DistributionObject {
  if (!distribution.status) return distribution;
  const { namespaces: _namespaces, podsLackingSecret: _pods, ...status } = distribution.status;
  return { ...distribution, status };
}
