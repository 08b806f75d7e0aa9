import { CoreV1Api } from '@kubernetes/client-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { UnavailableError } from '../../src/errors.js';
import { eventually } from '../support/poll.js';
import { startPrivateKit, type PrivateKit } from '../support/private-kit.js';
import { kitSuiteTitle, realClusterAvailable } from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// Stopping and freezing the API server, first under the adapter, then under the HTTP API: one
// private kit (so other suites keep the shared one) serves both, one test after another.

const enabled = realClusterAvailable();
const adapterTitle = kitSuiteTitle(`KubernetesCluster when the API server fails`);
const httpTitle = kitSuiteTitle(`the HTTP API while the API server is stopped or frozen under 4 writers`);
const TIMEOUT_MS = 1500;
const WRITERS = 4;
const NAMESPACE = 'faults';
const credentials = { server: 'registry.example.com', username: 'janedoe' };

let kit: PrivateKit;
beforeAll(async () => {
  if (enabled) kit = await startPrivateKit();
}, 120_000);
afterAll(async () => kit?.destroy(), 60_000);

/** How long `call` took to fail, and with what. */
async function timeFailure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now();
  const error = await call().then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  return { error, elapsedMs: performance.now() - started };
}

// The tests run one after another and each leaves the API server running.
describe.skipIf(!enabled)(adapterTitle, () => {
  let cluster: KubernetesCluster;
  beforeAll(() => {
    cluster = new KubernetesCluster(kit.kubeConfig(), { timeoutMs: TIMEOUT_MS });
  });

  const draft = { name: 'regcred', namespace: 'default', type: 'Opaque', labels: {}, annotations: {}, data: {} };
  const calls: Record<string, () => Promise<unknown>> = {
    readSecret: () => cluster.readSecret('default', 'regcred'),
    createSecret: () => cluster.createSecret(draft),
    namespaceExists: () => cluster.namespaceExists('default'),
    readServiceAccount: () => cluster.readServiceAccount('default', 'default'),
    setServiceAccountPullSecrets: () => cluster.setServiceAccountPullSecrets('default', 'default', [], '1'),
    listNamespaces: () => cluster.listNamespaces({ labelSelector: 'team', limit: 10 }),
    ping: () => cluster.ping(),
  };

  it('when the API server is stopped, then every call fails at once with UnavailableError (connection refused), and works again after a restart', async () => {
    await cluster.readSecret('default', 'regcred'); // leaves a pooled keep-alive connection behind
    await kit.apiserver('stop');
    try {
      for (const [name, call] of Object.entries(calls)) {
        const { error, elapsedMs } = await timeFailure(call);
        expect(error, name).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).message, name).toBe('could not reach the Kubernetes API server: connection refused');
        expect((error as UnavailableError).headers['Retry-After'], name).toBe('5');
        expect(elapsedMs, name).toBeLessThan(TIMEOUT_MS / 2);
      }
    } finally {
      await kit.apiserver('start');
    }
    await expect(cluster.ping()).resolves.toBeUndefined();
    await expect(cluster.readSecret('default', 'regcred')).resolves.toBeUndefined();
  }, 60_000);

  it('when the API server hangs (SIGSTOP), then every call gives up after timeoutMs with UnavailableError', async () => {
    // Answering first, so no failure below comes from the previous test's restart.
    await eventually(() => cluster.ping(), { timeoutMs: 15_000 });
    await kit.apiserver('pause');
    try {
      // All at once: each gives up on its own clock, so the wait is one timeout, not seven.
      const failures = await Promise.all(Object.entries(calls).map(async ([name, call]) => ({ name, ...(await timeFailure(call)) })));
      for (const { name, error, elapsedMs } of failures) {
        expect(error, name).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).message, name).toBe(`the Kubernetes API server did not answer within ${TIMEOUT_MS} ms`);
        expect(elapsedMs, name).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(elapsedMs, name).toBeLessThan(TIMEOUT_MS + 500);
      }
    } finally {
      await kit.apiserver('resume');
    }
    await eventually(() => cluster.ping(), { timeoutMs: 15_000 });
    await expect(cluster.readSecret('default', 'regcred')).resolves.toBeUndefined();
  }, 60_000);
});

