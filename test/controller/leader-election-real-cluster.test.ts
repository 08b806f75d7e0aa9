import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { LeaderElector } from '../../src/controller/leader-election.js';
import type { LeaseStore } from '../../src/domain/distributions/distribution-cluster.js';
import { FreezableLeaseStore } from '../support/fake-lease-store.js';
import { eventually } from '../support/poll.js';
import { adminKubeConfig, createTestNamespace, kitSuiteTitle, realClusterAvailable, type TestNamespace } from '../support/real-cluster.js';

const enabled = realClusterAvailable();
const title = kitSuiteTitle('leader election over a Lease on kube-apiserver v1.20.2');
const LEASE = 'regcred-controller';
// Short timings so the suite takes seconds; their ratios are the defaults' (15 s / 10 s / 2 s).
const TIMINGS = { leaseDurationSeconds: 3, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

describe.skipIf(!enabled)(title, () => {
  let namespace: TestNamespace;
  let leases: LeaseStore;
  const electors: LeaderElector[] = [];
  beforeEach(async () => {
    namespace = await createTestNamespace('leader');
    leases = new KubernetesDistributions(adminKubeConfig(), { timeoutMs: 5_000 }).leases;
  });
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((elector) => elector.stop()));
    await namespace.remove();
  });

  function replica(identity: string, store: LeaseStore, log: string[]): LeaderElector {
    const elector = new LeaderElector({
      leases: store,
      namespace: namespace.name,
      name: LEASE,
      identity,
      ...TIMINGS,
      callbacks: {
        onStartedLeading: () => void log.push(`${identity} started`),
        onStoppedLeading: () => void log.push(`${identity} stopped`),
      },
    });
    electors.push(elector);
    elector.start();
    return elector;
  }

  it('when two replicas run, then one leads; when it stops, it releases the Lease and the other takes over without waiting for it to expire', async () => {
    const log: string[] = [];
    const a = replica('replica-a', leases, log);
    await eventually(async () => expect(a.isLeader()).toBe(true));
    const b = replica('replica-b', leases, log);
    await new Promise((resolve) => setTimeout(resolve, 2 * TIMINGS.leaseDurationSeconds * 1000));
    expect(b.isLeader()).toBe(false);
    expect(b.leader).toBe('replica-a');

    await a.stop();
    const released = await leases.read(namespace.name, LEASE);
    expect(released?.holderIdentity).toBeFalsy();
    expect(released?.leaseDurationSeconds).toBe(1);

    await eventually(async () => expect(b.isLeader()).toBe(true));
    expect(await leases.read(namespace.name, LEASE)).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    expect(log).toEqual(['replica-a started', 'replica-a stopped', 'replica-b started']);
  });

  it('when the leader stops answering without releasing, then the other takes over once the Lease has not changed for leaseDuration', async () => {
    const log: string[] = [];
    const frozen = new FreezableLeaseStore(leases);
    const a = replica('replica-a', frozen, log);
    await eventually(async () => expect(a.isLeader()).toBe(true));
    const b = replica('replica-b', leases, log);
    await eventually(async () => expect(b.leader).toBe('replica-a'));

    frozen.frozen = true; // like a killed process: its Lease is no longer renewed, nor released
    const frozenAt = performance.now();
    await eventually(async () => expect(b.isLeader()).toBe(true), { timeoutMs: 15_000 });
    const takeoverMs = performance.now() - frozenAt;

    // Not a speed check: taking over sooner than leaseDuration (less the one retryPeriod a's last renewal
    // may precede the freeze) would mean b trusted something other than its own clock.
    expect(takeoverMs).toBeGreaterThanOrEqual((TIMINGS.leaseDurationSeconds * 1000 - TIMINGS.retryPeriodMs) * 0.9);
    expect(a.isLeader()).toBe(false);
    expect(log).toEqual(['replica-a started', 'replica-a stopped', 'replica-b started']);
    expect(await leases.read(namespace.name, LEASE)).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
  });
});
