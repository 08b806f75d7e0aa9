import type { Response } from 'express';
import type { ServiceAccountLink } from '../domain/pull-secrets/service-account-links.js';
import { LinkAfterWriteError } from '../domain/pull-secrets/write-and-link.js';
import type { WriteOutcome, WriteTarget } from '../domain/write-outcome.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AuditEntry } from './audit.js';
import type { AccessControl } from './access.js';

interface Recorded {
  entry: AuditEntry;
  /** The `pullSecretsWritten` result to count, if this write counts. */
  counted?: string;
}

/**
 * The one place a write's audit lines and metrics are recorded, from its outcome. One audit line per
 * write, per namespace for a fan-out (dry runs included, marked), and one denial for a refused fan-out.
 * `pullSecretsWritten` counts what each apply, create or merge did (created, updated, unchanged or
 * failed; a secret written whose linking failed counts as written); dry runs, deletes, refusals,
 * fan-out namespaces the caller may not write and PullSecretDistribution writes are not counted.
 */
export function recordWriteOutcome(
  { metrics, access }: { metrics: Pick<Metrics, 'pullSecretsWritten'>; access: Pick<AccessControl, 'audit'> },
  res: Response,
  outcome: WriteOutcome,
): void {
  for (const { entry, counted } of recordsOf(outcome)) {
    if (counted) metrics.pullSecretsWritten.inc({ result: counted });
    access.audit(res, entry);
  }
}

function recordsOf(outcome: WriteOutcome): Recorded[] {
  switch (outcome.kind) {
    case 'written': {
      const { target, view } = outcome;
      const result = view.result ?? 'updated';
      return [
        {
          entry: { ...audited(target), name: view.name, result, ...linkAudit(view.serviceAccountLinks) },
          counted: countable(target, result),
        },
      ];
    }
    case 'failed': {
      const { target, error } = outcome;
      // The secret was written: counted and audited as what the write did, with the link that failed.
      if (error instanceof LinkAfterWriteError) {
        const entry = { ...audited(target), name: error.secretName, result: error.result, ...linkAudit(error.links) };
        return [{ entry, counted: countable(target, error.result) }];
      }
      return [{ entry: { ...audited(target), result: 'failed', reason: reasonOf(error) }, counted: countable(target, 'failed') }];
    }
    case 'deleted': {
      const unlinked = outcome.links.map((l) => l.serviceAccount);
      return [{ entry: { ...audited(outcome.target), result: 'deleted', ...(unlinked.length ? { serviceAccounts: unlinked } : {}) } }];
    }
    case 'fanned-out': {
      const { answer, servers } = outcome;
      return answer.results.map((r) => ({
        entry: {
          operation: 'apply',
          namespace: r.namespace,
          name: r.name ?? answer.name,
          servers,
          result: r.result === 'forbidden' ? 'denied' : r.result,
          ...(r.result === 'forbidden' || r.result === 'failed' ? { reason: r.result } : {}),
          ...linkAudit(r.serviceAccountLinks),
          ...(answer.dryRun ? { dryRun: true } : {}),
        },
        counted: answer.dryRun || r.result === 'forbidden' ? undefined : r.result,
      }));
    }
    case 'refused':
      return [{ entry: { operation: 'apply', name: outcome.name, result: 'denied', reason: outcome.reason } }];
    case 'distribution-written':
      return [{ entry: { ...audited(outcome.target), result: outcome.view.result ?? 'deleted' } }];
  }
}

function audited({ operation, namespace, name, servers, dryRun }: WriteTarget): Omit<AuditEntry, 'result'> {
  return {
    operation,
    ...(namespace !== undefined ? { namespace } : {}),
    name,
    ...(servers ? { servers } : {}),
    ...(dryRun ? { dryRun: true } : {}),
  };
}

/** Only a pull secret's apply, create or merge is counted, and not a dry run. */
function countable({ operation, dryRun }: WriteTarget, result: string): string | undefined {
  return (operation === 'apply' || operation === 'create' || operation === 'merge') && !dryRun ? result : undefined;
}

/** The audit fields of a write's linking: the ServiceAccounts changed, and the one that failed. */
function linkAudit(links: readonly ServiceAccountLink[] | undefined): Pick<AuditEntry, 'serviceAccounts' | 'linkFailed'> {
  const changed = links?.filter((l) => l.result === 'linked' || l.result === 'unlinked').map((l) => l.serviceAccount) ?? [];
  const failed = links?.find((l) => l.result === 'failed');
  return { ...(changed.length ? { serviceAccounts: changed } : {}), ...(failed ? { linkFailed: failed.serviceAccount } : {}) };
}

/** A failure's kind for the audit line (its title, or "error"); never its message, which may quote input. */
function reasonOf(error: unknown): string {
  return error instanceof AppError ? `${error.status} ${error.title}` : 'error';
}
