import type { RequestHandler, Response } from 'express';
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
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../errors.js';
import type { Audit } from './audit.js';
import type { OperationOf } from './route-table.js';
import { clientAddressOf, type FailedAuthentications } from './failed-authentications.js';

const BEARER = /^Bearer +([\x21-\x7e]{1,4096})$/i;

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

/**
 * Who calls: the bearer token is checked by the gatekeeper; a missing or unknown token is a 401
 * with `WWW-Authenticate: Bearer` (and an audit line), whatever the path asked for. An address that
 * failed too often is answered 429 first, without the token being checked (see FailedAuthentications).
 * `operationOf` names the operation in those audit lines, as routing has not happened yet.
 */
export function authenticate({ gatekeeper, audit, failedAuthentications }: AccessControl, operationOf: OperationOf): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    const check = async () => (header && !token ? undefined : gatekeeper.authenticate(token));
    // In none mode nobody fails: there is nothing to count.
    const screened =
      gatekeeper.mode === 'none'
        ? { checked: true as const, caller: await check() }
        : await failedAuthentications.screen(req, token, check);
    if (!screened.checked) {
      audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'authentication-rate-limited' });
      throw new TooManyRequestsError(screened.retryAfter);
    }
    const caller = screened.caller;
    if (!caller) {
      audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'unauthenticated' });
      throw new UnauthorizedError();
    }
    res.locals.caller = caller;
    res.locals.shareKey = gatekeeper.mode === 'none' ? `address:${clientAddressOf(req)}` : `caller:${caller.name}`;
    next();
  };
}

/**
 * May the caller do this operation in the path's namespace? The deny list first, then the
 * gatekeeper; both before the body is read and before the cluster is asked anything, so a refused
 * caller learns nothing about the namespace, the secret or the validity of its input.
 */
export function authorize({ gatekeeper, denyNamespaces, audit }: AccessControl, operation: Operation): RequestHandler {
  return async (req, res, next) => {
    const namespace = String(req.params.namespace ?? '');
    const name = typeof req.params.name === 'string' ? req.params.name : undefined;
    const deny = (reason: string) => {
      audit(res, { operation, namespace, ...(name ? { name } : {}), result: 'denied', reason });
      return forbidden(namespace);
    };
    try {
      refuseDeniedNamespace(denyNamespaces, namespace);
    } catch (error) {
      if (error instanceof ForbiddenError) throw deny('denied-namespace');
      throw error;
    }
    if (REQUIRED_PERMISSIONS[operation].length > 0 && !(await gatekeeper.authorize(callerOf(res.locals), operation, namespace))) {
      throw deny('forbidden');
    }
    next();
  };
}

/**
 * May the caller do this operation in every namespace at once (a cluster-scoped review; in token
 * mode only a `*` grant)? For routes whose operation is cluster-wide (CLUSTER_WIDE_OPERATIONS),
 * before the body is read and before the cluster is asked anything.
 */
export function authorizeEverywhere(access: AccessControl, operation: Operation): RequestHandler {
  return async (req, res, next) => {
    await requireEverywhere(access, res, operation, typeof req.params.distribution === 'string' ? req.params.distribution : undefined);
    next();
  };
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
