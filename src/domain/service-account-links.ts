import { ServiceAccountNotFoundError, StaleWriteError, type Cluster, type ServiceAccountObject } from './cluster.js';
import { LOST_RACE, retryLostRaces } from './write-retry.js';

export type LinkResult = 'linked' | 'unchanged' | 'unlinked';

export interface ServiceAccountLink {
  serviceAccount: string;
  result: LinkResult;
}

/** The names among `serviceAccounts` that do not exist in the namespace (checked before anything is written). */
export async function missingServiceAccounts(cluster: Cluster, namespace: string, serviceAccounts: readonly string[]): Promise<string[]> {
  const found = await Promise.all(serviceAccounts.map((name) => cluster.readServiceAccount(namespace, name)));
  return serviceAccounts.filter((_, i) => !found[i]);
}

/**
 * Makes each ServiceAccount list the secret in `imagePullSecrets` exactly once, keeping every other
 * entry in place. Each change is conditional on the ServiceAccount's resourceVersion, re-read and
 * retried when someone else changed it meanwhile. @throws ServiceAccountNotFoundError, StaleWriteError
 */
export async function linkServiceAccounts(
  cluster: Cluster,
  namespace: string,
  secretName: string,
  serviceAccounts: readonly string[],
  dryRun = false,
): Promise<ServiceAccountLink[]> {
  const links: ServiceAccountLink[] = [];
  for (const name of new Set(serviceAccounts)) {
    const result = await updateServiceAccount(cluster, namespace, name, dryRun, (current) => linkedOnce(current, secretName));
    links.push({ serviceAccount: name, result: result ? 'linked' : 'unchanged' });
  }
  return links;
}

/** Removes the secret from every ServiceAccount of the namespace that names it; reports those changed. */
export async function unlinkServiceAccounts(cluster: Cluster, namespace: string, secretName: string, dryRun = false): Promise<ServiceAccountLink[]> {
  const referencing = await serviceAccountsReferencing(cluster, namespace, secretName);
  const links: ServiceAccountLink[] = [];
  for (const name of referencing) {
    const changed = await updateServiceAccount(cluster, namespace, name, dryRun, (current) => {
      const kept = current.filter((entry) => entry !== secretName);
      return kept.length === current.length ? undefined : kept;
    }, true);
    if (changed) links.push({ serviceAccount: name, result: 'unlinked' });
  }
  return links;
}

/** The ServiceAccounts of the namespace whose imagePullSecrets name the secret, by name. */
export async function serviceAccountsReferencing(cluster: Cluster, namespace: string, secretName: string): Promise<string[]> {
  const accounts = await cluster.listServiceAccounts(namespace);
  return accounts
    .filter((account) => account.imagePullSecrets.includes(secretName))
    .map((account) => account.name)
    .sort();
}

// The list with the secret in it exactly once (its first place kept), or undefined when it already is.
function linkedOnce(current: readonly string[], secretName: string): string[] | undefined {
  const count = current.filter((entry) => entry === secretName).length;
  if (count === 1) return undefined;
  if (count === 0) return [...current, secretName];
  const first = current.indexOf(secretName);
  return current.filter((entry, i) => entry !== secretName || i === first);
}

/** Read, change, write conditionally; true when a write was made. A ServiceAccount gone meanwhile is an error unless `vanishedIsFine`. */
async function updateServiceAccount(
  cluster: Cluster,
  namespace: string,
  name: string,
  dryRun: boolean,
  change: (current: readonly string[]) => string[] | undefined,
  vanishedIsFine = false,
): Promise<boolean> {
  return retryLostRaces(
    async () => {
      const account: ServiceAccountObject | undefined = await cluster.readServiceAccount(namespace, name);
      if (!account) {
        if (vanishedIsFine) return false;
        throw new ServiceAccountNotFoundError(namespace, name);
      }
      const next = change(account.imagePullSecrets);
      if (!next) return false;
      try {
        await cluster.setServiceAccountPullSecrets(namespace, name, next, account.resourceVersion!, { dryRun });
        return true;
      } catch (error) {
        if (error instanceof StaleWriteError) return LOST_RACE;
        if (error instanceof ServiceAccountNotFoundError && vanishedIsFine) return false;
        throw error;
      }
    },
    () => new StaleWriteError(namespace, name, 'serviceaccount'),
  );
}
