import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/domain/cluster.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const WRITERS = 50;
// Shorter than the production WRITE_DEADLINE_MS (10 s, proven in test/domain/pull-secrets/keyed-queue.test.ts), so waiting it out costs little.
const DEADLINE_MS = 1_500;

interface Arena {
  namespace: string;
  /** A new client of the same cluster: a second regcred replica has its own. */
  client: () => Cluster;
  seedServiceAccount: (name: string) => Promise<void>;
  readServiceAccountPullSecrets: (name: string) => Promise<string[] | undefined>;
  remove: () => Promise<void>;
}

/** What these tests do with a cluster: each client is a replica's own (on memory, the one cluster over a pretend network). */
function suiteArena(arena: ClusterArena): Arena {
  const namespace = arena.ownNamespace;
  return {
    namespace,
    client: () => (arena.kind === 'memory' ? withRoundTrips(arena.cluster) : arena.connect(10_000)),
    seedServiceAccount: async (name) => void (await arena.seedServiceAccount({ namespace, name })),
    readServiceAccountPullSecrets: async (name) => (await arena.cluster.readServiceAccount(namespace, name))?.imagePullSecrets,
    remove: () => arena.cleanup(),
  };
}

/** The same cluster, each call answered after a short random pause, as over a network: so racing writers interleave. */
function withRoundTrips(cluster: Cluster): Cluster {
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        return value.apply(target, args);
      };
    },
  });
}

/** The cluster, its first createSecret call held (as by a frozen API server) until `release()`, or `fallbackMs` at the latest. */
function holdingFirstCreate(cluster: Cluster, fallbackMs: number) {
  let reach!: () => void;
  let resume!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  let held = true;
  const release = () => ((held = false), resume());
  setTimeout(release, fallbackMs).unref();
  let first = true;
  const holding = new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'createSecret') return value.bind(target);
      return async (...args: unknown[]) => {
        if (first) {
          first = false;
          reach();
          await resumed;
        }
        return value.apply(target, args);
      };
    },
  });
  return { cluster: holding, reached, release, isHeld: () => held };
}

const indices = (count: number) => Array.from({ length: count }, (_, i) => i);

