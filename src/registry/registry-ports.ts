import type { SlotsObserver } from './verification-slots.js';
import type { VerifyConfig } from '../config.js';
import type { ManifestProbe } from '../domain/pullcheck/pullcheck-model.js';
import type { RegistryVerifier } from '../domain/verify/registry-verifier.js';
import { createRegistryProbe } from './create-probe.js';
import { createRegistryVerifier } from './create-verifier.js';
import type { ProbeCacheOptions } from './probe-cache.js';
import { createRegistryEgress } from './registry-egress.js';
import { verifierSettingsFromConfig } from './verifier-from-config.js';

export interface RegistryPorts {
  verifier: RegistryVerifier;
  /** The pull check's manifest probe, sharing the verifier's slots and egress guard. */
  probe: ManifestProbe;
}

/**
 * Both registry ports the configuration asks for, over one egress: verifications and pull-check
 * probes together stay within REGCRED_VERIFY_CONCURRENCY (and a caller's share of it).
 * @throws VerifyCaFileError when REGCRED_VERIFY_CA_FILE cannot be read or holds no PEM certificate
 */
export function registryPortsFromConfig(
  config: Readonly<VerifyConfig>,
  options: { probeCache?: ProbeCacheOptions | false; observeSlots?: SlotsObserver } = {},
): RegistryPorts {
  const settings = { ...verifierSettingsFromConfig(config), ...(options.observeSlots ? { observeSlots: options.observeSlots } : {}) };
  const egress = createRegistryEgress(settings);
  return {
    verifier: createRegistryVerifier(settings, egress),
    probe: createRegistryProbe({ ...settings, ...(options.probeCache !== undefined ? { cache: options.probeCache } : {}) }, egress),
  };
}
