import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ManifestProbe, ProbeResult, ProbeTarget } from '../domain/pullcheck/pullcheck-model.js';
import { SharedFlights } from './shared-flights.js';

export interface ProbeCacheOptions {
  /** How long an answer is reused (default 30 s): a pull check's containers often share an image and a credential. */
  ttlMs?: number;
  /** `unreachable` answers are kept shorter (default 5 s): the registry may be back at once. */
  unreachableTtlMs?: number;
  /** Entries kept at most (default 1,000), the least recently used leaving first. */
  max?: number;
}

/** What a caller gets that stopped waiting for a probe others still wait for. */
const LEFT: ProbeResult = {
  outcome: 'unreachable',
  detail: 'not checked: the request ended (deadline or client gone) before the registry answered',
};

/**
 * `probe` with its answers kept a short while, per credential, registry, repository and reference,
 * and probes asked again while one of the same key runs joined to it: one registry probe, one answer
 * for all. The credential is keyed by an HMAC of username and password under a key born with the
 * cache, never by the password itself. An answer cut short (every waiting caller's signal ended) is
 * not kept, and neither is a probe that failed; the shared probe takes the slot share of the caller
 * that started it.
 */
export function cachedManifestProbe(probe: ManifestProbe, options: ProbeCacheOptions = {}): ManifestProbe {
  const { ttlMs = 30_000, unreachableTtlMs = 5_000, max = 1_000 } = options;
  const secret = randomBytes(32);
  const cache = new LRUCache<string, ProbeResult>({ max, ttl: ttlMs });
  const flights = new SharedFlights<ProbeResult>();
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
      // A caller already gone joins nothing: the probe answers it as it answers any such caller, sending nothing.
      if (signal?.aborted) return probe.probe(target, signal, caller);
      const shared = await flights.join(
        key,
        async (flightSignal) => {
          const result = await probe.probe(target, flightSignal, caller);
          if (!flightSignal.aborted)
            cache.set(key, result, result.outcome === 'unreachable' ? { ttl: Math.min(unreachableTtlMs, ttlMs) } : {});
          return result;
        },
        signal,
        () => LEFT,
      );
      return { ...shared };
    },
  };
}
