import type { Response } from 'express';
import {
  ALL_NAMESPACES,
  REQUIRED_PERMISSIONS,
  forbidden,
  forbiddenEverywhere,
  refuseDeniedNamespace,
  type Caller,
  type Operation,
} from '../domain/access/access-policy.js';
import type { Gatekeeper } from '../domain/access/gatekeeper.js';
import { ForbiddenError } from '../errors.js';
import type { Audit } from './audit.js';
import type { FailedAuthentications } from './pipeline/failed-authentications.js';

// The permission checks a route's handler asks, once the pipeline has authenticated the caller.

export interface AccessControl {
  gatekeeper: Gatekeeper;
  denyNamespaces: readonly string[];
  audit: Audit;
  /** Failed authentications per client address; an address over the limit is refused before its token is checked. */
  failedAuthentications: FailedAuthentications;
}

/** The caller of this request, set by `authenticate`. */
export function callerOf(locals: Record<string, unknown>): Caller {
  return locals.caller as Caller;
}

/**
 * Whose share of a bounded resource (the verification slots) this request takes, set by
 * `authenticate`: the caller's name, or in none mode, where every caller is "anonymous", the client address.
 */
export function shareKeyOf(locals: Record<string, unknown>): string {
  return (locals.shareKey as string | undefined) ?? 'unauthenticated';
}

/** The check of authorizeEverywhere, inside a route (e.g. DELETE ?orphan=true also needs `orphanDistribution`). @throws ForbiddenError */
export async function requireEverywhere(access: AccessControl, res: Response, operation: Operation, name?: string): Promise<void> {
  if (await mayDoEverywhere(access, callerOf(res.locals), [operation])) return;
  access.audit(res, { operation, ...(name ? { name } : {}), result: 'denied', reason: 'forbidden' });
  throw forbiddenEverywhere();
}

/**
 * A further check inside a route, once the body says what else the request does (e.g. linking
 * ServiceAccounts): the caller must also be allowed `operation` in the namespace. @throws ForbiddenError
 */
export async function requirePermission(
  access: AccessControl,
  res: Response,
  operation: Operation,
  namespace: string,
  name?: string,
): Promise<void> {
  if (REQUIRED_PERMISSIONS[operation].length === 0) return;
  if (await access.gatekeeper.authorize(callerOf(res.locals), operation, namespace)) return;
  access.audit(res, { operation, namespace, ...(name ? { name } : {}), result: 'denied', reason: 'forbidden' });
  throw forbidden(namespace);
}

/** Whether the caller may do `operation` in the namespace: the deny list, then the gatekeeper; no answer is sent. */
export async function mayDo(access: AccessControl, caller: Caller, operations: readonly Operation[], namespace: string): Promise<boolean> {
  try {
    refuseDeniedNamespace(access.denyNamespaces, namespace);
  } catch (error) {
    if (error instanceof ForbiddenError) return false;
    throw error;
  }
  for (const operation of operations) {
    if (REQUIRED_PERMISSIONS[operation].length > 0 && !(await access.gatekeeper.authorize(caller, operation, namespace))) return false;
  }
  return true;
}

/** Whether the caller may do `operations` in every namespace at once (one cluster-scoped review each); the deny list is not applied. */
export async function mayDoEverywhere(access: AccessControl, caller: Caller, operations: readonly Operation[]): Promise<boolean> {
  for (const operation of operations) {
    if (REQUIRED_PERMISSIONS[operation].length > 0 && !(await access.gatekeeper.authorize(caller, operation, ALL_NAMESPACES))) return false;
  }
  return true;
}
