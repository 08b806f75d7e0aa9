import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { AccessReviewer } from '../../src/domain/access/access-policy.js';
import { authorizeNamespaces, MAX_FAN_OUT_REFUSALS, type NamespaceAccess } from '../../src/domain/access/authorize-namespaces.js';
import { parseTokensFile, tokenSha256Hex } from '../../src/domain/access/caller-tokens.js';
import type { Cluster } from '../../src/domain/cluster.js';
import { MAX_FAN_OUT_NAMESPACES } from '../../src/domain/pull-secrets/write-schemas.js';
import { kubernetesGatekeeper, tokenGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import { closeServer, listenOnLoopback } from '../support/loopback.js';
import { eventually } from '../support/poll.js';
import {
  adminKubeConfig,
  createTestNamespace,
  grantSecrets,
  realClusterAvailable,
  userToken,
  type TestNamespace,
} from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';

const creds = { server: 'registry.example.com', username: 'u', password: 'p' };
const randomNamespaces = (n: number) => Array.from({ length: n }, () => `abuse-${randomBytes(6).toString('hex')}`);

/** An AccessReviewer that counts what it is asked before passing it on. */
function counting(reviewer: AccessReviewer) {
  const counts = { tokenReviews: 0, accessReviews: 0 };
  const wrapped: AccessReviewer = {
    reviewToken: (token) => (counts.tokenReviews++, reviewer.reviewToken(token)),
    reviewAccess: (identity, permission, namespace) => (counts.accessReviews++, reviewer.reviewAccess(identity, permission, namespace)),
  };
  return { counts, reviewer: wrapped };
}

/** In-memory stand-in for the API server's reviews: `good-<user>` tokens; each user allowed in the namespaces given ('' = everywhere). */
function fakeReviewer(grants: Record<string, string[]>): AccessReviewer {
  return {
    reviewToken: async (token) => (token.startsWith('good-') ? { username: token.slice(5), groups: [] } : undefined),
    reviewAccess: async (identity, _permission, namespace) => {
      const allowed = grants[identity.username] ?? [];
      return allowed.includes('') || allowed.includes(namespace);
    },
  };
}

describe('failed authentications are limited per client address, before any token is checked', () => {
  it('token mode: after 30 failures the address gets 429 problem+json with Retry-After; a token accepted earlier still passes, an unknown one does not', async () => {
    const good = 'good-regcred-token-0123456789';
    const other = 'other-regcred-token-0123456789';
    const entries = parseTokensFile(
      JSON.stringify([
        { caller: 'good', sha256: tokenSha256Hex(good), namespaces: ['*'] },
        { caller: 'other', sha256: tokenSha256Hex(other), namespaces: ['*'] },
      ]),
    );
    const { app } = buildTestApp({ gatekeeper: tokenGatekeeper(entries) });
    const list = (token?: string) => {
      const r = request(app).get('/v1/namespaces/default/pullsecrets');
      return token ? r.set('Authorization', `Bearer ${token}`) : r;
    };
    expect((await list(good)).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await list(`wrong-${i}`)).status).toBe(401);
    const refused = await list('wrong-again');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await list()).status).toBe(429);
    // Refused unheard: a right token never seen before gets the same 429 as a wrong one.
    expect((await list(other)).status).toBe(429);
    expect((await list(good)).status).toBe(200);
  });

  it('kubernetes mode (in-memory cluster): 300 concurrent bad tokens cost at most 30 TokenReviews', async () => {
    const { counts, reviewer } = counting(fakeReviewer({}));
    const gatekeeper = kubernetesGatekeeper(reviewer, { ttlMs: 10_000 });
    const server = await listening(buildTestApp({ gatekeeper }).app);
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          request(server).get('/v1/namespaces/default/pullsecrets').set('Authorization', `Bearer bad-${i}`),
        ),
      );
      expect(answers.filter((a) => a.status === 401)).toHaveLength(30);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(270);
      expect(counts.tokenReviews).toBe(30);
    } finally {
      await closeServer(server);
    }
  });

  describe.skipIf(!realClusterAvailable())('kubernetes mode against the real API server', () => {
    it('300 bad tokens from one address: 30 TokenReviews, then 429s that cost none; alice, accepted before, still gets through', async () => {
      const { counts, reviewer } = counting(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }));
      const gatekeeper = kubernetesGatekeeper(reviewer, { ttlMs: 10_000 });
      const { app } = buildTestApp({ cluster: new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 }), gatekeeper });
      const verify = (token: string) => request(app).post('/v1/verify').set('Authorization', `Bearer ${token}`).send({});
      // An empty body is a 422 after authentication: enough to tell an accepted token from a refused one.
      expect((await verify(userToken('alice'))).status).toBe(422);
      const reviewsBefore = counts.tokenReviews;
      const statuses: number[] = [];
      for (let i = 0; i < 300; i++) statuses.push((await verify(`bad-${i}-${randomBytes(8).toString('hex')}`)).status);
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
      expect(new Set(statuses.slice(30))).toEqual(new Set([429]));
      expect(counts.tokenReviews - reviewsBefore).toBe(30);
      expect((await verify(userToken('alice'))).status).toBe(422);
      expect((await verify(userToken('bob'))).status).toBe(429);
    });
  });
});

