import { readFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, kitSuiteTitle, realClusterAvailable, type TestNamespace } from '../support/real-cluster.js';
import { killServices, startService, type Started } from '../support/service-process.js';

// The heap flags of `npm run start:prod` (and the image), read from package.json so they cannot drift.
const HEAP_FLAGS = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }
).scripts['start:prod']
  .split(' ')
  .filter((word) => word.startsWith('--max-'));

const enabled = realClusterAvailable();
const title = kitSuiteTitle('with the production heap, on a real kube-apiserver');

/** A valid pull secret of ~0.9 MB: one registry whose `auth` is huge. */
function bigPullSecret(name: string) {
  const auth = Buffer.from(`user:${'p'.repeat(660_000)}`).toString('base64');
  const json = JSON.stringify({ auths: { 'registry.example.com': { auth } } });
  return {
    metadata: { name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(json).toString('base64') },
  };
}

const OPAQUE_SECRETS = 24;
const SEED_AT_ONCE = 8;

/** ~0.95 MB of Opaque data, like a Helm release Secret. */
function bigOpaqueSecret(name: string) {
  return { metadata: { name }, type: 'Opaque', data: { release: Buffer.from('h'.repeat(700_000)).toString('base64') } };
}

describe.skipIf(!enabled)(title, () => {
  let namespace: TestNamespace;
  let service: Started;

  beforeAll(async () => {
    expect(HEAP_FLAGS).toContain('--max-old-space-size=128');
    namespace = await createTestNamespace('heap');
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: namespace.name, body: bigPullSecret('big') });
    // ~23 MB of other Secrets in the same namespace, as a namespace full of Helm releases holds: ten
    // lists that read them all would hold ~230 MB, far past the 128 MB heap. More only costs time.
    for (let batch = 0; batch < OPAQUE_SECRETS / SEED_AT_ONCE; batch++) {
      await Promise.all(
        Array.from({ length: SEED_AT_ONCE }, (_, i) =>
          core.createNamespacedSecret({ namespace: namespace.name, body: bigOpaqueSecret(`helm-${batch}-${i}`) }),
        ),
      );
    }
    // Memory is the point here, not latency: each list makes the API server scan the namespace's
    // 23 MB in etcd, which can take longer than the default 5 s per call while other suites run.
    service = await startService(
      {
        KUBECONFIG: process.env.KUBECONFIG!,
        REGCRED_AUTH: 'none',
        REGCRED_CLUSTER_TIMEOUT_MS: '30000',
        REGCRED_RATE_LIMIT_PER_MINUTE: '100000',
        REGCRED_IP_RATE_LIMIT_PER_MINUTE: '100000',
      },
      'http',
      HEAP_FLAGS,
    );
  }, 180_000);

  afterAll(async () => {
    killServices();
    await namespace?.remove();
  });

  const alive = async () => expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

  it(
    'lists the pull secrets of a namespace holding ~23 MB of other Secrets, ten callers at once, and keeps serving',
    { timeout: 120_000 },
    async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => fetch(`${service.url}/v1/namespaces/${namespace.name}/pullsecrets`)),
      );
      for (const answer of answers) {
        const text = await answer.text();
        expect(answer.status, text.slice(0, 300)).toBe(200);
        const body = JSON.parse(text) as { items: { name: string }[] };
        expect(body.items.map((item) => item.name)).toEqual(['big']);
      }
      await alive();
      expect(service.child.exitCode).toBeNull();
    },
  );

  it('matches against one 0.9 MB secret named 100 times, five callers at once, and keeps serving', { timeout: 120_000 }, async () => {
    const body = JSON.stringify({ images: ['registry.example.com/team/app:1.0'], secrets: Array.from({ length: 100 }, () => 'big') });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${service.url}/v1/namespaces/${namespace.name}/match`, {
          method: 'POST',
          body,
          headers: { 'Content-Type': 'application/json' },
        }),
      ),
    );
    for (const answer of answers) {
      const text = await answer.text();
      expect(answer.status, text.slice(0, 300)).toBe(200);
      expect(text).not.toContain('p'.repeat(100));
    }
    await alive();
    expect(service.child.exitCode).toBeNull();
  });
});
