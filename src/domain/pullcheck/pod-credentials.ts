import {
  buildKeyring,
  lookupKeyring,
  readPullSecretAsKubelet,
  readPullSecretWithPasswords,
  type Keyring,
  type KubeletPasswordCredential,
} from '../kubelet/kubelet-keyring.js';
import { MAX_MATCH_ENTRIES, matchImages, type MissingPullSecret, type PullSecretSource } from '../match/match-images.js';
import { MAX_MATCH_SECRETS } from '../match/match-schemas.js';
import type { SecretConsidered } from './pullcheck-model.js';
import type { PullcheckSession } from './pullcheck-ports.js';

/** A credential the kubelet may hand the runtime, with the secret it comes from. */
export interface ProbeCredential extends KubeletPasswordCredential {
  secret: string;
}

/** A Pod's pull secrets as the kubelet reads them: each one's state, and the keyring of those it uses. */
export interface PodCredentials {
  secrets: SecretConsidered[];
  keyring: Keyring<ProbeCredential>;
  /** The first secret the kubelet cannot decode: it then fails every pull of the Pod. */
  undecodable?: SecretConsidered;
  /** The secrets as match-images takes them (found or missing), for its warnings. */
  sources: Array<PullSecretSource | MissingPullSecret>;
}

/**
 * Reads the listed secrets (each name once, at most MAX_MATCH_SECRETS different names and
 * MAX_MATCH_ENTRIES entries: past those, a secret counts as unreadable) and builds the kubelet's
 * keyring from them, in the Pod's order.
 */
export async function podCredentials(names: readonly string[], session: PullcheckSession): Promise<PodCredentials> {
  const distinct = [...new Set(names)];
  const reads = new Map(
    await Promise.all(distinct.slice(0, MAX_MATCH_SECRETS).map(async (name) => [name, await session.readSecret(name)] as const)),
  );
  const secrets: SecretConsidered[] = [];
  const sources: PodCredentials['sources'] = [];
  const credentials: ProbeCredential[] = [];
  let undecodable: SecretConsidered | undefined;
  for (const name of names) {
    const read = reads.get(name);
    if (!read) {
      secrets.push({ name, state: 'unreadable', reason: `a check reads at most ${MAX_MATCH_SECRETS} different pull secrets` });
      continue;
    }
    if (read.state !== 'found') {
      secrets.push(read.state === 'missing' ? { name, state: 'missing' } : { name, state: 'unreadable', reason: read.reason });
      if (read.state === 'missing') sources.push({ name, missing: true });
      continue;
    }
    const reading = readPullSecretWithPasswords(read.secret.type, read.secret.data, MAX_MATCH_ENTRIES - credentials.length);
    if (reading.kind === 'too-many') {
      secrets.push({ name, state: 'unreadable', reason: `the Pod's secrets hold more than ${MAX_MATCH_ENTRIES} registry entries` });
    } else if (reading.kind === 'ignored') {
      secrets.push({ name, state: 'wrong-type', reason: reading.reason });
    } else if (reading.kind === 'fails') {
      const considered: SecretConsidered = { name, state: 'undecodable', reason: reading.reason };
      secrets.push(considered);
      undecodable ??= considered;
    } else {
      secrets.push({ name, state: 'used' });
      sources.push(read.secret);
      credentials.push(...reading.credentials.map((c) => ({ ...c, secret: name })));
    }
  }
  return { secrets, keyring: buildKeyring(credentials).keyring, sources, ...(undecodable && { undecodable }) };
}

/** The credentials the kubelet tries for `repository` (normalised, no tag), in its order: pkg/credentialprovider's Lookup. */
export function credentialsFor(credentials: PodCredentials, repository: string): ProbeCredential[] {
  return lookupKeyring(credentials.keyring, repository)?.hits.map((hit) => hit.entry) ?? [];
}

/** The match simulator's warnings for each image (unmatched keys, near misses, prefix surprises): notes of the check. */
export function kubeletWarnings(credentials: PodCredentials, images: readonly string[]): Map<string, string[]> {
  try {
    const { images: matched } = matchImages(images, { secrets: credentials.sources });
    return new Map(matched.map((m) => [m.image, m.warnings]));
  } catch {
    // Past the entry budget: the secret already counts as unreadable, and the check goes on without warnings.
    return new Map();
  }
}

/** Whether a secret's credentials would match `repository`: a candidate for `not-linked`. */
export function secretMatches(secret: PullSecretSource, repository: string): boolean {
  const reading = readPullSecretAsKubelet(secret.type, secret.data, MAX_MATCH_ENTRIES);
  if (reading.kind !== 'credentials') return false;
  return lookupKeyring(buildKeyring(reading.credentials).keyring, repository) !== undefined;
}