describe('authorizing a fan-out costs a bounded number of reviews', () => {
  function access(allowed: (namespace: string) => boolean, everywhere = false) {
    const reviewed: string[] = [];
    const namespaceAccess: NamespaceAccess = {
      denied: (namespace) => namespace === 'kube-system',
      allowedEverywhere: async () => everywhere,
      allowed: async (namespace) => (reviewed.push(namespace), allowed(namespace)),
    };
    return { reviewed, namespaceAccess };
  }

  it('a caller with no rights naming 1,000 namespaces: at most 20 reviewed, the rest not reviewed', async () => {
    const { reviewed, namespaceAccess } = access(() => false);
    const decisions = await authorizeNamespaces(randomNamespaces(1000), namespaceAccess, { concurrency: 16 });
    expect(reviewed.length).toBe(MAX_FAN_OUT_REFUSALS);
    expect([...decisions.values()].filter((d) => d === 'not-reviewed')).toHaveLength(1000 - MAX_FAN_OUT_REFUSALS);
    expect([...decisions.values()]).not.toContain('allowed');
  });

  it('a caller allowed in every other namespace gets every namespace reviewed and decided', async () => {
    const namespaces = randomNamespaces(200);
    const mine = new Set(namespaces.filter((_, i) => i % 2 === 0));
    const { reviewed, namespaceAccess } = access((ns) => mine.has(ns));
    const decisions = await authorizeNamespaces(namespaces, namespaceAccess, { concurrency: 16 });
    expect(reviewed).toHaveLength(200);
    expect(namespaces.map((ns) => decisions.get(ns))).toEqual(namespaces.map((ns) => (mine.has(ns) ? 'allowed' : 'forbidden')));
  });

  it.each([16, 21, 32])('a caller allowed in each of 40 namespaces, reviewed %i at a time: all 40 allowed', async (concurrency) => {
    const { reviewed, namespaceAccess } = access(() => true);
    const namespaces = randomNamespaces(40);
    const decisions = await authorizeNamespaces(namespaces, namespaceAccess, { concurrency });
    // Before, reviews in flight counted as refusals: past 20 at a time, the rest were marked not reviewed.
    expect(namespaces.map((ns) => decisions.get(ns))).toEqual(Array(40).fill('allowed'));
    expect(reviewed).toHaveLength(40);
  });

  it('a caller with no rights, reviewed 32 at a time: still at most 20 reviews', async () => {
    const { reviewed, namespaceAccess } = access(() => false);
    const decisions = await authorizeNamespaces(randomNamespaces(1000), namespaceAccess, { concurrency: 32 });
    expect(reviewed.length).toBe(MAX_FAN_OUT_REFUSALS);
    expect([...decisions.values()].filter((d) => d === 'not-reviewed')).toHaveLength(1000 - MAX_FAN_OUT_REFUSALS);
  });

  it('any mix of grants, concurrency and answer order: refusals stay within 20 plus the grants, and only they leave namespaces unreviewed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 120, size: 'max' }),
        fc.integer({ min: 1, max: 40 }),
        fc.scheduler(),
        async (grants, concurrency, scheduler) => {
          const namespaces = grants.map((_, i) => `ns-${i}`);
          let reviews = 0;
          const namespaceAccess: NamespaceAccess = {
            denied: () => false,
            allowedEverywhere: async () => false,
            allowed: (namespace) => (reviews++, scheduler.schedule(Promise.resolve(grants[Number(namespace.slice(3))]!))),
          };
          const decided = authorizeNamespaces(namespaces, namespaceAccess, { concurrency });
          await scheduler.waitFor(decided);
          const values = [...(await decided).values()];
          const granted = values.filter((d) => d === 'allowed').length;
          const refused = values.filter((d) => d === 'forbidden').length;
          expect(granted + refused).toBe(reviews);
          expect(refused).toBeLessThanOrEqual(MAX_FAN_OUT_REFUSALS + granted);
          if (values.includes('not-reviewed')) expect(refused).toBe(MAX_FAN_OUT_REFUSALS + granted);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reviews stop once a caller may write more namespaces than one request may', async () => {
    const { reviewed, namespaceAccess } = access(() => true);
    const decisions = await authorizeNamespaces(randomNamespaces(3000), namespaceAccess, { concurrency: 16, maxGrants: 1000 });
    expect(reviewed.length).toBeGreaterThan(1000);
    expect(reviewed.length).toBeLessThanOrEqual(1000 + 16);
    expect([...decisions.values()]).toContain('not-reviewed');
  });

  it('a caller allowed everywhere needs no per-namespace review; the deny list still refuses', async () => {
    const { reviewed, namespaceAccess } = access(() => true, true);
    const decisions = await authorizeNamespaces(['a', 'kube-system', 'b'], namespaceAccess, { concurrency: 16 });
    expect(reviewed).toEqual([]);
    expect(Object.fromEntries(decisions)).toEqual({ a: 'allowed', 'kube-system': 'forbidden', b: 'allowed' });
  });

  describe.each([
    ['in-memory cluster, in-memory reviewer', () => ({ cluster: undefined, real: false })],
    ['real API server', () => ({ cluster: new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 }) as Cluster, real: true })],
  ])('PUT /v1/pullsecrets/{name} in kubernetes mode (%s)', (title, setup) => {
    const real = title === 'real API server';
    let allowedNs: TestNamespace | undefined;
    let gatekeeper: Gatekeeper;
    let counts: { tokenReviews: number; accessReviews: number };
    let cluster: Cluster | undefined;
    const token = (user: 'alice' | 'bob') => (real ? userToken(user) : `good-${user}`);

    beforeAll(async () => {
      if (real && !realClusterAvailable()) return;
      ({ cluster } = setup());
      let base: AccessReviewer;
      if (real) {
        allowedNs = await createTestNamespace('abuse-fan');
        await grantSecrets(allowedNs.name, 'alice', ['get', 'create', 'patch']);
        base = new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 });
      } else {
        allowedNs = { name: 'team-a', terminate: async () => {}, remove: async () => {} };
        base = fakeReviewer({ alice: ['team-a'] });
      }
      const counted = counting(base);
      counts = counted.counts;
      gatekeeper = kubernetesGatekeeper(counted.reviewer, { ttlMs: 0 });
    });
    afterAll(async () => {
      if (real) await allowedNs?.remove();
    });

    it.skipIf(real && !realClusterAvailable())(
      'a caller with no rights naming 1,000 namespaces: 207, all forbidden, at most 21 SubjectAccessReviews',
      async () => {
        const { app } = buildTestApp({ cluster: cluster ?? new MemoryCluster({ namespaces: ['default', 'team-a'] }), gatekeeper });
        const before = counts.accessReviews;
        const res = await request(app)
          .put('/v1/pullsecrets/regcred')
          .set('Authorization', `Bearer ${token('bob')}`)
          .send({ ...creds, namespaces: randomNamespaces(1000) });
        expect(res.status).toBe(207);
        expect(res.body.summary.forbidden).toBe(1000);
        expect(counts.accessReviews - before).toBeLessThanOrEqual(1 + MAX_FAN_OUT_REFUSALS);
        expect(res.body.results.filter((r: { reason: string }) => r.reason.startsWith('not reviewed'))).toHaveLength(
          1000 - MAX_FAN_OUT_REFUSALS,
        );
      },
    );

    it.skipIf(real && !realClusterAvailable())(
      'a caller with rights in one of the namespaces it names still gets that one written',
      async () => {
        const { app } = buildTestApp({ cluster: cluster ?? new MemoryCluster({ namespaces: ['default', 'team-a'] }), gatekeeper });
        const namespaces = [...randomNamespaces(10), allowedNs!.name, ...randomNamespaces(10)];
        const res = await request(app)
          .put('/v1/pullsecrets/regcred')
          .set('Authorization', `Bearer ${token('alice')}`)
          .send({ ...creds, namespaces });
        expect(res.status).toBe(207);
        expect(res.body.results.find((r: { namespace: string }) => r.namespace === allowedNs!.name)).toMatchObject({ result: 'created' });
        expect(res.body.summary).toMatchObject({ created: 1, forbidden: 20 });
      },
    );
  });
});

