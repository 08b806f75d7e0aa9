import { Buffer } from 'node:buffer';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { crdValidator } from '../../../scripts/crd-schema.js';
import { PREVIOUS_DISTRIBUTION_CRD } from '../../support/distribution-crd.js';
import type { MemoryDistributions } from '../../../src/cluster/memory/distributions.js';
import type { MemoryCluster } from '../../../src/cluster/memory/cluster.js';
import {
  DISTRIBUTION_GROUP,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_VERSION,
  type DistributionDraft,
} from '../../../src/domain/distributions/distribution.js';

// Where the distribution fuzzer sends its objects: a real API server (its CRD decides what is
// stored), or the in-memory cluster behind the previous CRD (types only, no limits: what a cluster
// still holds, or still accepts, when regcred is upgraded before its CRD).

/** A Secret as the fuzzer inspects it: where, and its data decoded. */
export interface StoredSecret {
  namespace: string;
  name: string;
  resourceVersion?: string;
  annotations: Record<string, string>;
  text: string;
}

export interface DistributionFuzzStage {
  createNamespace(name: string, labels: Record<string, string>): Promise<void>;
  /** A kubernetes.io/dockerconfigjson Secret whose password is `password`. */
  createPullSecret(namespace: string, name: string, labels: Record<string, string>, password: string): Promise<void>;
  /** `created`, or why not (the status code, `invalid`). Straight to the cluster, as kubectl would. */
  create(body: Record<string, unknown>): Promise<string>;
  replaceSpec(name: string, spec: unknown): Promise<string>;
  remove(name: string): Promise<string>;
  secrets(): Promise<StoredSecret[]>;
}

const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };

export const pullSecretData = (password: string) => ({
  '.dockerconfigjson': Buffer.from(
    JSON.stringify({
      auths: { 'registry.example.com': { username: 'fuzz', password, auth: Buffer.from(`fuzz:${password}`).toString('base64') } },
    }),
  ).toString('base64'),
});

const decoded = (data: Record<string, string> | undefined) =>
  Object.values(data ?? {})
    .map((v) => Buffer.from(v, 'base64').toString('utf8'))
    .join('\n');

const outcome = (promise: Promise<unknown>, done: string) =>
  promise.then(
    () => done,
    (error: { code?: number; constructor?: { name?: string } }) => String(error.code ?? error.constructor?.name ?? 'error'),
  );

/** The kit's API server, through the admin's kubeconfig. */
export function apiServerStage(kubeConfig: KubeConfig): DistributionFuzzStage {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    createNamespace: async (name, labels) => void (await core.createNamespace({ body: { metadata: { name, labels } } })),
    createPullSecret: async (namespace, name, labels, password) =>
      void (await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name, labels }, type: 'kubernetes.io/dockerconfigjson', data: pullSecretData(password) },
      })),
    create: (body) => outcome(custom.createClusterCustomObject({ ...CR, body }), 'created'),
    replaceSpec: (name, spec) =>
      outcome(
        custom.patchClusterCustomObject({ ...CR, name, body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
        'replaced',
      ),
    remove: (name) => outcome(custom.deleteClusterCustomObject({ ...CR, name }), 'deleted'),
    secrets: async () =>
      (await core.listSecretForAllNamespaces()).items.map((s) => ({
        namespace: s.metadata?.namespace ?? '',
        name: s.metadata?.name ?? '',
        resourceVersion: s.metadata?.resourceVersion,
        annotations: { ...s.metadata?.annotations },
        text: decoded(s.data),
      })),
  };
}

/** The in-memory cluster, storing what the previous CRD would have stored (its types and defaults, none of its successor's limits). */
export function memoryStage(cluster: MemoryCluster, distributions: MemoryDistributions): DistributionFuzzStage {
  const oldSchema = crdValidator('create', PREVIOUS_DISTRIBUTION_CRD);
  const asStored = (body: Record<string, unknown>): DistributionDraft | undefined => {
    if (oldSchema(body).length > 0) return undefined;
    const metadata = body.metadata as Record<string, never>;
    const spec = body.spec as Record<string, unknown>;
    const { unknownField: _pruned, ...kept } = spec;
    return {
      name: metadata.name,
      finalizers: metadata.finalizers ?? [],
      labels: metadata.labels ?? {},
      annotations: metadata.annotations ?? {},
      spec: { secretName: 'regcred', serviceAccounts: [], ...kept } as never,
    };
  };
  return {
    createNamespace: async (name, labels) => cluster.addNamespace(name, labels),
    createPullSecret: async (namespace, name, labels, password) =>
      void (await cluster.createSecret({
        namespace,
        name,
        type: 'kubernetes.io/dockerconfigjson',
        labels,
        annotations: {},
        data: pullSecretData(password),
      })),
    create: async (body) => {
      const draft = asStored(body);
      return draft ? outcome(distributions.createDistribution(draft), 'created') : 'invalid';
    },
    replaceSpec: async (name, spec) => {
      const existing = await distributions.readDistribution(name);
      const { name: _n, finalizers, labels, annotations } = existing ?? { name: '', finalizers: [], labels: {}, annotations: {} };
      const body = { apiVersion: `${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}`, kind: 'PullSecretDistribution', spec };
      const draft = existing && asStored({ ...body, metadata: { name, finalizers, labels, annotations } });
      if (!existing || !draft) return existing ? 'invalid' : '404';
      return outcome(distributions.replaceDistribution({ ...draft, resourceVersion: existing.resourceVersion ?? '' }), 'replaced');
    },
    remove: async (name) => {
      const existing = await distributions.readDistribution(name);
      return existing ? outcome(distributions.deleteDistribution(name, existing.uid ?? ''), 'deleted') : '404';
    },
    secrets: async () =>
      cluster.listAllSecrets().map((s) => ({
        namespace: s.namespace,
        name: s.name,
        resourceVersion: s.resourceVersion,
        annotations: { ...s.annotations },
        text: decoded(s.data),
      })),
  };
}
