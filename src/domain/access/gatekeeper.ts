import { LRUCache } from 'lru-cache';
import {
  REQUIRED_PERMISSIONS,
  grantsNamespace,
  type AccessReviewer,
  type Caller,
  type KubernetesIdentity,
  type Operation,
} from './access-policy.js';
import { findTokenCaller, type PresentedToken, type TokenEntry } from './caller-tokens.js';

/**
 * Decides who calls (authentication) and whether they may act in a namespace (authorisation).
 * The deny list is applied by the caller of `authorize`, before it, in every mode.
 */
export interface Gatekeeper {
  readonly mode: 'token' | 'kubernetes' | 'none';
  /** The caller for a bearer token (undefined when there is none), or undefined when it is not accepted. */
  authenticate(token: PresentedToken | undefined): Promise<Caller | undefined>;
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
      const identity = await answerOnce(identities, token.sha256Hex, async () => (await reviewer.reviewToken(token.value)) ?? false);
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
          permission.group ?? '',
          permission.resource,
          permission.verb,
          namespace,
        ]);
        if (!(await answerOnce(decisions, key, () => reviewer.reviewAccess(identity, permission, namespace)))) return false;
      }
      return true;
    },
  };
}

/** A review cache, and the reviews under way for its keys (so concurrent requests with one token ask once). */
interface ReviewCache<T extends object | boolean> {
  answers: LRUCache<string, T>;
  asking: Map<string, Promise<T>>;
}

/** The cached answer, else the review already under way for `key`, else a new one; with no cache (TTL 0), always a new one. */
function answerOnce<T extends object | boolean>(cache: ReviewCache<T> | undefined, key: string, review: () => Promise<T>): Promise<T> {
  if (!cache) return review();
  const cached = cache.answers.get(key);
  if (cached !== undefined) return Promise.resolve(cached);
  let asking = cache.asking.get(key);
  if (!asking) {
    asking = review()
      .then((answer) => {
        cache.answers.set(key, answer);
        return answer;
      })
      .finally(() => cache.asking.delete(key));
    cache.asking.set(key, asking);
  }
  return asking;
}

/** No cache for a TTL of 0: lru-cache would read 0 as "never expires". */
function reviewCache<T extends object | boolean>({ ttlMs, maxEntries = 1000, now }: ReviewCacheOptions): ReviewCache<T> | undefined {
  if (ttlMs <= 0) return undefined;
  // ttlResolution 0: read the clock on every get, so an answer is never reused past its TTL.
  // lru-cache takes a start time of 0 for "no TTL", so an injected clock is shifted off 0.
  const perf = now ? { perf: { now: () => now() + 1 } } : {};
  return { answers: new LRUCache<string, T>({ max: maxEntries, ttl: ttlMs, ttlResolution: 0, ...perf }), asking: new Map() };
}
