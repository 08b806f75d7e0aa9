import { describe, expect, it } from 'vitest';
import { instrumentCluster } from '../../src/cluster/instrumented-cluster.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { createMetrics } from '../../src/metrics.js';

describe('instrumentCluster, for ServiceAccounts and namespaces', () => {
  const arrange = () => {
    const memory = new MemoryCluster({ namespaces: [{ name: 'team-a', labels: { team: 'a' } }] });
    const seeded = memory.seedServiceAccount({ namespace: 'team-a', name: 'default' });
    const metrics = createMetrics({ processMetrics: false });
    return { cluster: instrumentCluster(memory, metrics), metrics, seeded };
  };

  const count = async (metrics: ReturnType<typeof createMetrics>, labels: Record<string, string>) => {
    const { values } = await metrics.kubernetesRequestDuration.get();
    const matches = (l: Record<string, unknown>) => Object.entries(labels).every(([k, v]) => l[k] === v);
    return values.find((v) => v.metricName?.endsWith('_count') && matches(v.labels))?.value ?? 0;
  };

  it('when the calls succeed, then each is timed by its RBAC verb and resource, and answers as the wrapped cluster', async () => {
    const { cluster, metrics, seeded } = arrange();
    expect(await cluster.readServiceAccount('team-a', 'default')).toEqual(seeded);
    expect(await cluster.listServiceAccounts('team-a', { limit: 10 })).toEqual({ items: [seeded] });
    const updated = await cluster.setServiceAccountPullSecrets('team-a', 'default', ['regcred'], seeded.resourceVersion!);
    expect(updated.imagePullSecrets).toEqual(['regcred']);
    expect(await cluster.listNamespaces({ labelSelector: 'team=a', limit: 10 })).toEqual({ names: ['team-a'] });
    for (const [verb, resource] of [
      ['get', 'serviceaccounts'],
      ['list', 'serviceaccounts'],
      ['patch', 'serviceaccounts'],
      ['list', 'namespaces'],
    ]) {
      expect(await count(metrics, { verb, resource, outcome: 'success' }), `${verb} ${resource}`).toBe(1);
    }
  });

  it('when the calls fail, then they are counted by kind: not_found, stale_write, invalid', async () => {
    const { cluster, metrics, seeded } = arrange();
    await expect(cluster.setServiceAccountPullSecrets('team-a', 'absent', [], '1')).rejects.toThrow();
    await cluster.setServiceAccountPullSecrets('team-a', 'default', ['x'], seeded.resourceVersion!);
    await expect(cluster.setServiceAccountPullSecrets('team-a', 'default', ['y'], seeded.resourceVersion!)).rejects.toThrow();
    await expect(cluster.listNamespaces({ labelSelector: 'team in (a', limit: 10 })).rejects.toThrow();
    const { values } = await metrics.kubernetesRequestErrors.get();
    expect(values.map((v) => v.labels).sort((a, b) => String(a.kind).localeCompare(String(b.kind)))).toEqual([
      { verb: 'list', resource: 'namespaces', kind: 'invalid' },
      { verb: 'patch', resource: 'serviceaccounts', kind: 'not_found' },
      { verb: 'patch', resource: 'serviceaccounts', kind: 'stale_write' },
    ]);
  });
});

describe('instrumentCluster, for Pods', () => {
  it('when Pods are read and listed, then each call is timed as get or list on pods, and a refused continue is counted as invalid', async () => {
    const memory = new MemoryCluster({ namespaces: ['team-a'] });
    const seeded = memory.seedPod({ namespace: 'team-a', name: 'api' });
    const metrics = createMetrics({ processMetrics: false });
    const cluster = instrumentCluster(memory, metrics);
    expect(await cluster.readPod('team-a', 'api')).toEqual(seeded);
    expect(await cluster.listPods('team-a', { limit: 10 })).toEqual({ pods: [seeded] });
    await expect(cluster.listPods('team-a', { limit: 10, continue: 'garbage' })).rejects.toThrow(/continue token/);
    const { values } = await metrics.kubernetesRequestDuration.get();
    const counted = (verb: string, outcome: string) =>
      values.find(
        (v) => v.metricName?.endsWith('_count') && v.labels.verb === verb && v.labels.resource === 'pods' && v.labels.outcome === outcome,
      )?.value;
    expect([counted('get', 'success'), counted('list', 'success'), counted('list', 'invalid')]).toEqual([1, 1, 1]);
  });
});
