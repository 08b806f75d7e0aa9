import { providerOf, type CloudMinter, type CloudSource, type MintedCredential } from '../domain/credentials/cloud-source.js';
import { toCloudMintError } from './safe-mint-error.js';

export interface CloudMinterOptions {
  /** The whole mint (credential chain, role assumption, token calls) ends with CloudMintError after this. */
  timeoutMs: number;
}

/**
 * The CloudMinter over the AWS, Google and Azure SDKs. Each mint builds its SDK clients afresh from the
 * SDKs' own environment defaults and fails only with CloudMintError, in words safe to show.
 */
export function createCloudMinter(options: CloudMinterOptions): CloudMinter {
  return {
    async mint(source: CloudSource, signal?: AbortSignal): Promise<MintedCredential> {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        combined.throwIfAborted();
        return await untilAborted(mintFor(source, combined), combined);
      } catch (error) {
        const context = { timeoutMs: options.timeoutMs, timedOut: timeout.aborted, cancelled: signal?.aborted === true };
        throw toCloudMintError(providerOf(source), error, context);
      }
    },
  };
}

// Each provider's SDK is loaded on its first mint: an installation that uses one cloud does not
// carry the other two in its 128 MB heap (the three together take ~17 MB).
async function mintFor(source: CloudSource, signal: AbortSignal): Promise<MintedCredential> {
  if ('ecr' in source) return (await import('./ecr-minter.js')).mintEcr(source.ecr, signal);
  if ('googleArtifactRegistry' in source) return (await import('./google-minter.js')).mintGoogle(source.googleArtifactRegistry, signal);
  return (await import('./acr-minter.js')).mintAcr(source.acr, signal);
}

// Not every step of a credential chain takes a signal (IMDS probes, google-auth-library's token
// calls): the caller stops waiting at the deadline even where the SDK cannot be told to stop.
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {});
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
