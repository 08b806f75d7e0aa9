import { NamespaceNotFoundError, StaleWriteError } from '../../domain/cluster.js';
import type { LeaseObject, LeaseStore } from '../../domain/distributions/distribution-cluster.js';

/** The embedded cluster's Leases, with the API server's optimistic concurrency. */
export class MemoryLeases implements LeaseStore {
  private readonly byKey = new Map<string, LeaseObject>();

  constructor(
    private readonly namespaceExists: (namespace: string) => Promise<boolean>,
    private readonly nextResourceVersion: () => string,
  ) {}

  async read(namespace: string, name: string): Promise<LeaseObject | undefined> {
    const found = this.byKey.get(key(namespace, name));
    return found && structuredClone(found);
  }

  async create(lease: LeaseObject): Promise<LeaseObject> {
    const { namespace, name } = lease;
    if (!(await this.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
    if (this.byKey.has(key(namespace, name))) throw new StaleWriteError(namespace, name, 'lease');
    return this.store(lease);
  }

  async replace(lease: LeaseObject & { resourceVersion: string }): Promise<LeaseObject> {
    const { namespace, name } = lease;
    const existing = this.byKey.get(key(namespace, name));
    if (!existing || !lease.resourceVersion || existing.resourceVersion !== lease.resourceVersion) {
      throw new StaleWriteError(namespace, name, 'lease');
    }
    return this.store(lease);
  }

  private store(lease: LeaseObject): LeaseObject {
    const stored = { ...structuredClone(lease), resourceVersion: this.nextResourceVersion() };
    this.byKey.set(key(lease.namespace, lease.name), stored);
    return structuredClone(stored);
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
