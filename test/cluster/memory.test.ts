import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory.js';
import { NamespaceNotFoundError } from '../../src/domain/cluster.js';
import { describeClusterContract } from './contract.js';

describeClusterContract('MemoryCluster', async () => {
  const cluster = new MemoryCluster({ namespaces: ['contract'] });
  return {
    cluster,
    namespace: 'contract',
    missingNamespace: 'no-such-namespace',
    seedSecret: async (seed) => cluster.seedSecret(seed),
    cleanup: async () => {},
  };
});

describe('MemoryCluster', () => {
  it('says it is embedded and that nothing is persisted', () => {
    const cluster = new MemoryCluster({ namespaces: ['default', 'team-a'] });
    expect(cluster.description).toMatch(/in-memory/);
    expect(cluster.description).toMatch(/nothing is persisted/);
    expect(cluster.description).toContain('default, team-a');
  });

  it('hands out increasing resourceVersions across namespaces', async () => {
    const cluster = new MemoryCluster({ namespaces: ['a', 'b'] });
    const base = { type: 'Opaque', labels: {}, annotations: {}, data: {} };
    const first = await cluster.createSecret({ ...base, name: 's', namespace: 'a' });
    const second = await cluster.createSecret({ ...base, name: 's', namespace: 'b' });
    expect(Number(second.resourceVersion)).toBeGreaterThan(Number(first.resourceVersion));
  });

  it('when a namespace is added, then Secrets can be written there', async () => {
    const cluster = new MemoryCluster({ namespaces: ['default'] });
    const secret = { name: 's', namespace: 'later', type: 'Opaque', labels: {}, annotations: {}, data: {} };
    await expect(cluster.createSecret(secret)).rejects.toThrow(NamespaceNotFoundError);
    cluster.addNamespace('later');
    await expect(cluster.createSecret(secret)).resolves.toMatchObject({ namespace: 'later' });
  });

  it('when seeding into a namespace that does not exist, then it refuses', () => {
    const cluster = new MemoryCluster({ namespaces: ['default'] });
    expect(() => cluster.seedSecret({ name: 's', namespace: 'nope', type: 'Opaque', labels: {}, annotations: {}, data: {} })).toThrow(
      NamespaceNotFoundError,
    );
  });
});
