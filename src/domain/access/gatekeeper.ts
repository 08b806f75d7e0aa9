import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  REQUIRED_PERMISSIONS,
  grantsNamespace,
  type AccessReviewer,
  type Caller,
  type KubernetesIdentity,
  type Operation,
} from './access-policy.js';
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
  /** At most this many answers are kept (least recently used evicted first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * `kubernetes`: the caller's own token, checked with a TokenReview; each operation checked with a
 * SubjectAccessReview per required permission in the namespace. Answers are cached briefly,
 * keyed on the token's SHA-256 (the token itself is never kept).
 */
export function kubernetesGatekeeper(reviewer: AccessReviewer, cache: ReviewCacheOptions): Gatekeeper {
  // lru-cache holds no null: `false` stands for a token the TokenReview refused.
  const identities = reviewCache<KubernetesIdentity | false>(cache);
  const decisions = reviewCache<boolean>(cache);
  return {
    mode: 'kubernetes',
    async authenticate(token) {
      if (!token) return undefined;
      const key = createHash('sha256').update(token, 'utf8').digest('hex');
      let identity = identities?.get(key);
      if (identity === undefined) {
        identity = (await reviewer.reviewToken(token)) ?? false;
        identities?.set(key, identity);
      }
      return identity ? { name: identity.username, identity } : undefined;
    },
    async authorize(caller, operation, namespace) {
      const identity = caller.identity;
      if (!identity) return false;
      for (const permission of REQUIRED_PERMISSIONS[operation]) {
        const key = JSON.stringify([
          identity.username,
          identity.uid,
          identity.groups,
          identity.extra,
          permission.resource,
          permission.verb,
          namespace,
        ]);
        let allowed = decisions?.get(key);
        if (allowed === undefined) {
          allowed = await reviewer.reviewAccess(identity, permission, namespace);
          decisions?.set(key, allowed);
        }
        if (!allowed) return false;
      }
      return true;
    },
  };
}

/** No cache for a TTL of 0: lru-cache would read 0 as "never expires". */
function reviewCache<T extends object | boolean>({ ttlMs, maxEntries = 1000, now }: ReviewCacheOptions): LRUCache<string, T> | undefined {
  if (ttlMs <= 0) return undefined;
  // ttlResolution 0: read the clock on every get, so an answer is never reused past its TTL.
  // lru-cache takes a start time of 0 for "no TTL", so an injected clock is shifted off 0.
  const perf = now ? { perf: { now: () => now() + 1 } } : {};
  return new LRUCache<string, T>({ max: maxEntries, ttl: ttlMs, ttlResolution: 0, ...perf });
}
