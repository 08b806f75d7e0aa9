import { CoreV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudMinter } from '../../src/cloud/create-cloud-minter.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import { sourceSecretName } from '../../src/domain/distributions/distribution.js';
import { useCloudEnv, type CloudEnv } from '../support/cloud/cloud-env.js';
import { CopyTokens } from '../support/cloud/copy-tokens.js';
import { startFakeAws, type FakeAws } from '../support/cloud/fake-aws.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { eventually } from '../support/poll.js';
import { startPrivateKit, type PrivateKit } from '../support/private-kit.js';
import { recordingObserver } from '../support/recording-observer.js';
import { kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';

// One ECR-sourced distribution over 1,000 namespaces, on a kit of its own (1,000 namespaces do not
// belong on the shared one), with the real controller in-process and the real AWS SDK talking to the
// fake STS + ECR. A 30 s token is refreshed 15 to 16.5 s after it was minted, so the roll-out of the
// new token has the remaining 13.5 s (45 %) before the old one expires.

const enabled = realClusterAvailable();
const NAMESPACES = 1000;
const SETUP_CONCURRENCY = 16;
const LIFETIME_SECONDS = 30;
const ROLLOUT_WAIT_MS = 30_000;
const ECR_CALL = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';

describe.skipIf(!enabled)(kitSuiteTitle('one ECR source over 1,000 namespaces (private kit, fake AWS)'), () => {
  let kit: PrivateKit | undefined;
  let aws: FakeAws | undefined;
  let env: CloudEnv | undefined;
  let controller: DistributionController | undefined;
  let tokens: CopyTokens | undefined;
  const ownNamespace = uniqueName('regcred-own');
  const label = uniqueName('cloud-1k');

  beforeAll(async () => {
    kit = await startPrivateKit();
    const core = kit.kubeConfig().makeApiClient(CoreV1Api);
    const limit = pLimit(SETUP_CONCURRENCY);
    await Promise.all([
      applyDistributionCrd(kit.kubeconfigPath),
      core.createNamespace({ body: { metadata: { name: ownNamespace } } }),
      ...Array.from({ length: NAMESPACES }, (_, i) =>
        limit(() => core.createNamespace({ body: { metadata: { name: `${label}-${i}`, labels: { 'cloud-1k': label } } } })),
      ),
    ]);
  }, 120_000);

  afterAll(async () => {
    tokens?.stop();
    await controller?.stop();
    env?.restore();
    await aws?.stop();
    // The whole kit goes: nothing on it needs removing one by one.
    await kit?.destroy();
  }, 60_000);

  it('when one ECR token serves 1,000 namespaces, then one GetAuthorizationToken fills every copy, and at the refresh point one more replaces it in all 1,000 before the old one expires', async () => {
    const fake = (aws = await startFakeAws({ tokenLifetimeSeconds: LIFETIME_SECONDS }));
    env = useCloudEnv({
      AWS_ENDPOINT_URL_ECR: fake.url,
      AWS_ENDPOINT_URL_STS: fake.url,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE1000',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_REGION: 'eu-west-1',
    });
    const admin = kit!.kubeConfig();
    const ecrCalls = () => fake.calls.filter((c) => c.service === 'ecr' && c.action === ECR_CALL).length;
    const expiryOf = (password: string) =>
      fake
        .minted()
        .find((t) => t.password === password)
        ?.expiresAt.getTime();
    const copies = (tokens = new CopyTokens(expiryOf));
    const name = uniqueName('ecr-1k');
    await copies.start(admin, name);
    const { observer, seen } = recordingObserver();
    controller = new DistributionController({
      cluster: new KubernetesCluster(admin, { timeoutMs: 10_000 }),
      distributions: new KubernetesDistributions(admin, { timeoutMs: 10_000 }),
      ownNamespace,
      denyNamespaces: ['kube-system'],
      watchTimeoutSeconds: 60,
      resyncSeconds: 3600,
      observer,
      minter: createCloudMinter({ timeoutMs: 10_000 }),
      cloudAllow: ['ecr:111122223333:*'],
    });
    await controller.start();
    await new KubernetesDistributions(admin, { timeoutMs: 10_000 }).createDistribution({
      name,
      finalizers: [],
      labels: {},
      annotations: {},
      spec: {
        secretName: 'regcred',
        serviceAccounts: [],
        namespaceSelector: `cloud-1k=${label}`,
        source: {
          secretName: sourceSecretName(name),
          namespace: ownNamespace,
          ecr: { region: 'eu-west-1', registryIds: ['111122223333'] },
        },
      },
    });

    const first = await waitForMint(fake, 1);
    const everyCopy = (password: string) => () => copies.count(password) === NAMESPACES && copies.copies === NAMESPACES;
    expect(await copies.until(everyCopy(first.password), ROLLOUT_WAIT_MS)).toBeDefined();
    expect(ecrCalls()).toBe(1);

    const second = await waitForMint(fake, 2, LIFETIME_SECONDS * 1000);
    const allCarrySecond = await copies.until(everyCopy(second.password), ROLLOUT_WAIT_MS);
    expect(allCarrySecond).toBeDefined();
    // Every copy carried the new token while the old one still lived, and no copy ever carried an expired one.
    expect(allCarrySecond!).toBeLessThan(first.expiresAt.getTime());
    expect(copies.expired).toEqual([]);
    // One mint per refresh, not one per namespace.
    expect(ecrCalls()).toBe(2);
    expect(seen.refreshes.filter((r) => r.endsWith(':failure'))).toEqual([]);
  }, 90_000);
});

/** Polls until the fake has minted `n` tokens; answers the `n`th. */
function waitForMint(fake: FakeAws, n: number, timeoutMs = 20_000) {
  return eventually(
    async () => {
      expect(fake.minted().length).toBeGreaterThanOrEqual(n);
      return fake.minted()[n - 1]!;
    },
    { timeoutMs, intervalMs: 50 },
  );
}
