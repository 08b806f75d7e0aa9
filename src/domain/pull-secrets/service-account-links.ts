import { AppError } from '../../errors.js';
import { ServiceAccountNotFoundError, StaleWriteError, type Cluster, type ServiceAccountObject } from '../cluster.js';
import { LOST_RACE, type WritePorts } from './write-turns.js';

export type LinkResult = 'linked' | 'unchanged' | 'unlinked' | 'failed';

export interface ServiceAccountLink {
  serviceAccount: string;
  result: LinkResult;
  /** Why it failed, in words safe to show. */
  reason?: string;
}

/** What linking did; `error` when a ServiceAccount could not be changed (it is the last link, `failed`). */
export interface Linking {
  links: ServiceAccountLink[];
  error?: AppError;
}

/** What unlinking did, and how to take it back. */
export interface Unlinking {
  links: ServiceAccountLink[];
  /** Puts the reference back, in its former place, on every ServiceAccount unlinked; the names it could not. */
  restore(): Promise<string[]>;
}

/** The names among `serviceAccounts` that do not exist in the namespace (checked before anything is written). */
export async function missingServiceAccounts(cluster: Cluster, namespace: string, serviceAccounts: readonly string[]): Promise<string[]> {
  const found = await Promise.all(serviceAccounts.map((name) => cluster.readServiceAccount(namespace, name)));
  return serviceAccounts.filter((_, i) => !found[i]);
}

/**
 * Makes each ServiceAccount list the secret in `imagePullSecrets` exactly once, keeping every other
 * entry in place. Each change is conditional on the ServiceAccount's resourceVersion, re-read and
 * retried when someone else changed it meanwhile. Linking runs after the secret is written, so a
 * failure is returned, not thrown: the ServiceAccount that failed ends the list as `failed`, those
 * after it are not tried. Errors that are not ours (bugs) are thrown.
 */
export async function linkServiceAccounts(
  ports: WritePorts,
  namespace: string,
  secretName: string,
  serviceAccounts: readonly string[],
  dryRun = false,
): Promise<Linking> {
  const links: ServiceAccountLink[] = [];
  for (const name of new Set(serviceAccounts)) {
    try {
      const changed = await updateServiceAccount(ports, namespace, name, dryRun, (current) => linkedOnce(current, secretName));
      links.push({ serviceAccount: name, result: changed ? 'linked' : 'unchanged' });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      links.push({ serviceAccount: name, result: 'failed', reason: error.message });
      return { links, error };
    }
  }
  return { links };
}

/**
 * Removes the secret from every ServiceAccount of the namespace that names it; reports those changed.
 * All or nothing: when one cannot be changed, those already changed get the reference back (in its
 * former place) before the error is thrown.
 */
export async function unlinkServiceAccounts(ports: WritePorts, namespace: string, secretName: string, dryRun = false): Promise<Unlinking> {
  const named = referencing(await ports.cluster.listServiceAccounts(namespace), secretName);
  const unlinked: { serviceAccount: string; position: number }[] = [];
  const restore = async (): Promise<string[]> => {
    if (dryRun) return [];
    const outcomes = await Promise.allSettled(
      unlinked.map(({ serviceAccount, position }) =>
        updateServiceAccount(ports, namespace, serviceAccount, false, (current) => putBack(current, secretName, position), true),
      ),
    );
    return unlinked.filter((_, i) => outcomes[i]!.status === 'rejected').map((u) => u.serviceAccount);
  };
  for (const serviceAccount of named) {
    let position = 0;
    try {
      const changed = await updateServiceAccount(
        ports,
        namespace,
        serviceAccount,
        dryRun,
        (current) => {
          position = current.indexOf(secretName);
          return position < 0 ? undefined : current.filter((entry) => entry !== secretName);
        },
        true,
      );
      if (changed) unlinked.push({ serviceAccount, position });
    } catch (error) {
      throw withUnrestored(error, secretName, await restore());
    }
  }
  return { links: unlinked.map((u) => ({ serviceAccount: u.serviceAccount, result: 'unlinked' })), restore };
}

/** The error, its detail saying which ServiceAccounts still miss the reference when putting it back failed. */
export function withUnrestored(error: unknown, secretName: string, unrestored: readonly string[]): unknown {
  if (unrestored.length === 0) return error;
  return withDetail(
    error,
    `the reference to secret "${secretName}" could not be put back on serviceaccount(s) ${unrestored.join(', ')}: link them again`,
  );
}

/** An AppError with `more` appended to its detail (same status, headers and extensions); other errors as they are. */
export function withDetail(error: unknown, more: string): unknown {
  if (!(error instanceof AppError)) return error;
  const annotated = new AppError(error.status, error.title, `${error.message}; ${more}`, error.errors, error.headers);
  annotated.extensions = error.extensions;
  return annotated;
}

/** The ServiceAccounts among `accounts` whose imagePullSecrets name the secret, by name. */
export function referencing(accounts: readonly ServiceAccountObject[], secretName: string): string[] {
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

// The list with the secret back at `position` (or at the end when the list has since shrunk), or undefined when it is there.
function putBack(current: readonly string[], secretName: string, position: number): string[] | undefined {
  if (current.includes(secretName)) return undefined;
  return [...current.slice(0, position), secretName, ...current.slice(position)];
}

/**
 * Read, change, write conditionally, in turn with this process's other writes of the ServiceAccount
 * and retried when someone else wrote meanwhile; true when a write was made. A ServiceAccount gone
 * meanwhile is an error unless `vanishedIsFine`.
 */
async function updateServiceAccount(
  { cluster, turns }: WritePorts,
  namespace: string,
  name: string,
  dryRun: boolean,
  change: (current: readonly string[]) => string[] | undefined,
  vanishedIsFine = false,
): Promise<boolean> {
  return turns.take({
    key: `serviceaccount/${namespace}/${name}`,
    round: async () => {
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
    giveUp: () => new StaleWriteError(namespace, name, 'serviceaccount'),
  });
}
