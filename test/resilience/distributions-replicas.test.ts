import { Buffer } from 'node:buffer';
import { Watch } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL } from '../../src/domain/distributions/distribution.js';
import { ciDockerConfigJson } from '../support/docker-config-samples.js';
import { eventually } from '../support/poll.js';
import { adminKubeConfig, kitKubeconfigPath, kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
import { KitObjects, startReplica, type Replica } from '../support/regcred-replicas.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { kubectl, kubectlApply } from '../support/kubectl.js';
import { killServices } from '../support/service-process.js';

// Two real regcred processes, one Lease between them: the leader is killed with SIGKILL (no release
// of the Lease, no cleanup), and the other must finish whatever it was doing. Each test has its own
// regcred namespace (so its own Lease), distributions and label values. On the shared kit: a
// controller manages only the distributions whose spec.source.namespace is its own namespace, so
// other suites' controllers leave these alone, and these theirs.

const enabled = realClusterAvailable();
const LEASE_SECONDS = '3';
const CANARY = `canary-${uniqueName('pw')}`;

/** The one replica whose /metrics says it leads, once exactly one does. */
async function theLeader(replicas: Replica[]): Promise<{ leader: Replica; follower: Replica }> {
  return eventually(
    async () => {
      const metrics = await Promise.all(replicas.map((r) => r.leaderMetric()));
      expect(metrics.slice().sort()).toEqual([0, 1]);
      const leader = replicas[metrics.indexOf(1)];
      return { leader, follower: replicas.find((r) => r !== leader)! };
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

function password(secret: { data?: Record<string, string> } | undefined): string | undefined {
  const config = secret?.data?.['.dockerconfigjson'];
  if (!config) return undefined;
  const parsed = JSON.parse(Buffer.from(config, 'base64').toString()) as { auths: Record<string, { password?: string }> };
  return parsed.auths['registry.example.com']?.password;
}

const sourceYaml = (namespace: string, secret: string, distribution: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: ${secret}
  namespace: ${namespace}
  labels: { ${DISTRIBUTION_SOURCE_LABEL}: ${distribution} }
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ${ciDockerConfigJson(CANARY)}
`;

const distributionYaml = (name: string, source: string, secretName: string, selector: string, own: string) => `
apiVersion: regcred.io/v1alpha1
kind: PullSecretDistribution
metadata:
  name: ${name}
spec:
  secretName: ${secretName}
  source: { secretName: ${source}, namespace: ${own} }
  namespaceSelector: ${selector}
`;

describe.skipIf(!enabled)(kitSuiteTitle(`two regcred processes, one leader`), () => {
  let kubeconfig: string;
  let kit: KitObjects;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    kubeconfig = kitKubeconfigPath();
    kit = new KitObjects(adminKubeConfig());
    await applyDistributionCrd(kubeconfig);
  }, 60_000);

  afterEach(async () => {
    const outputs = replicas.map((r) => r.output());
    await Promise.all(replicas.map((r) => r.kill()));
    replicas = [];
    killServices();
    await kit.cleanup();
    for (const output of outputs) expect(output, 'a process printed the canary password').not.toContain(CANARY);
  }, 120_000);

  /** Its own regcred namespace, and two replicas on it. */
  async function twoReplicas(): Promise<string> {
    const own = uniqueName('regcred-own');
    await kit.createNamespaces([own]);
    const env = { REGCRED_LEASE_DURATION_SECONDS: LEASE_SECONDS };
    replicas = await Promise.all([startReplica(kubeconfig, own, env), startReplica(kubeconfig, own, env)]);
    return own;
  }

  it('when the CRD and a distribution are applied with kubectl, then the one leader copies the secret; when it is SIGKILLed, the other takes over the Lease and a new namespace gets its copy', async () => {
    const id = uniqueName('e2e');
    const name = uniqueName('psd-replicas');
    const targets = [1, 2, 3].map((i) => `${id}-${i}`);
    await kit.createNamespaces(targets, { e2e: id });
    const own = await twoReplicas();

    kit.track(name);
    await kubectlApply(
      kubeconfig,
      sourceYaml(own, `${name}-source`, name) + '---' + distributionYaml(name, `${name}-source`, 'regcred', `e2e=${id}`, own),
    );

    await eventually(async () => expect(await kit.copies(name)).toEqual(targets), { timeoutMs: 30_000, intervalMs: 200 });
    for (const namespace of targets) expect(password(await kit.readSecret(namespace, 'regcred'))).toBe(CANARY);
    const { leader, follower } = await theLeader(replicas);
    expect(leader.identity()).toBeDefined();
    expect(await kit.leaseHolder(own)).toBe(leader.identity());

    await leader.kill();
    const later = `${id}-4`;
    await kit.createNamespaces([later], { e2e: id });

    await eventually(async () => expect(password(await kit.readSecret(later, 'regcred'))).toBe(CANARY), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    expect(await follower.leaderMetric()).toBe(1);
    // Its "leading" log line (with its identity) is flushed every 250 ms.
    await eventually(async () => {
      expect(follower.identity()).toBeDefined();
      expect(await kit.leaseHolder(own)).toBe(follower.identity());
    });
    expect(await kit.copies(name)).toEqual([...targets, later].sort());
  }, 120_000);

  it('when the leader is SIGKILLed in the middle of deleting two distributions over 150 namespaces, then the other finishes: no copy left, both objects gone, the source regcred stored removed and the one kubectl made kept', async () => {
    const id = uniqueName('e2e');
    const [viaApi, viaKubectl] = [uniqueName('psd-api'), uniqueName('psd-gitops')];
    const targets = Array.from({ length: 150 }, (_, i) => `${id}-${i}`);
    await kit.createNamespaces(targets, { e2e: id });
    const own = await twoReplicas();
    const [first] = replicas;

    kit.track(viaApi);
    const put = await fetch(`${first.url}/v1/distributions/${viaApi}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        server: 'registry.example.com',
        username: 'ci',
        password: CANARY,
        secretName: 'regcred-api',
        namespaceSelector: `e2e=${id}`,
      }),
    });
    expect(put.status).toBe(201);
    kit.track(viaKubectl);
    const gitopsSource = `${viaKubectl}-source`;
    await kubectlApply(
      kubeconfig,
      sourceYaml(own, gitopsSource, viaKubectl) + '---' + distributionYaml(viaKubectl, gitopsSource, 'regcred-gitops', `e2e=${id}`, own),
    );

    for (const name of [viaApi, viaKubectl]) {
      await eventually(
        async () => {
          const view = (await (
            await fetch(`${first.url}/v1/distributions/${name}`, { headers: { authorization: `Bearer ${first.token}` } })
          ).json()) as { status?: { counts?: { inSync?: number; current?: number } } };
          expect(view.status?.counts).toMatchObject({ inSync: 150, current: 150 });
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    }
    expect(await kit.copies(viaApi)).toEqual(targets.slice().sort());
    expect(await kit.copies(viaKubectl)).toEqual(targets.slice().sort());
    const { leader, follower } = await theLeader(replicas);

    // The first copy removed (as the API server reports it) is the moment to kill the leader.
    let firstRemoval: () => void = () => undefined;
    const removing = new Promise<void>((resolve) => (firstRemoval = resolve));
    const watch = await new Watch(adminKubeConfig()).watch(
      '/api/v1/secrets',
      { labelSelector: `${DISTRIBUTION_LABEL} in (${viaApi},${viaKubectl})` },
      (type) => {
        if (type === 'DELETED') firstRemoval();
      },
      () => undefined,
    );
    let leftAtKill: number;
    try {
      const deleted = await fetch(`${follower.url}/v1/distributions/${viaApi}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${follower.token}` },
      });
      expect(deleted.status).toBe(202);
      expect((await kubectl(['--kubeconfig', kubeconfig, 'delete', 'psd', viaKubectl, '--wait=false'])).code).toBe(0);
      await removing;
      await leader.kill();
      leftAtKill = (await kit.copies(viaApi)).length + (await kit.copies(viaKubectl)).length;
    } finally {
      watch.abort();
    }
    // Otherwise the test would not be about a deletion cut short.
    expect(leftAtKill, 'copies left when the leader died').toBeGreaterThan(0);

    await eventually(
      async () => {
        expect(await kit.copies(viaApi)).toEqual([]);
        expect(await kit.copies(viaKubectl)).toEqual([]);
        expect(await kit.readDistribution(viaApi)).toBeUndefined();
        expect(await kit.readDistribution(viaKubectl)).toBeUndefined();
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(await kit.readSecret(own, `distribution-${viaApi}`), 'the source regcred stored').toBeUndefined();
    expect(password(await kit.readSecret(own, gitopsSource)), 'the source kubectl applied').toBe(CANARY);
    expect(await follower.leaderMetric()).toBe(1);
    console.log(`distributions-replicas: ${leftAtKill} of 300 copies were left when the leader was killed`);
  }, 240_000);
});
