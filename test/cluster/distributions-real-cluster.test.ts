import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { ClusterPermissionError } from '../../src/domain/cluster.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { eventually } from '../support/poll.js';
import {
  adminKubeConfig,
  kitSuiteTitle,
  realClusterAvailable,
  removeNamespace,
  uniqueName,
  userKubeConfig,
} from '../support/real-cluster.js';

const enabled = realClusterAvailable();
const TIMEOUT_MS = 5000;
const title = kitSuiteTitle('KubernetesDistributions on kube-apiserver v1.20.2');

describe.skipIf(!enabled)(title, () => {
  beforeAll(async () => {
    // The CRD as deploy/ ships it, applied the way a user would.
    await applyDistributionCrd();
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
