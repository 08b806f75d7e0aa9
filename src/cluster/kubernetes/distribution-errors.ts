import { ApiException } from '@kubernetes/client-node';
import { ClusterPermissionError, NamespaceNotFoundError, StaleWriteError } from '../../domain/cluster.js';
import { DistributionNotFoundError } from '../../domain/distributions/distribution-cluster.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL } from '../../domain/distributions/distribution.js';
import { WatchExpiredError } from '../../domain/watch.js';
import { NotFoundError, UpstreamError, type AppError } from '../../errors.js';
import { invalidObjectError, readStatus, translateClusterError, type ApiCall, type ApiStatus } from './errors.js';

const DISTRIBUTIONS = `${DISTRIBUTION_PLURAL}.${DISTRIBUTION_GROUP}`;

/**
 * translateClusterError for the distribution controller's calls: 403 is regcred's own missing
 * permission (the reconciler reports such a namespace `forbidden`), 404/409/410/422 are read per resource; the
 * rest (401, 429, 503, network, deadline) as for every other call.
 */
export function translateDistributionError(error: unknown, op: ApiCall): AppError {
  if (!(error instanceof ApiException)) return translateClusterError(error, op);
  const status = readStatus(error.body);
  const translated = translateStatus(error.code, status, op) ?? translateClusterError(error, op);
  translated.cause = { upstreamStatus: error.code, upstreamReason: status.reason };
  return translated;
}

/** What a non-2xx answer means, by HTTP status, or undefined when translateClusterError knows it as well. */
export function translateStatus(code: number, status: ApiStatus, op: ApiCall): AppError | undefined {
  const { namespace, name = '' } = op;
  switch (code) {
    case 403:
      // regcred's own identity was refused, not its caller: as for every other call (a 502, never the caller's 403).
      return new ClusterPermissionError(missingPermission(op));
    case 404:
      if (op.resource === DISTRIBUTION_PLURAL) {
        // An object that is not there names itself in details; a resource the API server does not serve does not.
        if (status.details?.name) return new DistributionNotFoundError(status.details.name);
        return new UpstreamError(
          `the Kubernetes API server does not serve ${DISTRIBUTIONS}; apply its CustomResourceDefinition (deploy/base/crd-pullsecretdistribution.yaml)`,
        );
      }
      // A lease deleted since it was read is as stale as one changed.
      if (op.resource === 'leases' && op.verb === 'update') return new StaleWriteError(namespace, name, 'lease');
      if (op.verb === 'create') return new NamespaceNotFoundError(namespace);
      return new NotFoundError(`${op.resource} "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''}`);
    case 409:
      if (op.resource === DISTRIBUTION_PLURAL) return new StaleWriteError('', name, 'pullsecretdistribution');
      if (op.resource === 'leases') return new StaleWriteError(namespace, name, 'lease');
      return undefined;
    case 410:
      return new WatchExpiredError(op.resource);
    case 422:
      return invalidObjectError(op, status.details?.causes ?? []);
  }
  return undefined;
}

function missingPermission({ verb, resource, subresource, namespace }: ApiCall): string {
  const what = subresource ? `${resource}/${subresource}` : resource;
  const where = namespace ? ` in namespace "${namespace}"` : ' (cluster-wide)';
  return `regcred's own identity lacks the RBAC permission to ${verb} ${what}${where}`;
}
