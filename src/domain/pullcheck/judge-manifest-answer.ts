import { hostOf, speaksRegistryApi } from '../verify/registry-auth.js';
import type { RegistryResponse } from '../verify/registry-transport.js';
import { parseWwwAuthenticate } from '../verify/www-authenticate.js';
import type { ProbeResult } from './pullcheck-model.js';

/** How the deciding manifest request was authenticated. */
export type ProbeAuth = 'anonymous' | 'anonymous-token' | 'basic' | 'bearer';

/** What a detail may name: the registry's host and the image asked about (both validated), never anything the registry wrote. */
export interface ProbeSubject {
  host: string;
  /** `team/app:v1` or `team/app@sha256:…` */
  image: string;
}

// The registry API's standard codes (distribution's errcode): only these are passed on, never the message beside them.
const STANDARD_CODE = /^[A-Z][A-Z_]{1,63}$/;
const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'TAG_UNKNOWN', 'BLOB_UNKNOWN']);
const INVALID_REFERENCE_CODES = new Set(['NAME_INVALID', 'TAG_INVALID', 'DIGEST_INVALID', 'MANIFEST_INVALID']);
const MANIFEST_MEDIA_TYPE = /^application\/vnd\.(?:oci\.image\.(?:index|manifest)|docker\.distribution\.manifest)\./i;

/** The deciding answer's status and standard code. */
type Known = { status: number; code?: string };

/** The first `errors[].code` of a registry error body, when it is a standard code; nothing else of the body is read. */
export function registryErrorCode(body: string): string | undefined {
  if (!/^\s*\{/.test(body)) return undefined;
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    const first: unknown = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
    const code = typeof first === 'object' && first !== null ? (first as { code?: unknown }).code : undefined;
    return typeof code === 'string' && STANDARD_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a HEAD answer leaves the reason unsaid: a refusal or a miss without a body to read the code from. */
export function needsBody(answer: RegistryResponse): boolean {
  return [401, 403, 404].includes(answer.status) && registryErrorCode(answer.body) === undefined;
}

/**
 * Settles one manifest answer into a probe result. Distribution (and Docker Hub) answer a token that
 * lacks the asked scope with 401 and `error="insufficient_scope"` whether the repository is
 * forbidden or missing: that is `denied-or-not-found`, not a refused login.
 */
export function judgeManifestAnswer(answer: RegistryResponse, auth: ProbeAuth, subject: ProbeSubject): ProbeResult {
  const { status } = answer;
  const code = registryErrorCode(answer.body);
  const known = { status, ...(code ? { code } : {}) };
  const { host, image } = subject;
  if (status >= 200 && status < 300) {
    if (!looksLikeManifest(answer)) return notARegistry(answer, subject);
    return { outcome: 'pulls', status, detail: `${host} serves the manifest of ${image}${auth === 'anonymous' ? ' without a login' : ''}` };
  }
  if (status === 401) return judgeUnauthorized(answer, auth, subject, known);
  if (status === 403) {
    const who = auth === 'anonymous' || auth === 'anonymous-token' ? 'an anonymous pull' : 'these credentials';
    return { outcome: 'denied', ...known, detail: `${host} refused ${who} pull access to ${image} (403)` };
  }
  if (status === 404 && (code || speaksRegistryApi(answer))) return notFound(known, subject);
  if (status === 400 && code && INVALID_REFERENCE_CODES.has(code)) {
    return { outcome: 'not-found', ...known, detail: `${host} does not accept ${image} as an image reference (400)` };
  }
  if (code && NOT_FOUND_CODES.has(code)) return notFound(known, subject);
  if (status === 404) return notARegistry(answer, subject);
  return unexpected(answer, known, subject);
}

function judgeUnauthorized(answer: RegistryResponse, auth: ProbeAuth, subject: ProbeSubject, known: Known): ProbeResult {
  const { host, image } = subject;
  const bearer = parseWwwAuthenticate(answer.headers['www-authenticate']).find((c) => c.scheme === 'bearer');
  const insufficientScope = bearer?.params.error === 'insufficient_scope';
  if (known.code === 'DENIED') return { outcome: 'denied', ...known, detail: `${host} refused pull access to ${image} (401)` };
  if (auth === 'anonymous') {
    return { outcome: 'unauthorized', ...known, detail: `${host} asks for a login to pull ${image}, and none was given (401)` };
  }
  if (insufficientScope) {
    const who = auth === 'bearer' ? 'these credentials may not pull' : 'anonymous pulls are refused for';
    return {
      outcome: 'denied-or-not-found',
      ...known,
      detail: `${host} answers alike when ${who} ${image} and when it does not exist (401, insufficient scope)`,
    };
  }
  if (auth === 'basic') return { outcome: 'unauthorized', ...known, detail: `${host} refused these credentials (401)` };
  const token = auth === 'bearer' ? 'the token issued for these credentials' : 'the anonymous token';
  return { outcome: 'unauthorized', ...known, detail: `${host} refused ${token}: expired or not valid there (401)` };
}

// distribution 2.8 answers a missing repository asked by tag with MANIFEST_UNKNOWN, as a missing tag: only NAME_UNKNOWN narrows it.
function notFound(known: Known, { host, image }: ProbeSubject): ProbeResult {
  const detail =
    known.code === 'NAME_UNKNOWN'
      ? `${host} does not know the repository of ${image} (${known.status})`
      : `${host} has no manifest for ${image} (${known.status}): the tag, the digest or the repository does not exist`;
  return { outcome: 'not-found', ...known, detail };
}

function looksLikeManifest(answer: RegistryResponse): boolean {
  return (
    Boolean(answer.headers['docker-content-digest']) ||
    MANIFEST_MEDIA_TYPE.test(answer.headers['content-type'] ?? '') ||
    Boolean(answer.headers['docker-distribution-api-version']?.startsWith('registry/2'))
  );
}

function notARegistry(answer: RegistryResponse, { host }: ProbeSubject): ProbeResult {
  return {
    outcome: 'unreachable',
    status: answer.status,
    detail: `${host} answered ${answer.status} without speaking the Docker Registry V2 API`,
  };
}

function unexpected(answer: RegistryResponse, known: Known, { host }: ProbeSubject): ProbeResult {
  const { status } = answer;
  if (status >= 300 && status < 400) {
    return { outcome: 'unreachable', ...known, detail: `${host} redirected the manifest request to ${hostOf(answer.headers.location)}` };
  }
  if (status === 429) return { outcome: 'unreachable', ...known, detail: `${host} limits its pulls and asks to try later (429)` };
  return { outcome: 'unreachable', ...known, detail: `${host} answered ${status}` };
}
