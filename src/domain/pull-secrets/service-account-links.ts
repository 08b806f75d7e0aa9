import { AppError } from '../../errors.js';
import { ServiceAccountNotFoundError, StaleWriteError, type Cluster, type ServiceAccountObject } from '../cluster.js';
import { findServiceAccounts } from './service-account-pages.js';
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

/** The named ServiceAccounts as read (checked before anything is written), and the names that do not exist. */
export interface ServiceAccountsRead {
  found: Map<string, ServiceAccountObject>;
  missing: string[];
}

/** Reads each of `serviceAccounts` once; linking then writes from what was read (see linkServiceAccounts). */
export async function readServiceAccounts(
  cluster: Cluster,
  namespace: string,
  serviceAccounts: readonly string[],
): Promise<ServiceAccountsRead> {
  const names = [...new Set(serviceAccounts)];
  const read = await Promise.all(names.map((name) => cluster.readServiceAccount(namespace, name)));
  const found = new Map<string, ServiceAccountObject>();
  read.forEach((account, i) => account && found.set(names[i]!, account));
  return { found, missing: serviceAccounts.filter((name) => !found.has(name)) };
}

/**
 * Makes each ServiceAccount list the secret in `imagePullSecrets` exactly once, keeping every other
 * entry in place. Each change is conditional on the ServiceAccount's resourceVersion, re-read and
 * retried when someone else changed it meanwhile; the first try changes the ServiceAccount as `read`
 * holds it (when it does), so a link costs one read, not two. Linking runs after the secret is
 * written, so a failure is returned, not thrown: the ServiceAccount that failed ends the list as
 * `failed`, those after it are not tried. Errors that are not ours (bugs) are thrown.
 */
export async function linkServiceAccounts(
  ports: WritePorts,
  namespace: string,
  secretName: string,
  serviceAccounts: readonly string[],
  { dryRun = false, read }: { dryRun?: boolean; read?: ReadonlyMap<string, ServiceAccountObject> } = {},
): Promise<Linking> {
  const links: ServiceAccountLink[] = [];
  for (const name of new Set(serviceAccounts)) {
    try {
      const changed = await updateServiceAccount(ports, namespace, name, {
        dryRun,
        read: read?.get(name),
        change: (current) => linkedOnce(current, secretName),
      });
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
  // Only those that reference the secret are held, each written from its listed state first (one read per write).
  const named = await findServiceAccounts(ports.cluster, namespace, (account) => account.imagePullSecrets.includes(secretName));
  const unlinked: { serviceAccount: string; position: number; written?: ServiceAccountObject }[] = [];
  const restore = async (): Promise<string[]> => {
    if (dryRun) return [];
    const outcomes = await Promise.allSettled(
      unlinked.map(({ serviceAccount, position, written }) =>
        updateServiceAccount(ports, namespace, serviceAccount, {
          read: written,
          change: (current) => putBack(current, secretName, position),
          vanishedIsFine: true,
        }),
      ),
    );
    return unlinked.filter((_, i) => outcomes[i]!.status === 'rejected').map((u) => u.serviceAccount);
  };
  for (const account of named) {
    const serviceAccount = account.name;
    let position = 0;
    let written: ServiceAccountObject | undefined;
    try {
      const changed = await updateServiceAccount(ports, namespace, serviceAccount, {
        dryRun,
        read: account,
        change: (current) => {
          position = current.indexOf(secretName);
          return position < 0 ? undefined : current.filter((entry) => entry !== secretName);
        },
        vanishedIsFine: true,
        onWritten: (updated) => (written = updated),
      });
      if (changed) unlinked.push({ serviceAccount, position, ...(dryRun ? {} : { written }) });
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

interface ServiceAccountUpdate {
  change: (current: readonly string[]) => string[] | undefined;
  dryRun?: boolean;
  /** The ServiceAccount as read shortly before: the first round changes it instead of reading it again. */
  read?: ServiceAccountObject;
  /** A ServiceAccount gone meanwhile is no error. */
  vanishedIsFine?: boolean;
  /** Told of the ServiceAccount as written. */
  onWritten?: (account: ServiceAccountObject) => void;
}

/**
 * Read, change, write conditionally, in turn with this process's other writes of the ServiceAccount
 * and retried when someone else wrote meanwhile; true when a write was made. A ServiceAccount gone
 * meanwhile is an error unless `vanishedIsFine`. A stale `read` costs one refused write, then a read.
 */
async function updateServiceAccount(
  { cluster, turns }: WritePorts,
  namespace: string,
  name: string,
  { change, dryRun = false, read, vanishedIsFine = false, onWritten }: ServiceAccountUpdate,
): Promise<boolean> {
  return turns.take({
    key: `serviceaccount/${namespace}/${name}`,
    round: async ({ reuseRead }) => {
      const account = reuseRead && read ? read : await cluster.readServiceAccount(namespace, name);
      if (!account) {
        if (vanishedIsFine) return false;
        throw new ServiceAccountNotFoundError(namespace, name);
      }
      const next = change(account.imagePullSecrets);
      if (!next) return false;
      try {
        const written = await cluster.setServiceAccountPullSecrets(namespace, name, next, account.resourceVersion!, { dryRun });
        onWritten?.(written);
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
