import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import type { Cluster } from '../../src/domain/cluster.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import { DISTRIBUTION_UID_ANNOTATION } from '../../src/domain/distributions/distribution.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { recordingObserver } from '../support/recording-observer.js';
import { eventually } from '../support/poll.js';
import { startPrivateKit, type PrivateKit } from '../support/private-kit.js';
import { realClusterAvailable } from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';
import { arrangeWorld, canaryLeaks, leakCheckingCluster, sendHostile } from './fuzz/distribution-fuzz.js';
import { distributionFuzzWorld, hostileObjects } from './fuzz/distribution-objects.js';
import { apiServerStage, memoryStage, type DistributionFuzzStage } from './fuzz/distribution-stages.js';
import { probeHealthz } from './fuzz/healthz-probe.js';

// Hostile PullSecretDistribution objects straight to the cluster, as a kubectl user with rights on
// the CRD alone could send them, while the controller runs and an app answers /healthz in the same
// process. More objects: REGCRED_FUZZ_OBJECTS=2000; a failure reproduces with its printed seed
// (REGCRED_FUZZ_SEED). The real API server is a private kit's: objects without spec.source.namespace
// would otherwise be taken by the controllers other suites run on the shared kit.

const OBJECTS = Number(process.env.REGCRED_FUZZ_OBJECTS ?? 40);
const SEED = Number(process.env.REGCRED_FUZZ_SEED ?? 20_251_216);
const OWN = 'regcred-fuzz';
// Generous: the slow suites run four at a time on two cores, and a probe waits for the CPU as much
// as for the event loop. A spec that blocked the loop would take seconds (the took minutes);
// the bench (BENCH_ONLY=distribution-fuzz) reports the exact worst latency on a quieter machine.
const HEALTHZ_WORST_MS = 2000;
const real = realClusterAvailable();

interface Leg {
  stage: DistributionFuzzStage;
  cluster: Cluster;
  distributions: DistributionCluster;
  objects: number;
  close(): Promise<void>;
}

const legs: [string, () => Promise<Leg>][] = [
  [
    'the in-memory cluster behind the previous CRD (types only, no limits)',
    async () => {
      const cluster = new MemoryCluster({ namespaces: [OWN, 'kube-system', 'default'] });
      const distributions = new MemoryDistributions(cluster);
      return { stage: memoryStage(cluster, distributions), cluster, distributions, objects: OBJECTS, close: async () => undefined };
    },
  ],
];
if (real)
  legs.push([
    'kube-apiserver v1.20 (private kit) with the current CRD',
    async () => {
      const kit: PrivateKit = await startPrivateKit();
      try {
        await applyDistributionCrd(kit.kubeconfigPath);
        const stage = apiServerStage(kit.kubeConfig());
        await stage.createNamespace(OWN, {});
        const cluster = new KubernetesCluster(kit.kubeConfig(), { timeoutMs: 5000 });
        const distributions = new KubernetesDistributions(kit.kubeConfig(), { timeoutMs: 5000 });
        return { stage, cluster, distributions, objects: OBJECTS, close: () => kit.destroy() };
      } catch (error) {
        await kit.destroy();
        throw error;
      }
    },
  ]);

describe(`fuzzing kubectl-applied PullSecretDistribution objects with the controller running (seed ${SEED}, ${OBJECTS} objects${real ? '' : '; real API server SKIPPED: run with REGCRED_TEST_CLUSTER=required'})`, () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  }, 60_000);

  it.each(legs)(
    'on %s: no crash, no unexpected error, /healthz answered throughout, no canary where its owner did not send it',
    async (_title, makeLeg) => {
      const leg = await makeLeg();
      closers.push(() => leg.close());
      const world = distributionFuzzWorld(OWN, SEED);
      await arrangeWorld(leg.stage, world);
      // Made before /healthz is probed: the generator's work would count against the app.
      const objects = hostileObjects(world, leg.objects, SEED);

      const leaks: string[] = [];
      const unexpected: unknown[] = [];
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      closers.push(async () => void process.off('unhandledRejection', onUnhandled));
      const observer = recordingObserver({ unexpected }).observer;
      const controller = new DistributionController({
        cluster: leakCheckingCluster(leg.cluster, world, leaks),
        distributions: leg.distributions,
        ownNamespace: OWN,
        denyNamespaces: ['kube-system'],
        watchTimeoutSeconds: 30,
        resyncSeconds: 5,
        observer,
      });
      closers.push(() => controller.stop());
      const { app } = buildTestApp({ cluster: leg.cluster, distributions: leg.distributions, config: { namespace: OWN } });
      const server: Server = createServer(app);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      closers.push(() => new Promise((done) => server.close(done)));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const probe = probeHealthz(url);
      closers.push(() => probe.stop());

      await controller.start();
      const victimCopy = () => leg.cluster.readSecret(world.victim.namespace, world.victim.secretName);
      await eventually(async () => expect(await victimCopy()).toBeDefined(), { timeoutMs: 15_000 });
      const kubeSecretBefore = await leg.cluster.readSecret('kube-system', world.kubeSystemSecret);

      const outcomes = await sendHostile(leg.stage, objects, 4);
      const names = [...new Set(objects.map((o) => (o.body.metadata as { name: string }).name))];
      // The views read every object too: none may fail or show a canary.
      for (const path of ['/v1/distributions', ...names.slice(0, 30).map((n) => `/v1/distributions/${encodeURIComponent(n)}`)]) {
        const res = await fetch(`${url}${path}`);
        const body = await res.text();
        expect(res.status, `${path} answered ${res.status}`).toBeLessThan(500);
        for (const canary of world.canaries) expect(body).not.toContain(canary.text);
      }
      // Settled: nothing waiting or running twice in a row (failing objects wait their backoff).
      await eventually(
        async () => {
          expect(controller.backlog).toBe(0);
          await new Promise((done) => setTimeout(done, 300));
          expect(controller.backlog).toBe(0);
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );

      // Still alive: a copy deleted behind its back comes back, bound to the victim.
      const victim = (await leg.distributions.readDistribution(world.victim.name))!;
      const before = (await victimCopy())!;
      await leg.cluster.deleteSecret(before.namespace, before.name, before.uid ?? '');
      const restored = await eventually(
        async () => {
          const copy = await victimCopy();
          expect(copy?.uid ?? before.uid).not.toBe(before.uid);
          return copy!;
        },
        { timeoutMs: 15_000 },
      );
      const latency = await probe.stop();

      leaks.push(...canaryLeaks(world, await leg.stage.secrets()));
      console.log(
        `distribution fuzz (seed ${SEED}, ${objects.length} objects): ${JSON.stringify(outcomes)}; /healthz ${latency.probes} probes, worst ${latency.worstMs} ms, p99 ${latency.p99Ms} ms, ${latency.failures} failed`,
      );
      expect(leaks).toEqual([]);
      expect(unexpected).toEqual([]);
      expect(unhandled).toEqual([]);
      expect(latency.failures).toBe(0);
      expect(latency.worstMs).toBeLessThan(HEALTHZ_WORST_MS);
      expect(restored.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(victim.uid);
      expect(await leg.cluster.readSecret('kube-system', world.kubeSystemSecret)).toEqual(kubeSecretBefore);
    },
    Math.max(90_000, OBJECTS * 1000),
  );
});
