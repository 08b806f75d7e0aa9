import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, type Cluster } from '../domain/cluster.js';
import type { ProofKey } from '../domain/distributions/ownership-proof.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretObject } from '../domain/kubernetes/secret.js';
import { ConflictError } from '../errors.js';

/** The Secret in regcred's own namespace that holds the installation's ownership-proof key. */
export const OWNERSHIP_KEY_SECRET = 'regcred-ownership-key';
const KEY_FIELD = 'key';

/**
 * The installation's proof key: read from its Secret, or made (32 random bytes) when there is none
 * yet. Two replicas making it at once: the second create loses and reads the first. Without the key
 * nothing is proven, so copies are only adopted where their distribution writes anyway.
 * @throws ConflictError when a Secret of that name holds no key of 32 bytes (it is not ours to replace)
 */
export async function loadOwnershipKey(cluster: Cluster, ownNamespace: string): Promise<ProofKey> {
  const existing = await cluster.readSecret(ownNamespace, OWNERSHIP_KEY_SECRET);
  if (existing) return keyOf(existing);
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
    return { bytes, checked: new WeakMap() };
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    const made = await cluster.readSecret(ownNamespace, OWNERSHIP_KEY_SECRET);
    if (!made) throw error;
    return keyOf(made);
  }
}

function keyOf(secret: SecretObject): ProofKey {
  const bytes = Buffer.from(secret.data[KEY_FIELD] ?? '', 'base64');
  if (bytes.length !== 32)
    throw new ConflictError(
      `secret "${OWNERSHIP_KEY_SECRET}" in namespace "${secret.namespace}" holds no ownership key of 32 bytes under "${KEY_FIELD}"; delete it to have one made`,
    );
  return { bytes, checked: new WeakMap() };
}
