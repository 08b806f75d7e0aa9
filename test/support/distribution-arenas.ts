import { resolve } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { kubernetesGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import type { Cluster } from '../../src/domain/cluster.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL, DISTRIBUTION_VERSION } from '../../src/domain/distributions/distribution.js';
import type { RegistryVerifier } from '../../src/domain/verify/registry-verifier.js';
import { kubectl } from '../deploy/kubectl.js';
import { createLabelledNamespace, removeNamespace } from '../cluster/real-service-accounts.js';
import { adminKubeConfig, realClusterAvailable, uniqueName } from './real-cluster.js';

// The two clusters the /v1/distributions suites run against: the in-memory one and the kit's API server.

const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };

/** A stored object's fields the tests read, and the whole of it as the cluster holds it (`text`, for the canary). */
export interface Stored {
  text: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type?: string;
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

export interface Arena {
  cluster: Cluster;
  distributions: DistributionCluster;
  /** regcred's own namespace: the source Secrets go there. */
  sourceNamespace: string;
  /** The stored source Secret, or undefined. */
  storedSource(name: string): Promise<Stored | undefined>;
  /** The stored PullSecretDistribution, or undefined. */
  storedDistribution(name: string): Promise<Stored | undefined>;
  /** A distribution name no other test (or run) uses; removed at cleanup, finalizers and all. */
  unique(prefix: string): string;
  /** A gatekeeper in kubernetes mode (real API server only). */
  kubernetesGatekeeper?: () => Gatekeeper;
  cleanup(): Promise<void>;
}

const realEnabled = realClusterAvailable();
/** [title, enabled, make]: for describe.each. */
export const distributionArenas: [string, boolean, () => Promise<Arena>][] = [
  [
    'the in-memory cluster',
    true,
    async () => {
      const cluster = new MemoryCluster({ namespaces: ['default', 'team-a', 'kube-system', 'regcred'] });
      const distributions = new MemoryDistributions(cluster);
      let n = 0;
      return {
        cluster,
        distributions,
        sourceNamespace: 'regcred',
        storedSource: async (name) => portStored(await cluster.readSecret('regcred', name)),
        storedDistribution: async (name) => portStored(await distributions.readDistribution(name)),
        unique: (prefix) => `${prefix}-${++n}`,
        cleanup: async () => undefined,
      };
    },
  ],
  [
    realEnabled ? 'a real kube-apiserver' : 'a real kube-apiserver (SKIPPED: run with REGCRED_TEST_CLUSTER=required)',
    realEnabled,
    async () => {
      const crd = resolve(import.meta.dirname, '../../deploy/base/crd-pullsecretdistribution.yaml');
      const applied = await kubectl(['apply', '-f', crd]);
      expect(applied.code, applied.stderr).toBe(0);
      const established = await kubectl([
        'wait',
        '--for',
        'condition=established',
        '--timeout=30s',
        `crd/${DISTRIBUTION_PLURAL}.${DISTRIBUTION_GROUP}`,
      ]);
      expect(established.code, established.stderr).toBe(0);
      const admin = adminKubeConfig();
      const core = admin.makeApiClient(CoreV1Api);
      const custom = admin.makeApiClient(CustomObjectsApi);
      const sourceNamespace = await createLabelledNamespace('dist-http', {});
      const names: string[] = [];
      return {
        cluster: new KubernetesCluster(admin, { timeoutMs: 5000 }),
        distributions: new KubernetesDistributions(admin, { timeoutMs: 5000 }),
        sourceNamespace,
        storedSource: (name) => core.readNamespacedSecret({ namespace: sourceNamespace, name }).then(apiStored, () => undefined),
        storedDistribution: (name) => custom.getClusterCustomObject({ ...CR, name }).then(apiStored, () => undefined),
        unique: (prefix) => {
          const name = uniqueName(prefix);
          names.push(name);
          return name;
        },
        kubernetesGatekeeper: () =>
          kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 0 }),
        cleanup: async () => {
          for (const name of names) {
            await custom
              .patchClusterCustomObject({ ...CR, name, body: [{ op: 'add', path: '/metadata/finalizers', value: [] }] })
              .catch(() => undefined);
            await custom.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
          }
          await removeNamespace(sourceNamespace);
        },
      };
    },
  ],
];

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An object as the ports hand it over (metadata at the top). */
function portStored(object: object | undefined): Stored | undefined {
  if (!object) return undefined;
  const o = JSON.parse(JSON.stringify(object)) as Loose;
  return { text: JSON.stringify(o), finalizers: [], labels: {}, annotations: {}, ...o };
}

/** An object as the API server returns it (metadata apart). */
function apiStored(object: object): Stored {
  const o = JSON.parse(JSON.stringify(object)) as Loose;
  const m = o.metadata ?? {};
  return {
    text: JSON.stringify(o),
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    deletionTimestamp: m.deletionTimestamp,
    finalizers: m.finalizers ?? [],
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
    type: o.type,
    data: o.data,
    spec: o.spec,
  };
}

/** A verifier that accepts every password but "wrong", without any network. */
export const fakeVerifier: RegistryVerifier = {
  async verify({ server, password }) {
    const status = password === 'wrong' ? 'invalid' : 'valid';
    return {
      verification: { server, status, method: 'basic', detail: status, checkedAt: new Date().toISOString() },
      refusedByGuard: false,
    };
  },
};
