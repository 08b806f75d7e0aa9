import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { NamespaceNotFoundError } from '../../src/domain/cluster.js';

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

describe('MemoryCluster namespaces and ServiceAccounts', () => {
  it('when configured with labelled namespaces, then it selects on those labels; a plain name has none', async () => {
    const cluster = new MemoryCluster({ namespaces: ['plain', { name: 'team-a', labels: { team: 'a' } }] });
    expect(cluster.description).toContain('plain, team-a');
    expect((await cluster.listNamespaces({ limit: 10 })).names).toEqual(['plain', 'team-a']);
    expect((await cluster.listNamespaces({ labelSelector: 'team', limit: 10 })).names).toEqual(['team-a']);
    expect((await cluster.listNamespaces({ labelSelector: '!team', limit: 10 })).names).toEqual(['plain']);
  });

  it('when a namespace is added again, then its labels are replaced and its objects kept', async () => {
    const cluster = new MemoryCluster({ namespaces: [{ name: 'a', labels: { old: 'x' } }] });
    cluster.seedServiceAccount({ namespace: 'a', name: 'default' });
    cluster.addNamespace('a', { new: 'y' });
    expect((await cluster.listNamespaces({ labelSelector: 'old', limit: 10 })).names).toEqual([]);
    expect((await cluster.listNamespaces({ labelSelector: 'new=y', limit: 10 })).names).toEqual(['a']);
    expect(await cluster.readServiceAccount('a', 'default')).toMatchObject({ imagePullSecrets: [] });
  });

  it('when seeding a ServiceAccount without the optional fields, then they get the API server defaults', () => {
    const cluster = new MemoryCluster({ namespaces: ['a'] });
    cluster.seedServiceAccount({ namespace: 'a', name: 'default' });
    expect(cluster.readServiceAccountFields('a', 'default')).toEqual({
      namespace: 'a',
      name: 'default',
      imagePullSecrets: [],
      labels: {},
      secrets: [],
      automountServiceAccountToken: true,
    });
  });

  it('when seeding a ServiceAccount into a namespace that does not exist, then it refuses', () => {
    const cluster = new MemoryCluster({ namespaces: ['default'] });
    expect(() => cluster.seedServiceAccount({ namespace: 'nope', name: 'default' })).toThrow(NamespaceNotFoundError);
  });

  it('hands out resourceVersions from the same sequence as Secrets', async () => {
    const cluster = new MemoryCluster({ namespaces: ['a'] });
    const secret = await cluster.createSecret({ name: 's', namespace: 'a', type: 'Opaque', labels: {}, annotations: {}, data: {} });
    const account = cluster.seedServiceAccount({ namespace: 'a', name: 'default' });
    expect(Number(account.resourceVersion)).toBeGreaterThan(Number(secret.resourceVersion));
  });
});
