import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseObject } from '../domain/distributions/distribution-cluster.js';

/** `host-1a2b3c4d`: unique per process even with several replicas on one host. */
export function defaultIdentity(): string {
  return `${hostname()}-${randomBytes(4).toString('hex')}`;
}

/** RFC 3339 with microseconds, the MicroTime format Lease times use. */
export function toMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/**
 * The lease as `identity` writes it to acquire or renew `current` (undefined: none exists yet):
 * acquireTime and leaseTransitions change only when the holder does.
 */
export function heldLease(
  current: LeaseObject | undefined,
  lease: { namespace: string; name: string; identity: string; leaseDurationSeconds: number; now: number },
): LeaseObject {
  const stamp = toMicroTime(lease.now);
  const ours = current?.holderIdentity === lease.identity;
  return {
    namespace: lease.namespace,
    name: lease.name,
    holderIdentity: lease.identity,
    leaseDurationSeconds: lease.leaseDurationSeconds,
    acquireTime: ours ? (current?.acquireTime ?? stamp) : stamp,
    renewTime: stamp,
    leaseTransitions: current ? (current.leaseTransitions ?? 0) + (ours ? 0 : 1) : 0,
  };
}

/** The lease handed back: no holder, and a 1 s duration so that nobody waits for it (as client-go's release). */
export function releasedLease(current: LeaseObject & { resourceVersion: string }, now: number): LeaseObject & { resourceVersion: string } {
  const stamp = toMicroTime(now);
  return { ...current, holderIdentity: undefined, leaseDurationSeconds: 1, acquireTime: stamp, renewTime: stamp };
}
