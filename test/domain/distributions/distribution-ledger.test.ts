import { describe, expect, it } from 'vitest';
import {
  DistributionLedger,
  LIST_EVERY_NAMESPACE_UP_TO,
  MAX_STATUS_NAMESPACES,
} from '../../../src/domain/distributions/distribution-ledger.js';
import type { DistributionObject } from '../../../src/domain/distributions/distribution.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const distribution = (status?: DistributionObject['status']): DistributionObject => {
  const object = { name: 'payments', uid: 'u-1', generation: 3, labels: {}, annotations: {}, finalizers: [], spec: {} };
  return { ...object, ...(status ? { status } : {}) } as unknown as DistributionObject;
};
const inSync = (namespace: string, currentHash = 'sha256:new') => ({ namespace, state: 'inSync' as const, written: true, currentHash });

describe('DistributionLedger', () => {
  it('moves the counts with each entry: a namespace recorded again replaces its earlier outcome', () => {
    const ledger = new DistributionLedger();
    ledger.record(inSync('a'), 't1');
    ledger.record(inSync('b', 'sha256:old'), 't1');
    ledger.record({ namespace: 'c', state: 'excluded', written: false, reason: 'listed in excludeNamespaces' }, 't1');
    ledger.record({ namespace: 'd', state: 'pending', written: false, absent: true, reason: 'the namespace does not exist yet' }, 't1');
    let status = ledger.status(distribution(), { contentHash: 'sha256:new' }, NOW);
    expect(status.counts).toEqual({ targeted: 3, current: 1, inSync: 2, excluded: 1, pending: 1 });
    expect(status.rolledOutAt).toBeUndefined();

    ledger.record(inSync('b'), 't2');
    ledger.forget('d');
    status = ledger.status(distribution(), { contentHash: 'sha256:new' }, NOW);
    expect(status.counts).toEqual({ targeted: 2, current: 2, inSync: 2, excluded: 1 });
    expect(status.rolledOutAt).toBe(NOW.toISOString());
    expect(status.namespaces!.map((n) => n.namespace)).toEqual(['a', 'b', 'c']);
  });

  it('counts again what is current when the content changes, and keeps lastSynced while a copy keeps its content', () => {
    const ledger = new DistributionLedger();
    ledger.record(inSync('a', 'sha256:old'), 't1');
    ledger.record({ namespace: 'a', state: 'inSync', written: false, currentHash: 'sha256:old' }, 't2');
    expect(ledger.get('a')?.lastSynced).toBe('t1');
    expect(ledger.status(distribution(), { contentHash: 'sha256:old' }, NOW).counts?.current).toBe(1);
    expect(ledger.status(distribution(), { contentHash: 'sha256:new' }, NOW).counts?.current).toBe(0);
  });

  it(`up to ${LIST_EVERY_NAMESPACE_UP_TO} namespaces lists every one, in name order`, () => {
    const ledger = new DistributionLedger();
    for (let i = LIST_EVERY_NAMESPACE_UP_TO - 1; i >= 0; i--) ledger.record(inSync(`ns-${String(i).padStart(5, '0')}`), 't1');
    const listed = ledger.status(distribution(), { contentHash: 'sha256:new' }, NOW).namespaces!.map((n) => n.namespace);
    expect(listed).toHaveLength(LIST_EVERY_NAMESPACE_UP_TO);
    expect(listed).toEqual([...listed].sort());
  });

  it(`past ${LIST_EVERY_NAMESPACE_UP_TO} namespaces lists only those needing attention, at most ${MAX_STATUS_NAMESPACES}, and counts them all`, () => {
    const ledger = new DistributionLedger();
    const total = MAX_STATUS_NAMESPACES * 3;
    for (let i = 0; i < total; i++) ledger.record(inSync(`ns-${String(i).padStart(5, '0')}`), 't1');
    ledger.record({ namespace: 'ns-01400', state: 'failed', written: false, reason: 'someone else made it' }, 't2');
    ledger.record({ namespace: 'ns-00007', state: 'excluded', written: false, reason: 'deny list' }, 't2');
    let status = ledger.status(distribution(), { contentHash: 'sha256:new' }, NOW);
    expect(status.namespaces).toHaveLength(1);
    expect(status.namespaces![0]).toMatchObject({ namespace: 'ns-01400', state: 'failed', reason: 'someone else made it' });
    expect(status.counts).toMatchObject({ targeted: total - 1, failed: 1, excluded: 1, inSync: total - 2 });

    for (let i = 0; i < MAX_STATUS_NAMESPACES + 10; i++)
      ledger.record(
        { namespace: `ns-${String(i).padStart(5, '0')}`, state: 'pending', written: false, reason: 'no ServiceAccount yet' },
        't3',
      );
    status = ledger.status(distribution(), { contentHash: 'sha256:new' }, NOW);
    const listed = status.namespaces!.map((n) => n.namespace);
    expect(listed).toHaveLength(MAX_STATUS_NAMESPACES);
    expect(listed).toEqual([...listed].sort());
    expect(status.namespaces!.every((n) => n.state === 'pending' || n.state === 'failed')).toBe(true);
    expect(status.counts).toMatchObject({ pending: MAX_STATUS_NAMESPACES + 10 });
  });

  it('starts from the stored status (after a restart) and keeps only the namespaces a full pass still targets', () => {
    const stored = distribution({
      contentHash: 'sha256:new',
      namespaces: [
        { namespace: 'a', state: 'inSync', contentHash: 'sha256:new', lastSynced: 't0' },
        { namespace: 'gone', state: 'inSync', contentHash: 'sha256:new' },
      ],
    });
    const ledger = new DistributionLedger(stored.status);
    expect(ledger.get('a')).toMatchObject({ state: 'inSync', lastSynced: 't0' });
    ledger.retainOnly((namespace) => namespace !== 'gone');
    expect(ledger.size).toBe(1);
    expect(ledger.status(stored, { contentHash: 'sha256:new' }, NOW).contentChangedAt).toBe(NOW.toISOString());
  });

  it('replaces the Pods found in the namespaces checked and keeps the others while they are targeted', () => {
    const ledger = new DistributionLedger();
    ledger.record(inSync('a'), 't1');
    ledger.record(inSync('b'), 't1');
    ledger.podsFound(
      new Set(['a', 'b']),
      [
        { namespace: 'a', name: 'p1', serviceAccountName: 'default' },
        { namespace: 'b', name: 'p2', serviceAccountName: 'default' },
      ],
      100,
    );
    ledger.podsFound(new Set(['a']), [], 100);
    expect(ledger.podsLackingSecret.map((p) => p.name)).toEqual(['p2']);
    ledger.forget('b');
    ledger.podsFound(new Set(), [], 100);
    expect(ledger.podsLackingSecret).toEqual([]);
  });
});
