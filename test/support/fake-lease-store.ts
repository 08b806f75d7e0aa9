import { StaleWriteError } from '../../src/domain/cluster.js';
import type { LeaseObject, LeaseStore } from '../../src/domain/distributions/distribution-cluster.js';

/**
 * Leases in memory with the API server's optimistic concurrency (a write with an old
 * resourceVersion is a StaleWriteError). `failing` makes every call fail, as an unreachable API server.
 */
export class FakeLeaseStore implements LeaseStore {
  failing: Error | undefined;
  writes = 0;
  private readonly leases = new Map<string, LeaseObject>();
  private version = 1;

  async read(namespace: string, name: string): Promise<LeaseObject | undefined> {
    this.check();
    const lease = this.leases.get(`${namespace}/${name}`);
    return lease && { ...lease };
  }

  async create(lease: LeaseObject): Promise<LeaseObject> {
    this.check();
    const key = `${lease.namespace}/${lease.name}`;
    if (this.leases.has(key)) throw new StaleWriteError(lease.namespace, lease.name, 'lease');
    return this.store(key, lease);
  }

  async replace(lease: LeaseObject & { resourceVersion: string }): Promise<LeaseObject> {
    this.check();
    const key = `${lease.namespace}/${lease.name}`;
    if (this.leases.get(key)?.resourceVersion !== lease.resourceVersion) throw new StaleWriteError(lease.namespace, lease.name, 'lease');
    return this.store(key, lease);
  }

  /** The stored lease, for assertions. */
  peek(namespace: string, name: string): LeaseObject | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  private store(key: string, lease: LeaseObject): LeaseObject {
    this.writes++;
    const stored = { ...lease, resourceVersion: String(++this.version) };
    this.leases.set(key, stored);
    return { ...stored };
  }

  private check(): void {
    if (this.failing) throw this.failing;
  }
}

/** One replica's view of a shared store that the test can freeze: its calls then never answer, as for a stopped process. */
export class FreezableLeaseStore implements LeaseStore {
  frozen = false;

  constructor(private readonly store: LeaseStore) {}

  read(namespace: string, name: string): Promise<LeaseObject | undefined> {
    return this.frozen ? new Promise(() => undefined) : this.store.read(namespace, name);
  }

  create(lease: LeaseObject): Promise<LeaseObject> {
    return this.frozen ? new Promise(() => undefined) : this.store.create(lease);
  }

  replace(lease: LeaseObject & { resourceVersion: string }): Promise<LeaseObject> {
    return this.frozen ? new Promise(() => undefined) : this.store.replace(lease);
  }
}
