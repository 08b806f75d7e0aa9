import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import request from 'supertest';
import { KubernetesDistributions } from '../../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../../src/cluster/kubernetes/cluster.js';
import { MemoryDistributions } from '../../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../../src/cluster/memory/cluster.js';
import type { DistributionCluster } from '../../../src/domain/distributions/distribution-cluster.js';
import { applyDistributionCrd } from '../../support/distribution-crd.js';
import { defaultConfig, type Config } from '../../../src/config.js';
import { parseTokensFile } from '../../../src/domain/access/caller-tokens.js';
import type { Cluster } from '../../../src/domain/cluster.js';
import { tokenGatekeeper } from '../../../src/domain/access/gatekeeper.js';
import type { RegistryVerifier } from '../../../src/domain/verify/registry-verifier.js';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from '../../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../../support/test-app.js';
import { basicAuth, newWorld, type FuzzWorld } from './world.js';

/** Answers at once, without the network: `verify=true|required` is fuzzed, registries are not. */
const stubVerifier: RegistryVerifier = {
  verify: async (target) => ({
    verification: {
      server: target.server,
      status: target.username.length % 2 === 0 ? 'valid' : 'invalid',
      method: 'basic',
      ...(target.repository ? { repository: target.repository } : {}),
      detail: 'stubbed for the fuzzer',
      checkedAt: new Date().toISOString(),
    },
    refusedByGuard: false,
  }),
};

// The fuzzer looks for crashes, leaks and dropped connections; the rate limits have tests of their own.
const unlimited = (): Partial<Config> =>
  Object.fromEntries(
    Object.keys(defaultConfig())
      .filter((k) => k.endsWith('PerMinute'))
      .map((k) => [k, 1_000_000_000]),
  ) as Partial<Config>;

export interface FuzzTarget {
  testApp: TestApp;
  world: FuzzWorld;
  cleanUp(): Promise<void>;
}

/** The app over a cluster holding this run's namespaces, with a pull secret and an Opaque Secret seeded in each. */
async function target(
  cluster: Cluster,
  world: FuzzWorld,
  cleanUp: () => Promise<void>,
  distributions: { port: DistributionCluster; namespace: string },
): Promise<FuzzTarget> {
  const gatekeeper = world.tokens
    ? tokenGatekeeper(
        parseTokensFile(
          JSON.stringify([
            { caller: 'fuzz-all', token: world.tokens.all, namespaces: world.namespaces },
            { caller: 'fuzz-one', token: world.tokens.one, namespaces: world.namespaces.slice(0, 1) },
          ]),
        ),
      )
    : undefined;
  // judge() checks every answer against the contract, knowing the request that caused it.
  const testApp = buildTestApp({
    cluster,
    gatekeeper,
    verifier: stubVerifier,
    config: { ...unlimited(), namespace: distributions.namespace },
    recordContract: false,
    distributions: distributions.port,
  });
  for (const namespace of world.namespaces) {
    for (const name of ['regcred', 'seeded']) {
      const res = await request(testApp.app)
        .put(`/v1/namespaces/${namespace}/pullsecrets/${name}`)
        .set(world.tokens ? { Authorization: `Bearer ${world.tokens.all}` } : {})
        .send({ server: 'registry.example.com', username: 'janedoe', password: world.canary, email: 'jane@example.com' });
      if (res.status !== 201) throw new Error(`seeding ${namespace}/${name} answered ${res.status}`);
    }
    const data = {
      '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { auth: basicAuth(world) } } })).toString(
        'base64',
      ),
    };
    await cluster.createSecret({ name: 'opaque', namespace, type: 'Opaque', labels: {}, annotations: {}, data });
  }
  testApp.logLines.length = 0;
  return { testApp, world, cleanUp };
}

export function memoryTarget(seed: number, withTokens: boolean): Promise<FuzzTarget> {
  const world = newWorld(seed, ['fuzz-a', 'fuzz-b'], withTokens);
  const labels = { [world.label.key]: world.label.value };
  const cluster = new MemoryCluster({
    namespaces: [{ name: 'fuzz-a', labels }, { name: 'fuzz-b', labels }, 'kube-system', 'default', 'regcred'],
  });
  return target(cluster, world, async () => {}, { port: new MemoryDistributions(cluster), namespace: 'regcred' });
}

/** Two fresh namespaces of the real API server, labelled for this run, removed afterwards. */
export async function realTarget(seed: number, withTokens: boolean): Promise<FuzzTarget> {
  const created: TestNamespace[] = [await createTestNamespace('fuzz'), await createTestNamespace('fuzz')];
  const world = newWorld(
    seed,
    created.map((n) => n.name),
    withTokens,
  );
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  for (const { name } of created) {
    await core.patchNamespace(
      { name, body: { metadata: { labels: { [world.label.key]: world.label.value } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
  const distributions = await trackedDistributions();
  // Source Secrets go to a namespace of this run, removed with it: regcred's own, out of every caller's reach.
  const own = await createTestNamespace('fuzz-own');
  return target(
    cluster,
    world,
    async () => {
      await distributions.remove();
      await Promise.all([...created, own].map((n) => n.remove()));
    },
    { port: distributions.port, namespace: own.name },
  );
}

/** The real port, remembering every distribution it creates so the run removes them (they are cluster-scoped). */
async function trackedDistributions(): Promise<{ port: DistributionCluster; remove(): Promise<void> }> {
  await applyDistributionCrd();
  const real = new KubernetesDistributions(adminKubeConfig(), { timeoutMs: 5000 });
  const names = new Set<string>();
  const port: DistributionCluster = Object.assign(Object.create(real) as DistributionCluster, {
    createDistribution: async (draft: Parameters<DistributionCluster['createDistribution']>[0]) => {
      const created = await real.createDistribution(draft);
      names.add(created.name);
      return created;
    },
  });
  return {
    port,
    remove: async () => {
      for (const name of names) {
        const found = await real.readDistribution(name).catch(() => undefined);
        if (!found) continue;
        await real.replaceDistribution({ ...found, finalizers: [], resourceVersion: found.resourceVersion ?? '' }).catch(() => undefined);
        await real.deleteDistribution(name, found.uid ?? '').catch(() => undefined);
      }
    },
  };
}