describe('a fan-out by selector (kubernetes mode, in-memory cluster and reviewer)', () => {
  const labelled = (names: readonly string[]) => names.map((name) => ({ name, labels: { tier: 'many' } }));

  it('a caller allowed in 3,000 matching namespaces: 422 too_big, reviewed only until more than 1,000 were granted', async () => {
    const names = randomNamespaces(3000);
    const { counts, reviewer } = counting(fakeReviewer({ alice: names }));
    const gatekeeper = kubernetesGatekeeper(reviewer, { ttlMs: 0 });
    const { app } = buildTestApp({ cluster: new MemoryCluster({ namespaces: labelled(names) }), gatekeeper });
    const res = await request(app)
      .put('/v1/pullsecrets/regcred')
      .set('Authorization', 'Bearer good-alice')
      .send({ ...creds, namespaceSelector: 'tier=many' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'namespaceSelector', code: 'too_big' })]);
    // A grant costs two reviews (create, patch); at concurrency 16 at most 15 more are in flight when the 1,001st grant stops them.
    // Before, every matching namespace was reviewed (6,001 reviews) before the answer.
    expect(counts.accessReviews).toBeLessThanOrEqual(1 + 2 * (MAX_FAN_OUT_NAMESPACES + 16));
  });

  it('a caller with no rights in 100 matching namespaces: 422 too_many_refusals that states no counts, after at most 1 + 20 reviews', async () => {
    const { counts, reviewer } = counting(fakeReviewer({}));
    const gatekeeper = kubernetesGatekeeper(reviewer, { ttlMs: 0 });
    const { app } = buildTestApp({ cluster: new MemoryCluster({ namespaces: labelled(randomNamespaces(100)) }), gatekeeper });
    const res = await request(app)
      .put('/v1/pullsecrets/regcred')
      .set('Authorization', 'Bearer good-bob')
      .send({ ...creds, namespaceSelector: 'tier=many' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'namespaceSelector', code: 'too_many_refusals' })]);
    expect(res.body.errors[0].message).toMatch(/name the namespaces explicitly or narrow the selector/);
    expect(`${res.body.detail} ${res.body.errors[0].message}`).not.toMatch(/\d/);
    expect(counts.accessReviews).toBeLessThanOrEqual(1 + MAX_FAN_OUT_REFUSALS);
  });
});

