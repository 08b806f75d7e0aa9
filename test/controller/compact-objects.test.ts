import { describe, expect, it } from 'vitest';
import { CompactObjects } from '../../src/controller/compact-objects.js';
import type { DistributionObject } from '../../src/domain/distributions/distribution.js';

function distribution(entries: number): DistributionObject {
  return {
    name: 'team-pull',
    uid: 'u-1',
    resourceVersion: '7',
    generation: 2,
    labels: {},
    annotations: {},
    finalizers: [],
    spec: { secretName: 'regcred', source: { secretName: 'distribution-team-pull' }, namespaceSelector: 'team=a', serviceAccounts: [] },
    status: {
      contentHash: 'sha256:abc',
      counts: { targeted: entries, current: entries - 1 },
      namespaces: Array.from({ length: entries }, (_, i) =>
        i === 0
          ? { namespace: `ns-${i}`, state: 'pending' as const, reason: 'ServiceAccount default not found' }
          : { namespace: `ns-${i}`, state: 'inSync' as const, contentHash: 'sha256:abc', lastSynced: '2026-12-07T20:00:00Z' },
      ),
    },
  } as DistributionObject;
}

describe('compact informer objects', () => {
  it('when a distribution lists its namespaces, then the cached one says exactly the same, with no field added or lost', () => {
    const stored = distribution(1000);
    const cached = new CompactObjects((name) => name).distribution(structuredClone(stored));
    expect(cached).toEqual(stored);
    expect(Object.keys(cached.status!.namespaces![0]!).sort()).toEqual(['namespace', 'reason', 'state']);
    expect(Object.keys(cached.status!.namespaces![1]!).sort()).toEqual(['contentHash', 'lastSynced', 'namespace', 'state']);
  });

  it('when a distribution has no status yet, then it is kept as it came', () => {
    const { status: _status, ...bare } = distribution(0);
    const fresh = bare as DistributionObject;
    expect(new CompactObjects().distribution(fresh)).toBe(fresh);
  });
});
