import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL, DISTRIBUTION_VERSION } from '../../src/domain/distributions/distribution.js';
import { ClusterPermissionError } from '../../src/domain/cluster.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { kubectl } from '../support/kubectl.js';
import { eventually } from '../support/poll.js';
import {
  adminKubeConfig,
  createServiceAccountDirectly,
  kitSuiteTitle,
  realClusterAvailable,
  removeNamespace,
  uniqueName,
  userKubeConfig,
} from '../support/real-cluster.js';
import { describeDistributionContract } from './distribution-contract.js';

const enabled = realClusterAvailable();
const TIMEOUT_MS = 5000;
const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
const title = kitSuiteTitle('KubernetesDistributions on kube-apiserver v1.20.2');

describe.skipIf(!enabled)(title, () => {
  beforeAll(async () => {
    // The CRD as deploy/ ships it, applied the way a user would.
    await applyDistributionCrd();
  });

  describeDistributionContract('KubernetesDistributions', async () => {
    const admin = adminKubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const custom = admin.makeApiClient(CustomObjectsApi);
    const namespaces: string[] = [];
    const prefixed: string[] = [];
    return {
      distributions: new KubernetesDistributions(admin, { timeoutMs: TIMEOUT_MS }),
      cluster: new KubernetesCluster(admin, { timeoutMs: TIMEOUT_MS }),
      uniqueName: (prefix) => {
        const name = uniqueName(prefix);
        prefixed.push(name);
        return name;
      },
      createNamespace: async (name, labels) => {
        await core.createNamespace({ body: { metadata: { name, labels } } });
        namespaces.push(name);
      },
      setNamespaceLabels: async (name, labels) => {
        await core.patchNamespace({ name, body: [{ op: 'add', path: '/metadata/labels', value: labels }] });
      },
      deleteNamespace: (name) => removeNamespace(name),
      createServiceAccount: async (namespace, name) => void (await createServiceAccountDirectly({ namespace, name })),
      deleteServiceAccount: async (namespace, name) => void (await core.deleteNamespacedServiceAccount({ namespace, name })),
      createPod: async (pod) => {
        await core.createNamespacedPod({
          namespace: pod.namespace,
          body: {
            metadata: { name: pod.name },
            spec: {
              serviceAccountName: pod.serviceAccountName,
              // No token controller in the kit: without this the ServiceAccount admission waits for a token Secret.
              automountServiceAccountToken: false,
              imagePullSecrets: pod.imagePullSecrets.map((name) => ({ name })),
              containers: [{ name: 'app', image: 'registry.example.com/app:1' }],
            },
          },
        });
      },
      eventsAbout: async (name) => {
        const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
        return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', uid: e.involvedObject.uid }));
      },
      // resourceVersion 1 expires on a kit that has run a while, but a freshly started API server (as
      // in CI) kept a watch from it open without an event: not reliable. test/resilience/
      // distribution-watch.test.ts covers the 410 (status or ERROR event) against a fake API server.
      expiredResourceVersion: async () => undefined,
      leaseNamespace: 'default',
      cleanup: async () => {
        for (const name of namespaces) await removeNamespace(name).catch(() => undefined);
        for (const name of prefixed) {
          // Drop finalizers first, or a distribution under deletion would stay.
          await custom
            .patchClusterCustomObject({ ...CR, name, body: [{ op: 'add', path: '/metadata/finalizers', value: [] }] })
            .catch(() => undefined);
          await custom.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
          await kubectl(['delete', 'lease', '-n', 'default', name, '--ignore-not-found']);
        }
      },
    };
  });

  describe('beyond the contract', () => {
    it('when regcred lacks RBAC for a call, then lists and watches fail with ClusterPermissionError (regcred’s own permission, not its caller’s) and recording an Event does not fail', async () => {
      const alice = new KubernetesDistributions(userKubeConfig('alice'), { timeoutMs: TIMEOUT_MS });
      await expect(alice.namespaces.list()).rejects.toThrow(ClusterPermissionError);
      await expect(alice.distributions.list()).rejects.toThrow(ClusterPermissionError);
      await expect(alice.readDistribution('anything')).rejects.toThrow(ClusterPermissionError);
      const closes: unknown[] = [];
      alice.secretsLabelled('regcred.io/distribution').watch('1', 30, { onEvent: () => {}, onClose: (error) => closes.push(error) });
      await eventually(async () => expect(closes).toHaveLength(1));
      expect(closes[0]).toBeInstanceOf(ClusterPermissionError);
      expect((closes[0] as Error).message).toMatch(/lacks the RBAC permission to watch secrets/);
      await expect(
        alice.recordEvent({ distribution: { name: uniqueName('psd') }, type: 'Normal', reason: 'Test', message: 'x' }),
      ).resolves.toBeUndefined();
    });

    it('when a list spans pages, then every item arrives once, with the listing’s resourceVersion', async () => {
      const name = uniqueName('ns-paged');
      const core = adminKubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name } } });
      try {
        const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: TIMEOUT_MS });
        const labels = { 'regcred.io/distribution': name };
        for (let i = 0; i < 5; i++)
          await cluster.createSecret({ namespace: name, name: `s-${i}`, type: 'Opaque', labels, annotations: {}, data: {} });
        const port = new KubernetesDistributions(adminKubeConfig(), { timeoutMs: TIMEOUT_MS, listPageSize: 2 });
        const listing = await port.secretsLabelled(`regcred.io/distribution=${name}`).list();
        expect(listing.items.map((s) => s.name).sort()).toEqual(['s-0', 's-1', 's-2', 's-3', 's-4']);
        const { resourceVersion } = await cluster.readSecret(name, 's-4').then((s) => s!);
        expect(Number(listing.resourceVersion)).toBeGreaterThanOrEqual(Number(resourceVersion));
      } finally {
        await removeNamespace(name);
      }
    });
  });
});