describe('verification: one caller holds at most its share of the queue, and its work stops when it is gone', () => {
  let hanging: ReturnType<typeof createTcpServer>;
  const accepted: Socket[] = [];
  const closed = new Set<Socket>();
  let hangPort: number;
  let closedPort: number;
  let app: Server;
  let appPort: number;

  beforeAll(async () => {
    // Accepts and never answers: each check of it holds a verification slot until its timeout.
    hanging = createTcpServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => {});
      socket.on('close', () => closed.add(socket));
      socket.resume();
    });
    hangPort = await listenOnLoopback(hanging);
    const refusing = createTcpServer();
    closedPort = await listenOnLoopback(refusing);
    await closeServer(refusing);
    const hosts = [`127.0.0.1:${hangPort}`, `127.0.0.1:${closedPort}`];
    const { app: express } = buildTestApp({
      config: { verify: { insecureHosts: hosts, allowPrivate: true, timeoutMs: 3000, concurrency: 8, requestShare: 2, maxWaiting: 1000 } },
    });
    app = await listening(express);
    appPort = (app.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await closeServer(hanging);
    await closeServer(app as unknown as ReturnType<typeof createTcpServer>);
  });

  it("100 hanging registries in one request leave the other callers' checks a slot; once that client goes away, no new connection starts", async () => {
    const registries = Array.from({ length: 100 }, (_, i) => ({
      server: `http://127.0.0.1:${hangPort}/r${i}`,
      username: 'u',
      password: 'p',
    }));
    const body = JSON.stringify({ registries });
    let firstEnded = false;
    const first = httpRequest({
      host: '127.0.0.1',
      port: appPort,
      method: 'POST',
      path: '/v1/verify',
      headers: { 'content-type': 'application/json' },
    });
    first.on('error', () => {});
    first.on('response', () => (firstEnded = true));
    first.on('close', () => (firstEnded = true));
    first.end(body);
    await eventually(async () => expect(accepted.length).toBeGreaterThanOrEqual(2));
    expect(accepted.length).toBe(2);

    // Another caller: in none mode, another client address.
    const second = await verifyFrom('127.0.0.2', { server: `http://127.0.0.1:${closedPort}`, username: 'u', password: 'p' }).answer;
    expect(second.status).toBe(200);
    expect(second.body.registries[0].status).toBe('unreachable');
    // Answered while the hostile request still waits for its own checks.
    expect(firstEnded).toBe(false);
    expect(accepted.length).toBe(2);

    first.destroy();
    // Its checks in flight are aborted: the hanging host sees both connections closed...
    await eventually(async () => expect(closed.size).toBe(2));
    // ...and nothing new starts: before, the next registries got the slots as each check timed out (3 s).
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(accepted.length).toBe(2);
  }, 20_000);

  it('4 requests at once from one caller, each naming hanging registries, together hold 2 connections; another caller is still served', async () => {
    const before = accepted.length;
    const closedBefore = closed.size;
    const hostile = Array.from({ length: 4 }, (_, n) =>
      verifyFrom('127.0.0.3', {
        registries: Array.from({ length: 5 }, (_, i) => ({
          server: `http://127.0.0.1:${hangPort}/q${n}-${i}`,
          username: 'u',
          password: 'p',
        })),
      }),
    );
    await eventually(async () => expect(accepted.length - before).toBeGreaterThanOrEqual(2));
    const other = await verifyFrom('127.0.0.4', { server: `http://127.0.0.1:${closedPort}`, username: 'u', password: 'p' }).answer;
    expect(other.status).toBe(200);
    expect(other.body.registries[0].status).toBe('unreachable');
    // Before, the share was per request: these four took all 8 slots (8 connections) and the other caller waited behind them.
    expect(accepted.length - before).toBe(2);
    for (const h of hostile) h.request.destroy();
    await eventually(async () => expect(closed.size - closedBefore).toBe(2));
  }, 20_000);

  /** POST /v1/verify from a given loopback address (a caller of its own in none mode). */
  function verifyFrom(localAddress: string, body: unknown) {
    const req = httpRequest({
      host: '127.0.0.1',
      port: appPort,
      localAddress,
      method: 'POST',
      path: '/v1/verify',
      headers: { 'content-type': 'application/json' },
    });
    const answer = new Promise<{ status: number; body: { registries: { status: string }[] } }>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
    });
    answer.catch(() => {});
    req.end(JSON.stringify(body));
    return { request: req, answer };
  }
});

async function listening(app: Parameters<typeof createHttpServer>[1]): Promise<Server> {
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
