import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { CredentialRefresher } from '../../src/controller/credential-refresher.js';
import type { DistributionCaches } from '../../src/controller/distribution-caches.js';
import { LedgerBook } from '../../src/controller/ledger-book.js';
import { NamespaceMemory } from '../../src/controller/namespace-memory.js';
import type { ReconcileObserver } from '../../src/controller/reconcile-dependencies.js';
import { reconcileDistribution } from '../../src/controller/reconcile-distribution.js';
import { CLEANUP_FINALIZER, INSTALLATION_ANNOTATION, type DistributionObject } from '../../src/domain/distributions/distribution.js';
import type { SecretObject } from '../../src/domain/kubernetes/secret.js';
import { clockedRefresher } from '../support/cloud/clocked-refresher.js';

const OWN = 'regcred';
const TEAM = { name: 'team-a', labels: { team: 'a' }, terminating: false };

/** A cloud-sourced distribution over one namespace, reconciled by hand, with a refresher on a clock the test moves. */
async function arrange() {
  const cluster = new MemoryCluster({ namespaces: [OWN, { name: TEAM.name, labels: TEAM.labels }] });
  const distributions = new MemoryDistributions(cluster);
  let distribution: DistributionObject = await distributions.createDistribution({
    name: 'wide',
    finalizers: [CLEANUP_FINALIZER],
    labels: {},
    annotations: { [INSTALLATION_ANNOTATION]: OWN },
    spec: {
      secretName: 'regcred',
      serviceAccounts: [],
      namespaceSelector: 'team=a',
      source: { secretName: 'distribution-wide', namespace: OWN, ecr: { region: 'eu-west-1', registryIds: ['111122223333'] } },
    },
  });
  // The caches as informers would hold them once the watch delivered the reconcile's own writes.
  const copies = new Map<string, SecretObject>();
  const caches: DistributionCaches = {
    distribution: () => distribution,
    distributions: () => [distribution],
    namespaces: () => [TEAM],
    namespace: (name) => (name === TEAM.name ? TEAM : undefined),
    copy: (namespace, name) => copies.get(`${namespace}/${name}`),
    copiesOf: () => [...copies.values()],
    remember: (copy) => copies.set(`${copy.namespace}/${copy.name}`, copy),
    serviceAccountsIn: () => [],
    rememberDistribution: (updated) => (distribution = updated),
  };
  const rolledOut: string[] = [];
  const observer: ReconcileObserver = {
    restored: () => {},
    failed: () => {},
    refused: () => {},
    rolledOut: (_d, status) => rolledOut.push(status.contentHash!),
    conditionChanged: () => {},
    unexpected: () => {},
  };
  const world = clockedRefresher(cluster, { ownNamespace: OWN });
  const deps = {
    cluster,
    distributions,
    caches,
    ownNamespace: OWN,
    denyNamespaces: [],
    concurrency: 4,
    observer,
    memory: new NamespaceMemory(60_000),
    ledgers: new LedgerBook(),
    proofKey: { bytes: new Uint8Array(32) },
    credentials: world.refresher,
    cloudAllow: ['ecr:111122223333:*'],
    now: world.now,
  };
  return {
    ...world,
    rolledOut,
    reconcile: () => reconcileDistribution(deps, 'wide'),
    status: async () => (await distributions.readDistribution('wide'))!.status!,
  };
}

describe('the roll-out a refresh point leaves room for is measured by the reconcile that completes it', () => {
  let refresher: CredentialRefresher | undefined;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  afterEach(() => {
    refresher?.stop();
    vi.useRealTimers();
  });

  it('when every copy carries the new token 400 s after the refresher wrote it, then the next 15-minute token is renewed at the floor, and the status says why', async () => {
    const world = await arrange();
    refresher = world.refresher;
    await world.reconcile();
    await world.advance(0);
    expect(world.mints).toHaveLength(1);
    // The reconcile the new source starts, 400 s later (a queue of other distributions, a wide pass).
    await world.advance(400_000);
    await world.reconcile();
    expect((await world.status()).rolledOutAt).toBeDefined();

    await world.advanceTo(new Date((await world.status()).credential!.nextRefreshTime!));
    expect(world.mints).toHaveLength(2);
    await world.reconcile();
    const status = await world.status();
    // The floor: not before the last roll-out's length (400 s), so roll-outs do not overlap.
    expect(Date.parse(status.credential!.nextRefreshTime!) - world.mints[1]!.issuedAt.getTime()).toBe(400_000);
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'TokenTooShortForRollout' });
    expect(status.counts).toMatchObject({ targeted: 1, current: 1 });
    // The second token's roll-out is reported too, though its first status said "rolled out" at once.
    expect(world.rolledOut).toEqual([expect.any(String), status.contentHash]);
    expect(new Set(world.rolledOut).size).toBe(2);
  });
});
