import pLimit from 'p-limit';
import { AppError } from '../../errors.js';
import { draftPullSecret, type PullSecretWrite } from './pull-secrets.js';
import { writeDraft } from './write-draft.js';
import type { SecretDraft } from '../kubernetes/secret.js';
import { linkServiceAccounts, readServiceAccounts, type ServiceAccountLink } from './service-account-links.js';
import type { WritePorts } from './write-turns.js';

export type FanOutNamespaceOutcome = 'created' | 'updated' | 'unchanged' | 'forbidden' | 'failed';

export interface FanOutNamespaceResult {
  namespace: string;
  result: FanOutNamespaceOutcome;
  /** The Secret's name (differs from the asked one with appendHash). */
  name?: string;
  /** Why it was forbidden or failed, in words safe to show. */
  reason?: string;
  serviceAccountLinks?: ServiceAccountLink[];
  /** The secret was written but linking a ServiceAccount failed: why. */
  linkError?: string;
}

export interface FanOutWrite extends Omit<PullSecretWrite, 'namespace'> {
  namespaces: readonly string[];
  serviceAccounts?: readonly string[];
}

export interface FanOutOptions {
  /** Namespaces written at once. */
  concurrency: number;
  /** Whether the caller may write in this namespace (deny list and grants); refused ones are reported `forbidden`. */
  mayWrite: (namespace: string) => Promise<boolean>;
  /** Told of an error that is not one of ours (a bug): it is reported as `failed` and the others go on. */
  onUnexpected?: (error: unknown) => void;
}

/**
 * Writes one pull secret to many namespaces, each on its own: authorised separately, written with
 * the same create-or-update as a single PUT (writeDraft: an update is one conditional write, never
 * delete and re-create, so pulls never see the secret missing), ServiceAccounts linked after (a linking failure
 * is reported as `linkError` beside what the write did). One namespace's failure does not stop the
 * others; results come back in the order the namespaces were given.
 */
export async function writeToNamespaces(ports: WritePorts, write: FanOutWrite, options: FanOutOptions): Promise<FanOutNamespaceResult[]> {
  const limit = pLimit(options.concurrency);
  const { namespaces, serviceAccounts = [], ...content } = write;
  // Drafted once: only the namespace differs between the copies (a hashed name does not depend on it).
  const draft = draftPullSecret({ ...content, namespace: '' });
  return Promise.all(
    namespaces.map((namespace) =>
      limit(() => writeToNamespace(ports, namespace, { ...draft, namespace }, content.dryRun, serviceAccounts, options)),
    ),
  );
}

async function writeToNamespace(
  ports: WritePorts,
  namespace: string,
  draft: SecretDraft,
  dryRun: boolean | undefined,
  serviceAccounts: readonly string[],
  options: FanOutOptions,
): Promise<FanOutNamespaceResult> {
  try {
    if (!(await options.mayWrite(namespace)))
      return { namespace, result: 'forbidden', reason: 'you may not manage pull secrets in this namespace through regcred' };
    const { found, missing } = await readServiceAccounts(ports.cluster, namespace, serviceAccounts);
    if (missing.length > 0)
      return { namespace, result: 'failed', reason: `serviceaccount(s) not found: ${missing.join(', ')}; nothing written` };
    const { secret, result } = await writeDraft(ports, draft, dryRun);
    const written = { namespace, result, name: secret.name } as const;
    if (serviceAccounts.length === 0) return written;
    // The secret is written by now: a linking failure does not make the namespace `failed`.
    const { links, error } = await linkServiceAccounts(ports, namespace, secret.name, serviceAccounts, { dryRun, read: found });
    return { ...written, serviceAccountLinks: links, ...(error ? { linkError: `${error.message}; repeat the request to finish` } : {}) };
  } catch (error) {
    if (error instanceof AppError) return { namespace, result: 'failed', reason: error.message };
    options.onUnexpected?.(error);
    return { namespace, result: 'failed', reason: 'unexpected error; see the service log' };
  }
}
