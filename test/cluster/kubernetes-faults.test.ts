import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes.js';
import { UnavailableError } from '../../src/errors.js';
import { eventually } from '../support/poll.js';
import { startPrivateKit, type PrivateKit } from '../support/private-kit.js';
import { realClusterAvailable } from '../support/real-cluster.js';

const enabled = realClusterAvailable();
const TIMEOUT_MS = 1500;
const title = enabled
  ? 'KubernetesCluster when the API server fails (on a private kit, so other suites keep theirs)'
  : 'KubernetesCluster when the API server fails (SKIPPED: run with REGCRED_TEST_CLUSTER=required)';

/** How long `call` took to fail, and with what. */
async function timeFailure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now();
  const error = await call().then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  return { error, elapsedMs: performance.now() - started };
}

// The tests in this file run one after another and each leaves the API server running.
describe.skipIf(!enabled)(title, () => {
  let kit: PrivateKit;
  let cluster: KubernetesCluster;
  beforeAll(async () => {
    kit = await startPrivateKit();
    cluster = new KubernetesCluster(kit.kubeConfig(), { timeoutMs: TIMEOUT_MS });
  }, 120_000);
  afterAll(async () => kit?.destroy(), 60_000);

  const draft = { name: 'regcred', namespace: 'default', type: 'Opaque', labels: {}, annotations: {}, data: {} };
  const calls: Record<string, () => Promise<unknown>> = {
    readSecret: () => cluster.readSecret('default', 'regcred'),
    createSecret: () => cluster.createSecret(draft),
    namespaceExists: () => cluster.namespaceExists('default'),
    readServiceAccount: () => cluster.readServiceAccount('default', 'default'),
    setServiceAccountPullSecrets: () => cluster.setServiceAccountPullSecrets('default', 'default', [], '1'),
    listNamespaces: () => cluster.listNamespaces('team'),
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
      for (const [name, call] of Object.entries(calls)) {
        const { error, elapsedMs } = await timeFailure(call);
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
