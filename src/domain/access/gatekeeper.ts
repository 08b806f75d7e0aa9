import { createHash } from 'node:crypto';
import { REQUIRED_PERMISSIONS, grantsNamespace, type AccessReviewer, type Caller, type KubernetesIdentity, type Operation } from './access-policy.js';
import { findTokenCaller, type TokenEntry } from './caller-tokens.js';

/**
 * Decides who calls (authentication) and whether they may act in a namespace (authorisation).
 * The deny list is applied by the caller of `authorize`, before it, in every mode.
 */
export interface Gatekeeper {
  readonly mode: 'token' | 'kubernetes' | 'none';
  /** The caller for a bearer token (undefined when there is none), or undefined when it is not accepted. */
  authenticate(token: string | undefined): Promise<Caller | undefined>;
  /** Whether the caller may do the operation in the namespace (in every namespace for ALL_NAMESPACES). */
  authorize(caller: Caller, operation: Operation, namespace: string): Promise<boolean>;
}

/** `none`: every request comes from "anonymous", who may do anything the deny list allows. */
export function openGatekeeper(): Gatekeeper {
  return {
    mode: 'none',
    authenticate: async () => ({ name: 'anonymous' }),
    authorize: async () => true,
  };
}

/** `token`: regcred's own tokens, each granting namespace globs. */
export function tokenGatekeeper(entries: readonly TokenEntry[]): Gatekeeper {
  return {
    mode: 'token',
    authenticate: async (token) => (token ? findTokenCaller(entries, token) : undefined),
    authorize: async (caller, _operation, namespace) => grantsNamespace(caller.namespaces ?? [], namespace),
  };
}

export interface ReviewCacheOptions {
  /** How long an answer is reused; 0 disables the cache. */
  ttlMs: number;
  /** At most this many answers are kept (oldest evicted first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * `kubernetes`: the caller's own token, checked with a TokenReview; each operation checked with a
 * SubjectAccessReview per required permission in the namespace. Answers are cached briefly,
 * keyed on the token's SHA-256 (the token itself is never kept).
 */
export function kubernetesGatekeeper(reviewer: AccessReviewer, cache: ReviewCacheOptions): Gatekeeper {
  const identities = new TtlCache<KubernetesIdentity | null>(cache);
  const decisions = new TtlCache<boolean>(cache);
  return {
    mode: 'kubernetes',
    async authenticate(token) {
      if (!token) return undefined;
      const key = createHash('sha256').update(token, 'utf8').digest('hex');
      let identity = identities.get(key);
      if (identity === undefined) {
        identity = (await reviewer.reviewToken(token)) ?? null;
        identities.set(key, identity);
      }
      return identity ? { name: identity.username, identity } : undefined;
    },
    async authorize(caller, operation, namespace) {
      const identity = caller.identity;
      if (!identity) return false;
      for (const permission of REQUIRED_PERMISSIONS[operation]) {
        const key = JSON.stringify([identity.username, identity.uid, identity.groups, identity.extra, permission.resource, permission.verb, namespace]);
        let allowed = decisions.get(key);
        if (allowed === undefined) {
          allowed = await reviewer.reviewAccess(identity, permission, namespace);
          decisions.set(key, allowed);
        }
        if (!allowed) return false;
      }
      return true;
    },
  };
}

class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor({ ttlMs, maxEntries = 1000, now = Date.now }: ReviewCacheOptions) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.now = now;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }
}
