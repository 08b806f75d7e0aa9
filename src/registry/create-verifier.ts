import { RegistryTransportError, type RegistryTransport } from '../domain/verify/registry-transport.js';
import type { RegistryVerifier, VerificationOutcome } from '../domain/verify/registry-verifier.js';
import { verifyWithRegistry } from '../domain/verify/verify-registry.js';
import type { Resolve } from './egress-guard.js';
import { nodeRegistryTransport } from './node-transport.js';
import { VerificationSlots, type SlotsObserver } from './verification-slots.js';

export interface VerifierSettings {
  /** PEM text of extra CAs (the contents of REGCRED_VERIFY_CA_FILE). */
  extraCa?: string;
  insecureHosts: readonly string[];
  allowPrivate: boolean;
  /** Per step; a whole verification may take up to four steps. */
  timeoutMs: number;
  /** Verifications in flight at once, across all requests; the rest wait their turn. */
  concurrency: number;
  /** Of those, at most this many for one caller, across all its requests (REGCRED_VERIFY_REQUEST_SHARE); default: no share. */
  requestShare?: number;
  resolve?: Resolve;
  transport?: RegistryTransport;
  /** Told how full the slots are whenever that changes (the saturation gauges). */
  observeSlots?: SlotsObserver;
}

// anonymous /v2/, then at most: token, probe, plus one same-origin redirect along the way.
const STEPS_PER_VERIFICATION = 4;

// Stands in for the transport when the caller's signal ended the wait for a slot: the outcome has the usual shape, and nothing is sent.
const notStarted: RegistryTransport = {
  send: () =>
    Promise.reject(
      new RegistryTransportError('timeout', 'not checked: the request ended (deadline or client gone) before a verification slot was free'),
    ),
};

/** The verifier regcred runs with: the V2 protocol over the guarded transport, bounded in concurrency and time. */
export function createRegistryVerifier(settings: VerifierSettings): RegistryVerifier {
  const transport = settings.transport ?? nodeRegistryTransport(settings);
  const slots = new VerificationSlots(settings.concurrency, settings.requestShare, settings.observeSlots);
  const policy = { insecureHosts: settings.insecureHosts };
  return {
    async verify(target, signal, caller): Promise<VerificationOutcome> {
      let release: () => void;
      try {
        release = await slots.acquire(signal, caller);
      } catch {
        return verifyWithRegistry(notStarted, target, policy);
      }
      // The check's own deadline starts when it gets a slot; the caller's signal bounds the wait for one and aborts the check.
      try {
        const deadline = AbortSignal.timeout(settings.timeoutMs * STEPS_PER_VERIFICATION);
        return await verifyWithRegistry(transport, target, policy, signal ? AbortSignal.any([signal, deadline]) : deadline);
      } finally {
        release();
      }
    },
  };
}
