import { CloudMintError, type CloudProvider } from '../domain/credentials/cloud-source.js';

/**
 * The registry host (and port, if any) of an endpoint URL as a provider answers it: the key kubelet
 * matches images by. The provider's own answer is used, so partition-specific hosts (China, GovCloud,
 * FIPS) come out right without regcred knowing them.
 */
export function registryHostOf(provider: CloudProvider, endpoint: string | undefined): string {
  let url: URL;
  try {
    url = new URL(endpoint ?? '');
  } catch {
    throw new CloudMintError(provider, `${provider}: the provider answered a registry endpoint that is not a URL`);
  }
  if (!url.hostname) throw new CloudMintError(provider, `${provider}: the provider answered a registry endpoint without a host`);
  return url.host;
}