describe.each(clusterArenas({ ownNamespace: 'contention', namespaces: ['contention'] }))(
  'concurrent writers on %s',
  (_title, makeArena) => {
    let arena: Arena;
    let replicas: TestApp[];
    let base: string;
    beforeEach(async () => {
      arena = suiteArena(await makeArena());
      // Two apps, each with its own cluster client: two replicas of regcred behind one Service.
      replicas = [buildTestApp({ cluster: arena.client() }), buildTestApp({ cluster: arena.client() })];
      base = `/v1/namespaces/${arena.namespace}/pullsecrets`;
    });
    afterEach(async () => {
      await arena.remove();
    });

    it(`when ${WRITERS} PUTs of one secret race on one replica, then all succeed, exactly one created, and the last writer's content is stored`, async () => {
      const answers = await Promise.all(
        indices(WRITERS).map((i) =>
          request(replicas[0]!.app)
            .put(`${base}/regcred`)
            .send({ server: 'registry.example.com', username: `writer-${i}`, password: `pw-${i}` }),
        ),
      );
      expectAllWritten(answers);
      await expectLastWriterStored(replicas[0]!, `${base}/regcred`, answers);
    });

    it(`when ${WRITERS} PUTs of one secret race across two replicas, then all succeed, exactly one created, and the last writer's content is stored`, async () => {
      const answers = await Promise.all(
        indices(WRITERS).map((i) =>
          request(replicas[i % 2]!.app)
            .put(`${base}/regcred`)
            .send({ server: 'registry.example.com', username: `writer-${i}`, password: `pw-${i}` }),
        ),
      );
      expectAllWritten(answers);
      await expectLastWriterStored(replicas[0]!, `${base}/regcred`, answers);
    });

    it(`when ${WRITERS} PATCH upserts of different registries race into one secret, then every entry lands`, async () => {
      await request(replicas[0]!.app)
        .put(`${base}/regcred`)
        .send({ server: 'first.example.com', username: 'u', password: 'p' })
        .expect(201);
      const answers = await Promise.all(
        indices(WRITERS).map((i) =>
          request(replicas[i % 2]!.app)
            .patch(`${base}/regcred`)
            .send({ upsert: [{ server: `r${i}.example.com`, username: `u${i}`, password: `p${i}` }] }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(answers.map((a) => a.body.result)).toEqual(answers.map(() => 'updated'));
      answers.slice(0, 3).forEach(expectMatchesContract);
      const stored = await request(replicas[1]!.app).get(`${base}/regcred`).expect(200);
      const servers = (stored.body.registries as { server: string }[]).map((r) => r.server).sort();
      expect(servers).toEqual(['first.example.com', ...indices(WRITERS).map((i) => `r${i}.example.com`)].sort());
    });

    it(`when ${WRITERS} PUTs of different secrets link one ServiceAccount across two replicas, then it lists each exactly once`, async () => {
      await arena.seedServiceAccount('builder');
      const answers = await Promise.all(
        indices(WRITERS).map((i) =>
          request(replicas[i % 2]!.app)
            .put(`${base}/s${i}`)
            .send({ server: 'registry.example.com', username: 'u', password: 'p', serviceAccounts: ['builder'] }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
      expect(answers.map((a) => a.body.serviceAccountLinks)).toEqual(answers.map(() => [{ serviceAccount: 'builder', result: 'linked' }]));
      expect([...((await arena.readServiceAccountPullSecrets('builder')) ?? [])].sort()).toEqual(
        indices(WRITERS)
          .map((i) => `s${i}`)
          .sort(),
      );
    });

    it(
      'when the write ahead hangs (a frozen API server), then PUTs queued behind it are refused with 503 and Retry-After: 1 at their deadline, while it still hangs; once it answers, writes go on',
      async () => {
        const hold = holdingFirstCreate(arena.client(), DEADLINE_MS + 5_000);
        const t = buildTestApp({ cluster: hold.cluster, writeDeadlineMs: DEADLINE_MS });
        const put = (i: number) =>
          request(t.app)
            .put(`${base}/regcred`)
            .send({ server: 'registry.example.com', username: `writer-${i}`, password: `pw-${i}` })
            .then((res) => ({ res, whileHeld: hold.isHeld() }));
        const head = put(0);
        await hold.reached;
        const queued = await Promise.all(indices(3).map((i) => put(i + 1)));
        expect(queued.map(({ res, whileHeld }) => [res.status, res.headers['retry-after'], whileHeld])).toEqual(
          queued.map(() => [503, '1', true]),
        );
        expectMatchesContract(queued[0]!.res);
        hold.release();
        expect((await head).res.status).toBe(201);
        const after = await put(4);
        expect([after.res.status, after.res.body.result]).toEqual([200, 'updated']);
      },
      DEADLINE_MS + 15_000,
    );
  },
);

function expectAllWritten(answers: request.Response[]): void {
  expect(answers.filter((a) => a.status >= 300).map((a) => `${a.status} ${a.body.detail}`)).toEqual([]);
  answers.slice(0, 3).forEach(expectMatchesContract);
  const results = answers.map((a) => a.body.result as string);
  expect(results.filter((r) => r === 'created')).toEqual(['created']);
  expect(results.filter((r) => r !== 'created' && r !== 'updated' && r !== 'unchanged')).toEqual([]);
  expect(answers.map((a) => a.status)).toEqual(results.map((r) => (r === 'created' ? 201 : 200)));
}

/** The stored secret is the one the latest write produced: its resourceVersion and content are that answer's. */
async function expectLastWriterStored(app: TestApp, path: string, answers: request.Response[]): Promise<void> {
  const stored = await request(app.app).get(path).expect(200);
  const last = answers.find((a) => a.body.resourceVersion === stored.body.resourceVersion && a.body.result !== 'unchanged');
  expect(last, 'some write produced the stored version').toBeDefined();
  expect(stored.body.registries).toEqual(last!.body.registries);
}
