import { Buffer } from 'node:buffer';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from './registry-transport.js';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';

// The steps of the Docker Registry V2 login that verification and the pull check's manifest probe
// share: same-origin redirects, the challenge, Basic, and the token service's dance.

export const MAX_REDIRECTS = 3;
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface Credential {
  username: string;
  password: string;
}

export type Send = (request: RegistryRequest) => Promise<RegistryResponse>;

/** `transport.send` that follows redirects only within the same origin (e.g. /v2 → /v2/), so credentials never travel to another host. */
export function sendWithinOrigin(transport: RegistryTransport, signal?: AbortSignal): Send {
  return async (request) => {
    let current = request;
    for (let hop = 0; ; hop++) {
      const answer = await transport.send(current, signal);
      const location = answer.headers.location;
      if (answer.status < 300 || answer.status >= 400 || !location || hop === MAX_REDIRECTS) return answer;
      const next = resolveLocation(location, current.url);
      if (!next || next.origin !== new URL(current.url).origin) return answer;
      current = { ...current, url: next.href };
    }
  };
}

/** How a 401 asks to be authenticated: Bearer with a realm, else Basic — the latter only from something that speaks the registry API. */
export function challengeOf(answer: RegistryResponse): AuthChallenge | undefined {
  const challenges = parseWwwAuthenticate(answer.headers['www-authenticate']);
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
  if (bearer) return bearer;
  // A Basic challenge (or none at all, as some registries send) counts only from something that speaks the registry API.
  if (!speaksRegistryApi(answer)) return undefined;
  return challenges.find((c) => c.scheme === 'basic') ?? { scheme: 'basic', params: {} };
}

export function speaksRegistryApi(answer: RegistryResponse): boolean {
  if (answer.headers['docker-distribution-api-version']?.startsWith('registry/2')) return true;
  return /json/i.test(answer.headers['content-type'] ?? '') && /^\s*\{/.test(answer.body);
}

export const basicAuthorization = (credential: Credential) =>
  `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;

export type TokenAnswer =
  | { token: string }
  /** The token service answered 401 or 403: it refused the credentials (or, anonymous, the anonymous request). */
  | { refused: 401 | 403; realmHost: string }
  /** No token, for a reason of ours or an unexpected answer; `detail` is safe to show. */
  | { failure: string; refusedByGuard: boolean };

/**
 * A token from the realm a Bearer challenge names, for `scope`: with Basic credentials when given,
 * anonymously otherwise (as Docker Hub's public pulls). Credentials are never sent over plain HTTP.
 */
export async function fetchToken(
  send: Send,
  challenge: AuthChallenge,
  ask: { credential?: Credential; scope?: string },
): Promise<TokenAnswer> {
  const realm = realmUrl(challenge.params.realm);
  if (!(realm instanceof URL)) return { failure: realm.detail, refusedByGuard: realm.refusedByGuard };
  if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
  if (ask.credential) realm.searchParams.set('account', ask.credential.username);
  if (ask.scope) realm.searchParams.set('scope', ask.scope);
  const headers = ask.credential ? { authorization: basicAuthorization(ask.credential) } : undefined;
  const answer = await send({ url: realm.href, method: 'GET', ...(headers ? { headers } : {}) });
  if (answer.status === 401 || answer.status === 403) return { refused: answer.status, realmHost: realm.host };
  if (answer.status !== 200) return { failure: `the token service at ${realm.host} answered ${answer.status}`, refusedByGuard: false };
  const token = tokenIn(answer.body);
  if (!token) return { failure: `the token service at ${realm.host} answered without a token`, refusedByGuard: false };
  return { token };
}

function realmUrl(realm: string | undefined): URL | { detail: string; refusedByGuard: boolean } {
  if (!realm) return { detail: 'the Bearer challenge names no token realm', refusedByGuard: false };
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return { detail: 'the Bearer challenge names a token realm that is not a URL', refusedByGuard: false };
  }
  if (url.protocol !== 'https:') {
    return { detail: `the token realm ${url.host} is plain HTTP; regcred never sends credentials over plain HTTP`, refusedByGuard: true };
  }
  return url;
}

function tokenIn(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    const token = parsed.token ?? parsed.access_token;
    return typeof token === 'string' && /^[\x21-\x7e]{1,16384}$/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}

function resolveLocation(location: string, base: string): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** The host a redirect points to, for a detail (never the whole URL: it may carry a signed query). */
export function hostOf(location: string | undefined): string {
  try {
    return location ? new URL(location).host : 'unknown';
  } catch {
    return 'unknown';
  }
}