/** One writer: PUTs its own secret again and again with password `w<i>-<n>`, n rising, and keeps every answer. */
class Writer {
  readonly answers: { n: number; status: number; retryAfter?: string; contentType?: string; at: number }[] = [];
  private n = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    app: TestApp['app'],
  ) {
    this.done = (async () => {
      while (this.running) {
        const n = ++this.n;
        const res = await request(app)
          .put(`/v1/namespaces/${NAMESPACE}/pullsecrets/${name}`)
          .send({ ...credentials, password: `${name}-${n}` });
        this.answers.push({
          n,
          status: res.status,
          retryAfter: res.headers['retry-after'],
          contentType: res.headers['content-type'],
          at: performance.now(),
        });
      }
    })();
  }

  /** The highest n the service acknowledged (2xx); a later write may have landed too, but none earlier may win. */
  lastAcknowledged(): number {
    return Math.max(0, ...this.answers.filter((a) => a.status < 300).map((a) => a.n));
  }

  answeredSince(since: number, test: (status: number) => boolean): boolean {
    return this.answers.some((a) => a.at >= since && test(a.status));
  }

  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }
}

describe.skipIf(!enabled)(httpTitle, () => {
  let t: TestApp;
  beforeAll(async () => {
    await kit
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: NAMESPACE } } });
    t = buildTestApp({ cluster: new KubernetesCluster(kit.kubeConfig(), { timeoutMs: TIMEOUT_MS }) });
  });

  /** Waits until every writer has had an answer since `since` that passes `test`. */
  const everyWriter = (writers: Writer[], since: number, test: (status: number) => boolean, what: string) =>
    eventually(
      async () => {
        const waiting = writers.filter((w) => !w.answeredSince(since, test)).map((w) => w.name);
        if (waiting.length) throw new Error(`${waiting.join(', ')} had no ${what} answer yet`);
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );

  const readyzIs = (status: number) =>
    eventually(
      async () => {
        const res = await request(t.app).get('/readyz');
        if (res.status !== status) throw new Error(`/readyz answered ${res.status}, not ${status}`);
        return res;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );

  it('when the API server is stopped, then frozen: 503 problem+json with Retry-After and /readyz 503; writes succeed again after; no acknowledged write is lost', async () => {
    const writers = Array.from({ length: WRITERS }, (_, i) => new Writer(`w${i}`, t.app));
    const recoveries: string[] = [];
    try {
      await everyWriter(writers, 0, (s) => s < 300, '2xx');

      for (const [fault, undo] of [
        ['stop', 'start'],
        ['pause', 'resume'],
      ] as const) {
        const faulted = performance.now();
        await kit.apiserver(fault);
        try {
          await everyWriter(writers, faulted, (s) => s === 503, '503');
          const readyz = await readyzIs(503);
          expect(readyz.headers['retry-after'], `/readyz while ${fault}ped`).toBeDefined();
        } finally {
          await kit.apiserver(undo);
        }
        const undone = performance.now();
        await everyWriter(writers, undone, (s) => s < 300, '2xx');
        await readyzIs(200);
        // Reported, not asserted: timing belongs to measurement, not to a pass/fail test.
        const firstSuccess = writers.map((w) => w.answers.find((a) => a.at >= undone && a.status < 300)!.at - undone);
        recoveries.push(`${undo}: first 2xx after ${Math.round(Math.max(...firstSuccess))} ms`);
      }
    } finally {
      await Promise.all(writers.map((w) => w.stop()));
    }
    console.log(`faults: ${writers.map((w) => `${w.name} ${w.answers.length} writes`).join(', ')}; ${recoveries.join('; ')}`);

    for (const writer of writers) {
      const statuses = new Set(writer.answers.map((a) => a.status));
      expect(
        [...statuses].filter((s) => ![200, 201, 503].includes(s)),
        `${writer.name}: only 2xx or 503`,
      ).toEqual([]);
      for (const refused of writer.answers.filter((a) => a.status === 503)) {
        expect(refused.retryAfter, `${writer.name} #${refused.n}`).toMatch(/^\d+$/);
        expect(refused.contentType, `${writer.name} #${refused.n}`).toMatch(/^application\/problem\+json/);
      }
      expect(
        writer.answers.filter((a) => a.status === 201),
        `${writer.name}: created once`,
      ).toHaveLength(1);

      // What is stored is the last acknowledged write or a later one (a write answered 503 may still have landed), never an earlier one.
      const stored = await t.cluster.readSecret(NAMESPACE, writer.name);
      const config = JSON.parse(Buffer.from(stored!.data['.dockerconfigjson']!, 'base64').toString('utf8'));
      const entry = config.auths[credentials.server];
      const storedN = Number(/-(\d+)$/.exec(entry.password)![1]);
      expect(storedN, `${writer.name}: stored #${storedN}, last acknowledged #${writer.lastAcknowledged()}`).toBeGreaterThanOrEqual(
        writer.lastAcknowledged(),
      );
      expect(Buffer.from(entry.auth, 'base64').toString(), `${writer.name}: stored entry is whole`).toBe(`janedoe:${entry.password}`);
    }
  }, 180_000);
});
