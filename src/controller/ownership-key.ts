import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, type Cluster } from '../domain/cluster.js';
import type { ProofKey } from '../domain/distributions/ownership-proof.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../domain/kubernetes/secret.js';

/** The Secret in regcred's own namespace that holds the installation's ownership-proof key. */
export const OWNERSHIP_KEY_SECRET = 'regcred-ownership-key';
const KEY_FIELD = 'key';

/**
 * The installation's proof key: read from its Secret, or made (32 random bytes) when there is none
 * yet. Two replicas making it at once: the second create loses and reads the first. Without the key
 * nothing is proven, so copies are only adopted where their distribution writes anyway.
 */
export async function loadOwnershipKey(cluster: Cluster, ownNamespace: string): Promise<ProofKey> {
  const existing = await cluster.readSecret(ownNamespace, OWNERSHIP_KEY_SECRET);
  const stored = existing?.data[KEY_FIELD];
  if (stored) return { bytes: Buffer.from(stored, 'base64') };
  const bytes = randomBytes(32);
  try {
    await cluster.createSecret({
      namespace: ownNamespace,
      name: OWNERSHIP_KEY_SECRET,
      type: 'Opaque',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: {},
      data: { [KEY_FIELD]: bytes.toString('base64') },
    });
    return { bytes };
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    return loadOwnershipKey(cluster, ownNamespace);
  }
}
