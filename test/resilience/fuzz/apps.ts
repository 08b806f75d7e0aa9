import request from 'supertest';
import type { DistributionCluster } from '../../../src/domain/distributions/distribution-cluster.js';
import { defaultConfig, type Config } from '../../../src/config.js';
import { parseTokensFile } from '../../../src/domain/access/caller-tokens.js';
import type { Cluster } from '../../../src/domain/cluster.js';
import { tokenGatekeeper } from '../../../src/domain/access/gatekeeper.js';
import type { RegistryVerifier } from '../../../src/domain/verify/registry-verifier.js';
import { kitArena, memoryArena } from '../../support/cluster-arena.js';
import { uniqueName } from '../../support/real-cluster.js';
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
  const arena = memoryArena({
    ownNamespace: 'regcred',
    namespaces: [{ name: 'fuzz-a', labels }, { name: 'fuzz-b', labels }, 'kube-system', 'default', 'regcred'],
  });
  return target(arena.cluster, world, arena.cleanup, { port: arena.distributions, namespace: arena.ownNamespace });
}

/** Two fresh namespaces of the real API server, labelled for this run, removed afterwards with the distributions the run made. */
export async function realTarget(seed: number, withTokens: boolean): Promise<FuzzTarget> {
  // Source Secrets go to the arena's own namespace, removed with it: regcred's own, out of every caller's reach.
  const arena = await kitArena();
  const world = newWorld(seed, [uniqueName('fuzz'), uniqueName('fuzz')], withTokens);
  for (const name of world.namespaces) await arena.createNamespace(name, { [world.label.key]: world.label.value });
  const made = new Set<string>();
  // The port, remembering every distribution it creates (they are cluster-scoped).
  const port: DistributionCluster = Object.assign(Object.create(arena.distributions) as DistributionCluster, {
    createDistribution: async (draft: Parameters<DistributionCluster['createDistribution']>[0]) => {
      const created = await arena.distributions.createDistribution(draft);
      made.add(created.name);
      return created;
    },
  });
  return target(arena.cluster, world, () => arena.cleanup([...made]), { port, namespace: arena.ownNamespace });
}
