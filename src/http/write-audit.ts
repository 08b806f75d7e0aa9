import type { Response } from 'express';
import { WRITE_OPERATIONS, type Operation } from '../domain/access/access-policy.js';
import type { Cluster } from '../domain/cluster.js';
import type { PullSecretWrite } from '../domain/pull-secrets/pull-secrets.js';
import type { ServiceAccountLink } from '../domain/pull-secrets/service-account-links.js';
import { LinkAfterWriteError } from '../domain/pull-secrets/write-and-link.js';
import type { PullSecretView } from '../domain/view-schemas.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Audit, AuditEntry } from './audit.js';

type WriteUseCase = (cluster: Cluster, write: PullSecretWrite) => Promise<PullSecretView>;

/**
 * Runs a write use-case, counts its result (created, updated, unchanged or failed; dry runs are not
 * counted) and writes its audit line (dry runs included, marked).
 */
export function countWrites(cluster: Cluster, { pullSecretsWritten }: Pick<Metrics, 'pullSecretsWritten'>, audit: Audit) {
  return async (res: Response, operation: Operation, write: WriteUseCase, request: PullSecretWrite): Promise<PullSecretView> => {
    if (!WRITE_OPERATIONS.has(operation)) throw new Error(`${operation} is not a write`);
    const audited = {
      operation,
      namespace: request.namespace,
      name: request.name,
      servers: request.registries.map((r) => r.server),
      ...(request.dryRun ? { dryRun: true } : {}),
    };
    try {
      const view = await write(cluster, request);
      if (!request.dryRun) pullSecretsWritten.inc({ result: view.result ?? 'updated' });
      audit(res, { ...audited, name: view.name, result: view.result ?? 'updated', ...linkAudit(view.serviceAccountLinks) });
      return view;
    } catch (error) {
      if (error instanceof LinkAfterWriteError) {
        // The secret was written: counted and audited as what the write did, with the link that failed.
        if (!request.dryRun) pullSecretsWritten.inc({ result: error.result });
        audit(res, { ...audited, name: error.secretName, result: error.result, ...linkAudit(error.links) });
        throw error;
      }
      if (!request.dryRun) pullSecretsWritten.inc({ result: 'failed' });
      audit(res, { ...audited, result: 'failed', reason: reasonOf(error) });
      throw error;
    }
  };
}

/** The audit fields of a write's linking: the ServiceAccounts changed, and the one that failed. */
export function linkAudit(links: readonly ServiceAccountLink[] | undefined): Pick<AuditEntry, 'serviceAccounts' | 'linkFailed'> {
  const changed = links?.filter((l) => l.result === 'linked' || l.result === 'unlinked').map((l) => l.serviceAccount) ?? [];
  const failed = links?.find((l) => l.result === 'failed');
  return { ...(changed.length ? { serviceAccounts: changed } : {}), ...(failed ? { linkFailed: failed.serviceAccount } : {}) };
}

/** A failure's kind for the audit line (its title, or "error"); never its message, which may quote input. */
export function reasonOf(error: unknown): string {
  return error instanceof AppError ? `${error.status} ${error.title}` : 'error';
}
