import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { ClusterPermissionError } from '../../src/domain/cluster.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL, DISTRIBUTION_VERSION } from '../../src/domain/distributions/distribution.js';
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

  describe('the CRD and cloud sources', () => {
    const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
    const custom = () => adminKubeConfig().makeApiClient(CustomObjectsApi);
    const ECR = {
      region: 'us-gov-west-1',
      registryIds: ['123456789012', '210987654321'],
      roleArn: 'arn:aws-us-gov:iam::123456789012:role/team/regcred-pull',
      externalId: 'tenant:42',
      fips: true,
    };
    // No installation runs in this namespace: no controller on the shared kit takes the object.
    const body = (name: string, source: Record<string, unknown>) => ({
      apiVersion: `${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}`,
      kind: 'PullSecretDistribution',
      metadata: { name },
      spec: { source: { secretName: `distribution-${name}`, namespace: uniqueName('no-installation'), ...source }, namespaces: ['team-a'] },
    });
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => 'accepted',
        (error: { code?: number; body?: string }) => `${error.code} ${String(error.body ?? '')}`,
      );

    it('when a cloud source is within the limits, then the kit stores it whole, and the status keeps credential and conditions', async () => {
      const name = uniqueName('psd-cloud');
      const api = custom();
      try {
        await api.createClusterCustomObject({ ...CR, body: body(name, { ecr: ECR }) });
        const stored = (await api.getClusterCustomObject({ ...CR, name })) as { spec: { source: Record<string, unknown> } };
        expect(stored.spec.source.ecr).toEqual(ECR);
        const status = {
          credential: { provider: 'ecr', expiresAt: '2030-01-01T12:00:00Z', nextRefreshTime: '2030-01-01T06:00:00Z' },
          conditions: [{ type: 'Ready', status: 'True', reason: 'Refreshed', message: 'ok', lastTransitionTime: '2030-01-01T00:00:00Z' }],
        };
        await api.patchClusterCustomObjectStatus(
          { ...CR, name, body: [{ op: 'add', path: '/status', value: status }] },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        );
        expect(((await api.getClusterCustomObject({ ...CR, name })) as { status: unknown }).status).toMatchObject(status);
        for (const source of [
          { googleArtifactRegistry: { hosts: ['europe-west1-docker.pkg.dev', 'gcr.io'] } },
          { acr: { hosts: ['a.azurecr.io:443'] } },
        ]) {
          const other = uniqueName('psd-cloud');
          await api.createClusterCustomObject({ ...CR, body: body(other, source) });
          await api.deleteClusterCustomObject({ ...CR, name: other });
        }
      } finally {
        await api.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
      }
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['11 registry IDs', { ecr: { ...ECR, registryIds: Array.from({ length: 11 }, (_, i) => String(100000000000 + i)) } }, /registryIds/],
      ['a repeated registry ID', { ecr: { ...ECR, registryIds: ['123456789012', '123456789012'] } }, /registryIds/],
      ['an 11-digit account', { ecr: { ...ECR, registryIds: ['12345678901'] } }, /registryIds/],
      ['a region that is not AWS-like', { ecr: { ...ECR, region: 'Frankfurt' } }, /region/],
      ['a user ARN', { ecr: { ...ECR, roleArn: 'arn:aws:iam::123456789012:user/x' } }, /roleArn/],
      ['an external ID past 1224', { ecr: { ...ECR, externalId: 'x'.repeat(1225) } }, /externalId/],
      ['ecr without region', { ecr: { registryIds: ['123456789012'] } }, /region/],
      ['11 hosts', { acr: { hosts: Array.from({ length: 11 }, (_, i) => `r${i}.azurecr.io`) } }, /hosts/],
      ['a host with a scheme', { googleArtifactRegistry: { hosts: ['https://gcr.io'] } }, /hosts/],
      ['no host', { acr: { hosts: [] } }, /hosts/],
    ])('when a cloud source has %s, then the kit refuses it (422) naming the field', async (_title, source, field) => {
      const name = uniqueName('psd-over');
      const api = custom();
      const answer = await refusal(api.createClusterCustomObject({ ...CR, body: body(name, source) }));
      await api.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
      expect(answer).toMatch(/^422 /);
      expect(answer).toMatch(field);
    });
  });
});
