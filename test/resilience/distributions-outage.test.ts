import { Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRIBUTION_LABEL } from '../../src/domain/distributions/distribution.js';
import { eventually } from '../support/poll.js';
import { startPrivateKit, type PrivateKit } from '../support/private-kit.js';
import { kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { KitObjects, startReplica, type Replica } from '../support/regcred-replicas.js';

// One regcred process on a private kit (the shared one is never stopped): its API server is stopped
// while the controller is writing copies, and started again 5 s later. The Lease is long enough
// (60 s) that the process keeps leading through the outage, so it is the informers that must come
// back by themselves, not a fresh controller after a change of leader.

const enabled = realClusterAvailable();
const CANARY = `canary-${uniqueName('pw')}`;
const NAMESPACES = 100;
const LATER = 5;
const OUTAGE_MS = 5_000;

describe.skipIf(!enabled)(kitSuiteTitle(`a distribution while the API server is stopped mid-reconcile (private kit)`), () => {
  let kit: PrivateKit | undefined;
  let objects: KitObjects;
  let replica: Replica | undefined;

  beforeAll(async () => {
    kit = await startPrivateKit();
    objects = new KitObjects(kit.kubeConfig());
    await applyDistributionCrd(kit.kubeconfigPath);
  }, 180_000);

  afterAll(async () => {
    await replica?.kill();
    await kit?.apiserver('start').catch(() => undefined);
    // The whole kit goes: nothing on it needs removing one by one.
    await kit?.destroy();
  }, 120_000);

  it('when the API server stops after the first 10 of 100 copies and starts 5 s later, then all 100 are written, 5 namespaces created right after get theirs, the status counts every one current, and no log line holds the password', async () => {
    const privateKit = kit!;
    const id = uniqueName('e2e');
    const name = uniqueName('psd-outage');
    const own = uniqueName('regcred-own');
    const targets = Array.from({ length: NAMESPACES }, (_, i) => `${id}-${i}`);
    const later = Array.from({ length: LATER }, (_, i) => `${id}-later-${i}`);
    await objects.createNamespaces([own]);
    await objects.createNamespaces(targets, { e2e: id });
    // Two writes at a time instead of 16, so that the stop lands in the middle of the writes.
    replica = await startReplica(privateKit.kubeconfigPath, own, {
      REGCRED_LEASE_DURATION_SECONDS: '60',
      REGCRED_FANOUT_CONCURRENCY: '2',
      REGCRED_CLUSTER_TIMEOUT_MS: '2000',
    });
    const service = replica;
    const asked = (path: string, init: RequestInit = {}) =>
      fetch(`${service.url}${path}`, { ...init, headers: { authorization: `Bearer ${service.token}`, ...init.headers } });
    await eventually(async () => expect(await service.leaderMetric()).toBe(1), { timeoutMs: 30_000, intervalMs: 200 });

    let copiesSeen = 0;
    let tenCopies: () => void = () => undefined;
    const tenWritten = new Promise<void>((resolve) => (tenCopies = resolve));
    const watch = await new Watch(privateKit.kubeConfig()).watch(
      '/api/v1/secrets',
      { labelSelector: `${DISTRIBUTION_LABEL}=${name}` },
      (type) => {
        if (type === 'ADDED' && ++copiesSeen >= 10) tenCopies();
      },
      () => undefined,
    );
    const put = await asked(`/v1/distributions/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server: 'registry.example.com', username: 'ci', password: CANARY, namespaceSelector: `e2e=${id}` }),
    });
    expect(put.status).toBe(201);

    await tenWritten;
    watch.abort();
    // regcred frozen while the copies are counted; the API server frozen before regcred goes on, so
    // its next writes hang, then stopped: connections cut in the middle of requests.
    service.child.kill('SIGSTOP');
    let copiesAtStop: number;
    try {
      copiesAtStop = (await objects.copies(name)).length;
      await privateKit.apiserver('pause');
    } finally {
      service.child.kill('SIGCONT');
    }
    await privateKit.apiserver('stop');
    const stoppedAt = performance.now();
    // The outage itself: a fault of a set length, not a wait for a condition.
    while (performance.now() - stoppedAt < OUTAGE_MS) {
      // The process keeps serving while its API server is gone.
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await privateKit.apiserver('start');
    const restartedAt = performance.now();
    await objects.createNamespaces(later, { e2e: id });

    const everyNamespace = [...targets, ...later].sort();
    await eventually(async () => expect(await objects.copies(name)).toEqual(everyNamespace), { timeoutMs: 90_000, intervalMs: 500 });
    const allWrittenMs = Math.round(performance.now() - restartedAt);
    await eventually(
      async () => {
        const view = (await (await asked(`/v1/distributions/${name}`)).json()) as {
          status?: { counts?: Record<string, number> };
        };
        expect(view.status?.counts).toMatchObject({
          targeted: NAMESPACES + LATER,
          current: NAMESPACES + LATER,
          inSync: NAMESPACES + LATER,
        });
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // Otherwise the stop did not land in the middle of the reconcile.
    expect(copiesAtStop, 'copies when the API server was stopped').toBeLessThan(NAMESPACES);
    expect(await service.leaderMetric(), 'it led throughout').toBe(1);
    expect(service.output()).not.toContain('no longer leading');
    expect(service.output(), 'the canary password in its output').not.toContain(CANARY);
    console.log(
      `distributions-outage: ${copiesAtStop} copies when the API server was stopped; all ${NAMESPACES + LATER} ${allWrittenMs} ms after the restart`,
    );
  }, 240_000);
});
