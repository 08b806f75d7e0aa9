import type { CoordinationV1Api } from '@kubernetes/client-node';
import { StaleWriteError } from '../../domain/cluster.js';
import type { LeaseObject, LeaseStore } from '../../domain/distributions/distribution-cluster.js';
import { NotFoundError } from '../../errors.js';
import { toLeaseObject, toV1Lease } from './distribution-objects.js';
import type { ApiCall } from './errors.js';
import type { CallApi } from './service-accounts.js';

/** coordination.k8s.io/v1 Leases, for leader election: create, and replace with the resourceVersion precondition. */
export class KubernetesLeases implements LeaseStore {
  constructor(
    private readonly coordination: CoordinationV1Api,
    private readonly call: CallApi,
  ) {}

  async read(namespace: string, name: string): Promise<LeaseObject | undefined> {
    const op: ApiCall = { verb: 'get', resource: 'leases', namespace, name };
    try {
      return toLeaseObject(await this.call(op, (o) => this.coordination.readNamespacedLease({ namespace, name }, o)));
    } catch (error) {
      // Also when the namespace does not exist: there is no lease to read.
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async create(lease: LeaseObject): Promise<LeaseObject> {
    const { namespace, name } = lease;
    const op: ApiCall = { verb: 'create', resource: 'leases', namespace, name };
    const body = toV1Lease({ ...lease, resourceVersion: undefined });
    return toLeaseObject(await this.call(op, (o) => this.coordination.createNamespacedLease({ namespace, body }, o)));
  }

  async replace(lease: LeaseObject & { resourceVersion: string }): Promise<LeaseObject> {
    const { namespace, name } = lease;
    // The API server treats an empty resourceVersion as "replace unconditionally": two leaders.
    if (!lease.resourceVersion) throw new StaleWriteError(namespace, name, 'lease');
    const op: ApiCall = { verb: 'update', resource: 'leases', namespace, name };
    const body = toV1Lease(lease);
    return toLeaseObject(await this.call(op, (o) => this.coordination.replaceNamespacedLease({ namespace, name, body }, o)));
  }
}
