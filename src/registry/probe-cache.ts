import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ManifestProbe, ProbeResult, ProbeTarget } from '../domain/pullcheck/pullcheck-model.js';

export interface ProbeCacheOptions {
  /** How long an answer is reused (default 30 s): a pull check's containers often share an image and a credential. */
  ttlMs?: number;
  /** `unreachable` answers are kept shorter (default 5 s): the registry may be back at once. */
  unreachableTtlMs?: number;
  /** Entries kept at most (default 1,000), the least recently used leaving first. */
  max?: number;
}

/**
 * `probe` with its answers kept a short while, per credential, registry, repository and reference.
 * The credential is keyed by an HMAC of username and password under a key born with the cache,
 * never by the password itself. An answer the caller's own signal cut short is not kept.
 */
export function cachedManifestProbe(probe: ManifestProbe, options: ProbeCacheOptions = {}): ManifestProbe {
  const { ttlMs = 30_000, unreachableTtlMs = 5_000, max = 1_000 } = options;
  const secret = randomBytes(32);
  const cache = new LRUCache<string, ProbeResult>({ max, ttl: ttlMs });
  const keyOf = (target: ProbeTarget) => {
    const { credential } = target;
    const who = credential
      ? createHmac('sha256', secret)
          .update(`${credential.username.length}:${credential.username}:${credential.password}`)
          .digest('base64url')
      : 'anonymous';
    return JSON.stringify([who, target.registry.toLowerCase(), target.repository, target.reference]);
  };
  return {
    async probe(target, signal, caller) {
      const key = keyOf(target);
      const kept = cache.get(key);
      if (kept) return { ...kept };
      const result = await probe.probe(target, signal, caller);
      if (!signal?.aborted) cache.set(key, result, result.outcome === 'unreachable' ? { ttl: Math.min(unreachableTtlMs, ttlMs) } : {});
      return { ...result };
    },
  };
}
