import { createManifestProbe } from '../domain/pullcheck/manifest-probe.js';
import type { ManifestProbe } from '../domain/pullcheck/pullcheck-model.js';
import { cachedManifestProbe, type ProbeCacheOptions } from './probe-cache.js';
import { createRegistryEgress, type RegistryEgress, type VerifierSettings } from './registry-egress.js';

// HEAD, /v2/ when an anonymous 403/404 hides the challenge, token, HEAD, GET for the error code.
const STEPS_PER_PROBE = 5;

/**
 * The manifest probe regcred runs with: the pull check's protocol over the guarded transport, each
 * probe holding one of the egress's slots, answers kept a short while (`cache: false` keeps none).
 */
export function createRegistryProbe(
  settings: VerifierSettings & { cache?: ProbeCacheOptions | false },
  egress: RegistryEgress = createRegistryEgress(settings),
): ManifestProbe {
  const manifestProbe = (transport: Parameters<typeof createManifestProbe>[0]) =>
    createManifestProbe(transport, { insecureHosts: settings.insecureHosts });
  const slotted: ManifestProbe = {
    probe: (target, signal, caller) =>
      egress.run(STEPS_PER_PROBE, (transport, checkSignal) => manifestProbe(transport).probe(target, checkSignal), signal, caller),
  };
  return settings.cache === false ? slotted : cachedManifestProbe(slotted, settings.cache);
}
