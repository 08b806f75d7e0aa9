import type { RequestHandler } from 'express';
import { REQUIRED_PERMISSIONS, forbidden, refuseDeniedNamespace, type Operation } from '../../domain/access/access-policy.js';
import { ForbiddenError } from '../../errors.js';
import { callerOf, requireEverywhere, type AccessControl } from '../access.js';

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
