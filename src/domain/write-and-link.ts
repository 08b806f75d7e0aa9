import { AppError, ValidationError } from '../errors.js';
import type { Cluster } from './cluster.js';
import type { PullSecretWrite } from './pull-secrets.js';
import { linkServiceAccounts, missingServiceAccounts } from './service-account-links.js';
import type { PullSecretView } from './view-schemas.js';

type WriteUseCase = (cluster: Cluster, write: PullSecretWrite) => Promise<PullSecretView>;

/**
 * A write use-case followed by linking the secret to ServiceAccounts. Every named ServiceAccount
 * must exist before anything is written (422 naming the missing ones otherwise).
 */
export function thenLink(write: WriteUseCase, serviceAccounts: readonly string[] | undefined): WriteUseCase {
  if (!serviceAccounts?.length) return write;
  return async (cluster, request) => {
    const missing = await missingServiceAccounts(cluster, request.namespace, serviceAccounts);
    if (missing.length > 0) {
      throw new ValidationError(
        `serviceaccount(s) not found in namespace "${request.namespace}": ${missing.join(', ')}; nothing was written`,
        missing.map((name) => ({ path: `serviceAccounts/${serviceAccounts.indexOf(name)}`, code: 'not_found', message: `serviceaccount "${name}" does not exist` })),
      );
    }
    const view = await write(cluster, request);
    try {
      const links = await linkServiceAccounts(cluster, request.namespace, view.name, serviceAccounts, request.dryRun);
      return { ...view, serviceAccountLinks: links };
    } catch (error) {
      // The secret is written; say so, so the caller knows a retry (idempotent) is all that is needed.
      if (error instanceof AppError) throw new LinkAfterWriteError(error, view.name, view.result ?? 'updated');
      throw error;
    }
  };
}

/** Linking failed after the secret was written: the linking error's status, with what was done said. */
export class LinkAfterWriteError extends AppError {
  constructor(cause: AppError, secretName: string, result: string) {
    super(cause.status, cause.title, `secret "${secretName}" was ${result}, but linking it to the ServiceAccounts failed: ${cause.message}; repeat the request to finish`, cause.errors, cause.headers);
  }
}
