import { RegistryTransportError, type RegistryTransport } from '../domain/verify/registry-transport.js';
import type { Resolve } from './egress-guard.js';
import { nodeRegistryTransport } from './node-transport.js';
import { SlotsFullError, VerificationSlots, type SlotsObserver } from './verification-slots.js';

export interface VerifierSettings {
  /** PEM text of extra CAs (the contents of REGCRED_VERIFY_CA_FILE). */
  extraCa?: string;
  insecureHosts: readonly string[];
  allowPrivate: boolean;
  /** Per step; a whole verification may take up to four steps, a manifest probe five. */
  timeoutMs: number;
  /** Registry checks (verifications and manifest probes) in flight at once, across all requests; the rest wait their turn. */
  concurrency: number;
  /** Of those, at most this many for one caller, across all its requests (REGCRED_VERIFY_REQUEST_SHARE); default: no share. */
  requestShare?: number;
  /** Checks waiting for a slot at most; past it a request is answered 503 (REGCRED_VERIFY_MAX_WAITING). */
  maxWaiting?: number;
  resolve?: Resolve;
  transport?: RegistryTransport;
  /** Told how full the slots are whenever that changes (the saturation gauges). */
  observeSlots?: SlotsObserver;
}

/**
 * The one way out to registries: the guarded transport and the slots every registry check holds
 * while it runs. Verification and the pull check's probe are built over the same egress, so they
 * share the concurrency budget and the egress guard.
 */
export interface RegistryEgress {
  /**
   * Runs `check` once a slot is held for `caller`, its signal bounded by `steps` request timeouts
   * from then on. When `signal` ends the wait for a slot, `check` runs over a transport that sends
   * nothing (so its answer keeps the usual shape) and without a signal.
   */
  run<T>(
    steps: number,
    check: (transport: RegistryTransport, signal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
    caller?: string,
  ): Promise<T>;
}

// Stands in for the transport when the caller's signal ended the wait for a slot: nothing is sent.
const notStarted: RegistryTransport = {
  send: () =>
    Promise.reject(
      new RegistryTransportError('timeout', 'not checked: the request ended (deadline or client gone) before a verification slot was free'),
    ),
};

export function createRegistryEgress(settings: VerifierSettings): RegistryEgress {
  const transport = settings.transport ?? nodeRegistryTransport(settings);
  const slots = new VerificationSlots(settings.concurrency, settings.requestShare, settings.observeSlots, settings.maxWaiting);
  return {
    async run(steps, check, signal, caller) {
      let release: () => void;
      try {
        release = await slots.acquire(signal, caller);
      } catch (error) {
        // A full queue is an answer for the request (503 and Retry-After), not a registry's.
        if (error instanceof SlotsFullError) throw error;
        return check(notStarted);
      }
      // The check's own deadline starts when it gets a slot; the caller's signal bounds the wait for one and aborts the check.
      try {
        const deadline = AbortSignal.timeout(settings.timeoutMs * steps);
        return await check(transport, signal ? AbortSignal.any([signal, deadline]) : deadline);
      } finally {
        release();
      }
    },
  };
}
