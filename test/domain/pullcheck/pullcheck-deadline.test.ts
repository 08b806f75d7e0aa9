import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../../src/cluster/memory/cluster.js';
import type { ManifestProbe } from '../../../src/domain/pullcheck/pullcheck-model.js';
import { checkPullability, scanNamespace } from '../../../src/domain/pullcheck/pullcheck-use-cases.js';
import { UnavailableError } from '../../../src/errors.js';

/** A registry that never answers: a probe ends only when its signal does. */
const silentRegistry: ManifestProbe = {
  probe: (_target, signal) =>
    new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
};

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'api' },
  spec: { containers: [{ name: 'api', image: 'registry.example.com/api:1' }] },
};

describe('a pull check has a deadline', () => {
  it('when the registry does not answer before the deadline, then the check ends with 503 saying so, not a 500', async () => {
    const cluster = new MemoryCluster({ namespaces: ['team-a'] });
    cluster.seedServiceAccount({ namespace: 'team-a', name: 'default' });
    const checking = checkPullability({ cluster, probe: silentRegistry }, 'team-a', { documents: [POD] }, AbortSignal.timeout(100));
    await expect(checking).rejects.toBeInstanceOf(UnavailableError);
    await expect(checking).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/did not finish in time/) });
  });

  it('when a scan meets a silent registry, then it ends at the deadline too', async () => {
    const cluster = new MemoryCluster({ namespaces: ['team-a'] });
    cluster.seedPod({ namespace: 'team-a', name: 'api' });
    cluster.setPodContainerStates('team-a', 'api', [{ name: 'app', waiting: 'ImagePullBackOff' }]);
    const scanning = scanNamespace({ cluster, probe: silentRegistry }, 'team-a', {}, AbortSignal.timeout(100));
    await expect(scanning).rejects.toBeInstanceOf(UnavailableError);
  });
});
