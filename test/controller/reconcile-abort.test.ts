import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { DistributionCaches } from '../../src/controller/distribution-caches.js';
import { NamespaceMemory } from '../../src/controller/namespace-memory.js';
import type { ReconcileObserver } from '../../src/controller/reconcile-dependencies.js';
import { reconcileDistribution } from '../../src/controller/reconcile-distribution.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_SOURCE_LABEL,
  INSTALLATION_ANNOTATION,
} from '../../src/domain/distributions/distribution.js';

const quiet: ReconcileObserver = {
  restored: () => {},
  failed: () => {},
  refused: () => {},
  rolledOut: () => {},
  conditionChanged: () => {},
  unexpected: () => {},
};

async function arrange() {
  const cluster = new MemoryCluster({ namespaces: ['regcred', { name: 'team-a', labels: { team: 'a' } }] });
  const distributions = new MemoryDistributions(cluster);
  const auth = Buffer.from('ci:pw').toString('base64');
  await cluster.createSecret({
    namespace: 'regcred',
    name: 'src',
    type: 'kubernetes.io/dockerconfigjson',
    labels: { [DISTRIBUTION_SOURCE_LABEL]: 'payments' },
    annotations: {},
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { auth } } })).toString('base64') },
  });
  await distributions.createDistribution({
    name: 'payments',
    finalizers: [CLEANUP_FINALIZER],
    labels: {},
    annotations: { [INSTALLATION_ANNOTATION]: 'regcred' },
    spec: { secretName: 'regcred', source: { secretName: 'src', namespace: 'regcred' }, namespaceSelector: 'team=a', serviceAccounts: [] },
  });
  // The caches as informers would hold them, read straight from the store.
  const caches: DistributionCaches = {
    distribution: () => undefined,
    distributions: () => [],
    namespaces: () => [{ name: 'team-a', labels: { team: 'a' }, terminating: false }],
    namespace: (name) => (name === 'team-a' ? { name: 'team-a', labels: { team: 'a' }, terminating: false } : undefined),
    copy: () => undefined,
    copiesOf: () => [],
    serviceAccountsIn: () => [],
  };
  const distribution = (await distributions.readDistribution('payments'))!;
  caches.distribution = () => distribution;
  return { cluster, distributions, caches };
}

describe('reconcileDistribution when this replica stops leading', () => {
  it('writes nothing once its signal is aborted: no copy, no status', async () => {
    const { cluster, distributions, caches } = await arrange();
    const stopped = new AbortController();
    stopped.abort();
    const deps = { cluster, distributions, caches, ownNamespace: 'regcred', denyNamespaces: [], concurrency: 4, observer: quiet };
    const memory = new NamespaceMemory(60_000);
    const proofKey = { bytes: new Uint8Array(32) };
    expect(await reconcileDistribution({ ...deps, memory, proofKey, signal: stopped.signal }, 'payments')).toEqual({
      retry: false,
      writes: 0,
    });
    expect(await cluster.readSecret('team-a', 'regcred')).toBeUndefined();
    expect((await distributions.readDistribution('payments'))!.status).toBeUndefined();
    // The same pass, leading: the source is bound to the object and the copy is written (so the test above can fail).
    expect((await reconcileDistribution({ ...deps, memory, proofKey, signal: new AbortController().signal }, 'payments')).writes).toBe(2);
    expect((await cluster.readSecret('team-a', 'regcred'))?.labels[DISTRIBUTION_LABEL]).toBe('payments');
  });
});
