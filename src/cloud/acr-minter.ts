import { DefaultAzureCredential } from '@azure/identity';
import {
  ACR_USERNAME,
  CloudMintError,
  type AcrSource,
  type MintedCredential,
  type MintedRegistry,
} from '../domain/credentials/cloud-source.js';
import { jwtClaims } from './jwt-claims.js';

const ACR_SCOPE = 'https://containerregistry.azure.net/.default';

/** The answer of an exchange that failed, for the hint: its status, never its body. */
export class AcrExchangeError extends Error {
  constructor(readonly status: number) {
    super(`ACR /oauth2/exchange answered HTTP ${status}`);
    this.name = 'AcrExchangeError';
  }
}

/**
 * Mints ACR pull credentials: an Entra ID token from DefaultAzureCredential (env client secret or
 * certificate, workload identity, managed identity…), exchanged at each registry for an ACR refresh
 * token, which docker and kubelet use as the password of the null-GUID user.
 */
export async function mintAcr(source: AcrSource, signal: AbortSignal): Promise<MintedCredential> {
  const urls = source.hosts.map(exchangeUrl);
  const issuedAt = new Date();
  // Instance discovery asks login.microsoftonline.com whether the authority is known: it adds nothing
  // for the public cloud and fails for sovereign or private authorities.
  const credential = new DefaultAzureCredential({ disableInstanceDiscovery: true });
  const entra = await credential.getToken(ACR_SCOPE, { abortSignal: signal });
  if (!entra) throw new CloudMintError('acr', 'acr: no credentials found in the environment');
  const tenant = tenantOf(entra.token);
  const minted = await Promise.all(source.hosts.map((host, i) => exchange(host, urls[i], entra.token, tenant, signal)));
  return {
    registries: minted.map((m) => m.registry),
    issuedAt,
    expiresAt: new Date(Math.min(...minted.map((m) => m.expiresAt.getTime()))),
  };
}

async function exchange(host: string, url: URL, accessToken: string, tenant: string | undefined, signal: AbortSignal) {
  const form = new URLSearchParams({ grant_type: 'access_token', service: host, ...(tenant ? { tenant } : {}), access_token: accessToken });
  const response = await fetch(url, { method: 'POST', body: form, signal, redirect: 'error' });
  if (!response.ok) {
    await response.body?.cancel();
    throw new AcrExchangeError(response.status);
  }
  const answer: unknown = await response.json().catch(() => undefined);
  const refreshToken = (answer as { refresh_token?: unknown } | undefined)?.refresh_token;
  if (typeof refreshToken !== 'string' || !refreshToken)
    throw new CloudMintError('acr', `acr: ${host}/oauth2/exchange answered no refresh_token`);
  const exp = jwtClaims(refreshToken)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp))
    throw new CloudMintError('acr', `acr: the refresh token of ${host} carries no exp claim, so its lifetime is unknown`);
  const registry: MintedRegistry = { server: host, username: ACR_USERNAME, password: refreshToken };
  return { registry, expiresAt: new Date(exp * 1000) };
}

// The Entra token is good at every registry the identity may read: it goes only to a bare host (and
// port), never to a path, userinfo or query a crafted host name could smuggle into the URL.
function exchangeUrl(host: string): URL {
  const url = URL.parse(`https://${host}/oauth2/exchange`);
  if (!url || url.host !== host.toLowerCase() || url.pathname !== '/oauth2/exchange' || url.username || url.search || url.hash)
    throw new CloudMintError('acr', 'acr: a host is not a bare registry host name');
  return url;
}

// The registry wants the tenant the token came from; Entra tokens say it in `tid`.
function tenantOf(token: string): string | undefined {
  const tid = jwtClaims(token)?.tid;
  return typeof tid === 'string' && /^[0-9a-zA-Z.-]{1,64}$/.test(tid) ? tid : undefined;
}
