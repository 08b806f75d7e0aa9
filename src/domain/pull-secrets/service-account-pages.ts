import type { Cluster, ServiceAccountObject } from '../cluster.js';
import { readWholeListing } from '../whole-listing.js';

/**
 * ServiceAccounts asked of the API server at a time when a namespace's are searched: a namespace can
 * hold thousands, and one unpaged list of them is held whole, in the API server and here.
 */
export const SERVICE_ACCOUNT_PAGE = 500;

/**
 * Looks at every ServiceAccount of the namespace, a page at a time, and returns those `keep` picks:
 * only they are held, however many the namespace has. @throws UnavailableError when a continue token
 * expired part-way twice (see readWholeListing)
 */
export function findServiceAccounts(
  cluster: Cluster,
  namespace: string,
  keep: (account: ServiceAccountObject) => boolean,
): Promise<ServiceAccountObject[]> {
  return readWholeListing(
    'ServiceAccounts',
    (next) => cluster.listServiceAccounts(namespace, { limit: SERVICE_ACCOUNT_PAGE, continue: next }),
    (page) => page.items.filter(keep),
  );
}

/** For each of `secretNames`, the ServiceAccounts of the namespace that reference it, by name (none: an empty list). */
export async function referencedBy(cluster: Cluster, namespace: string, secretNames: readonly string[]): Promise<Map<string, string[]>> {
  const wanted = new Set(secretNames);
  const references = new Map(secretNames.map((name) => [name, [] as string[]]));
  const referencing = await findServiceAccounts(cluster, namespace, (account) => account.imagePullSecrets.some((s) => wanted.has(s)));
  // A ServiceAccount naming a secret twice is listed once.
  for (const account of referencing) {
    for (const secret of new Set(account.imagePullSecrets)) references.get(secret)?.push(account.name);
  }
  for (const names of references.values()) names.sort();
  return references;
}
