import type { RegistryVerifier } from '../domain/verify/registry-verifier.js';
import { verifyWithRegistry } from '../domain/verify/verify-registry.js';
import { createRegistryEgress, type RegistryEgress, type VerifierSettings } from './registry-egress.js';

export type { VerifierSettings } from './registry-egress.js';

// anonymous /v2/, then at most: token, probe, plus one same-origin redirect along the way.
const STEPS_PER_VERIFICATION = 4;

/**
 * The verifier regcred runs with: the V2 protocol over the guarded transport, bounded in concurrency
 * and time. Give it the `egress` a manifest probe uses too, and both share one budget.
 */
export function createRegistryVerifier(
  settings: VerifierSettings,
  egress: RegistryEgress = createRegistryEgress(settings),
): RegistryVerifier {
  const policy = { insecureHosts: settings.insecureHosts };
  return {
    verify: (target, signal, caller) =>
      egress.run(
        STEPS_PER_VERIFICATION,
        (transport, checkSignal) => verifyWithRegistry(transport, target, policy, checkSignal),
        signal,
        caller,
      ),
  };
}
