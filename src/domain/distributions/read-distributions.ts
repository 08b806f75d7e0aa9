import pLimit from 'p-limit';
import { DistributionNotFoundError } from './distribution-cluster.js';
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

/** GET /v1/distributions: every distribution by name, up to MAX_LISTED_DISTRIBUTIONS. */
export async function listDistributions(ports: DistributionPorts): Promise<DistributionList> {
  const { items } = await ports.distributions.distributions.list();
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = sorted.slice(0, MAX_LISTED_DISTRIBUTIONS);
  const limit = pLimit(SOURCE_READS_AT_ONCE);
  const views = await Promise.all(shown.map((d) => limit(() => viewDistribution(ports.cluster, ports.sourceNamespace, d))));
  return { items: views, ...(sorted.length > shown.length ? { truncated: true as const } : {}) };
}
