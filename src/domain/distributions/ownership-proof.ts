import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * On a copy: an HMAC, with a key only regcred holds (a Secret in its own namespace), over the
 * distribution's name and UID, the copy's namespace and name, and the ServiceAccounts it records as
 * linked. Labels, the UID and the link record can be copied or made up by anyone with Secret rights
 * in a namespace; this cannot, and it does not carry over to another namespace, name or link record.
 */
export const OWNERSHIP_PROOF_ANNOTATION = 'regcred.io/ownership-proof';

/** The secret of an installation's ownership proofs: 32 random bytes. */
export interface ProofKey {
  readonly bytes: Uint8Array;
  /**
   * What was found of each copy object checked with this key: a reconcile asks of every copy, and
   * the informers' objects stay the same until they change (an HMAC a copy, 50,000 a pass, else).
   */
  readonly checked?: WeakMap<object, boolean>;
}

export interface ProvenFacts {
  distribution: { name: string; uid: string };
  copy: { namespace: string; name: string };
  linked: readonly string[];
}

export function ownershipProof(key: ProofKey, facts: ProvenFacts): string {
  const message = JSON.stringify([
    facts.distribution.name,
    facts.distribution.uid,
    facts.copy.namespace,
    facts.copy.name,
    [...facts.linked].sort(),
  ]);
  return `v1:${createHmac('sha256', key.bytes).update(message).digest('base64url')}`;
}

export function proves(key: ProofKey, proof: string | undefined, facts: ProvenFacts): boolean {
  if (!proof) return false;
  const expected = Buffer.from(ownershipProof(key, facts));
  const given = Buffer.from(proof);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
