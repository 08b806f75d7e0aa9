import type { Response } from 'express';
import type { Logger } from 'pino';
import type { Caller, Operation } from '../domain/access/access-policy.js';
import { requestIdOf } from './pipeline/access-log.js';

/** What an audit line records about one write or denial; never a secret value. */
export interface AuditEntry {
  /** The operation, or `unknown` for a path that is none (e.g. a denied request for an unknown route). */
  operation: Operation | 'unknown';
  namespace?: string;
  name?: string;
  /** Registry server names only. */
  servers?: string[];
  /** ServiceAccounts linked or unlinked. */
  serviceAccounts?: string[];
  /** Fan-out: how many namespaces ended how. */
  summary?: Record<string, number>;
  result: 'created' | 'updated' | 'unchanged' | 'deleted' | 'denied' | 'failed' | 'multi-status' | 'succeeded';
  /** Why it was denied or failed: unauthenticated, forbidden, denied-namespace, rate-limited, or the error's title. */
  reason?: string;
  /** The secret was written, but linking this ServiceAccount to it failed. */
  linkFailed?: string;
  dryRun?: boolean;
}

export type Audit = (res: Response, entry: AuditEntry) => void;

/** Which operation a request's method and path are, for audit lines written before routing. */
export type OperationOf = (method: string, path: string) => Operation | 'unknown';

/**
 * One structured line per write and per denial, on a child logger marked `audit: true`:
 * time, requestId, caller, operation, namespace, name, servers, result, reason, dryRun.
 */
export function createAudit(logger: Logger): Audit {
  const audit = logger.child({ audit: true });
  return (res, entry) => {
    const caller = res.locals.caller as Caller | undefined;
    audit.info({ requestId: requestIdOf(res), caller: caller?.name ?? null, ...entry }, 'audit');
  };
}
