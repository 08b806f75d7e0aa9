import { describe, expect, it } from 'vitest';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { ConflictError } from '../../src/errors.js';
import { WatchExpiredError } from '../../src/domain/watch.js';
import { eventually } from '../support/poll.js';

describe('MemoryDistributions beyond the contract', () => {
  it('when large Secrets change, then the watch history keeps no more than its byte budget: a watch from before gets WatchExpiredError', async () => {
    const cluster = new MemoryCluster({ namespaces: ['big'], historyBytes: 1024 * 1024 });
    const distributions = new MemoryDistributions(cluster);
    const source = distributions.secretsLabelled('regcred.io/distribution');
    const before = (await source.list()).resourceVersion;
    const data = { '.dockerconfigjson': 'A'.repeat(400 * 1024) };
    const labels = { 'regcred.io/distribution': 'x' };
    // The create keeps 400 KiB, the replace 800 KiB (before and after): beyond 1 MiB together.
    const first = await cluster.createSecret({ namespace: 'big', name: 's', type: 'Opaque', labels, annotations: {}, data });
    await cluster.replaceSecret({ ...first, labels: { ...labels, v: '2' }, resourceVersion: first.resourceVersion! });
    const closes: unknown[] = [];
    source.watch(before, 30, { onEvent: () => undefined, onClose: (error) => closes.push(error) });
    await eventually(async () => expect(closes).toHaveLength(1));
    expect(closes[0]).toBeInstanceOf(WatchExpiredError);
  });

  it('when a namespace is only marked for deletion, then it stays Terminating and refuses new Secrets', async () => {
    const cluster = new MemoryCluster({ namespaces: ['going'] });
    const distributions = new MemoryDistributions(cluster);
    cluster.terminateNamespace('going');
    expect((await distributions.namespaces.list()).items).toEqual([expect.objectContaining({ name: 'going', terminating: true })]);
    const secret = { name: 's', namespace: 'going', type: 'Opaque', labels: {}, annotations: {}, data: {} };
    await expect(cluster.createSecret(secret)).rejects.toThrow(ConflictError);
  });

  it('when a namespace is re-added with the same labels, then nothing changes and no resourceVersion is spent', async () => {
    const cluster = new MemoryCluster({ namespaces: [{ name: 'a', labels: { team: 'x' } }] });
    const before = (await new MemoryDistributions(cluster).namespaces.list()).resourceVersion;
    cluster.addNamespace('a', { team: 'x' });
    expect(cluster.changes.resourceVersion).toBe(before);
  });

  it('when more Events are recorded than it keeps, then the oldest go', async () => {
    const distributions = new MemoryDistributions(new MemoryCluster({ namespaces: [] }));
    const distribution = { name: 'd' };
    for (let i = 0; i < 1005; i++) await distributions.recordEvent({ distribution, type: 'Normal', reason: 'Tick', message: String(i) });
    expect(distributions.events).toHaveLength(1000);
    expect(distributions.events[0].message).toBe('5');
  });
});
