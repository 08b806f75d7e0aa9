import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { loadOwnershipKey, OWNERSHIP_KEY_SECRET } from '../../src/controller/ownership-key.js';
import { ConflictError } from '../../src/errors.js';

describe('the ownership key', () => {
  it('is made once and read back the same by the next start', async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred'] });
    const made = await loadOwnershipKey(cluster, 'regcred');
    expect(made.bytes).toHaveLength(32);
    expect(Buffer.from((await loadOwnershipKey(cluster, 'regcred')).bytes)).toEqual(Buffer.from(made.bytes));
  });

  it('refuses a Secret of its name that holds no 32-byte key, without replacing it', async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred'] });
    const other = await cluster.createSecret({
      namespace: 'regcred',
      name: OWNERSHIP_KEY_SECRET,
      type: 'Opaque',
      labels: {},
      annotations: {},
      data: { key: Buffer.from('short').toString('base64') },
    });
    await expect(loadOwnershipKey(cluster, 'regcred')).rejects.toBeInstanceOf(ConflictError);
    expect((await cluster.readSecret('regcred', OWNERSHIP_KEY_SECRET))?.resourceVersion).toBe(other.resourceVersion);
  });
});
