import type { Response } from 'express';
import { WRITE_OPERATIONS, type Operation } from '../domain/access-policy.js';
import type { Cluster } from '../domain/cluster.js';
import type { PullSecretWrite } from '../domain/pull-secrets.js';
import type { PullSecretView } from '../domain/view-schemas.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Audit } from './audit.js';

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
      const linked = view.serviceAccountLinks?.filter((l) => l.result !== 'unchanged').map((l) => l.serviceAccount);
      audit(res, { ...audited, name: view.name, result: view.result ?? 'updated', ...(linked?.length ? { serviceAccounts: linked } : {}) });
      return view;
    } catch (error) {
      if (!request.dryRun) pullSecretsWritten.inc({ result: 'failed' });
      audit(res, { ...audited, result: 'failed', reason: reasonOf(error) });
      throw error;
    }
  };
}

/** A failure's kind for the audit line (its title, or "error"); never its message, which may quote input. */
export function reasonOf(error: unknown): string {
  return error instanceof AppError ? `${error.status} ${error.title}` : 'error';
}
