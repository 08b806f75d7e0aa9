import {
  basicAuthorization,
  challengeOf,
  fetchToken,
  hostOf,
  MANIFEST_TYPES,
  MAX_REDIRECTS,
  sendWithinOrigin,
  speaksRegistryApi,
  type Send,
} from './registry-auth.js';
import { registryEndpoint, splitRepository } from './registry-endpoint.js';
import { RegistryTransportError, type RegistryRequest, type RegistryResponse, type RegistryTransport } from './registry-transport.js';
import type { RegistryVerification, VerificationOutcome, VerificationTarget } from './registry-verifier.js';
import type { AuthChallenge } from './www-authenticate.js';

export interface VerifyPolicy {
  /** Hosts (host or host:port) that may be spoken to over plain HTTP. */
  insecureHosts: readonly string[];
  now?: () => Date;
}

type Method = RegistryVerification['method'];
type Verdict = Pick<RegistryVerification, 'status' | 'method' | 'detail'> & { refusedByGuard?: boolean };

/**
 * Checks credentials the way a client of the Docker Registry HTTP API V2 logs in: an anonymous
 * `GET /v2/` first (registries such as GHCR deny a pre-emptive Basic without saying how to log in),
 * then the challenge it answers with — Basic, or Bearer through the token service — and, when a
 * repository is named, a `HEAD` of its manifest to prove pull access (token services grant the
 * intersection of what was asked and what is allowed, so the scope must name the repository).
 */
export async function verifyWithRegistry(
  transport: RegistryTransport,
  target: VerificationTarget,
  policy: VerifyPolicy,
  signal?: AbortSignal,
): Promise<VerificationOutcome> {
  const verdict = await verdictOf(transport, target, policy, signal);
  const { refusedByGuard = false, ...rest } = verdict;
  const checkedAt = (policy.now?.() ?? new Date()).toISOString();
  return {
    verification: { server: target.server, ...rest, ...(target.repository ? { repository: target.repository } : {}), checkedAt },
    refusedByGuard,
  };
}

async function verdictOf(
  transport: RegistryTransport,
  target: VerificationTarget,
  policy: VerifyPolicy,
  signal?: AbortSignal,
): Promise<Verdict> {
  const endpoint = registryEndpoint(target.server, policy.insecureHosts);
  if ('refusal' in endpoint) return { status: 'error', method: 'none', detail: endpoint.refusal, refusedByGuard: true };
  const send = sendWithinOrigin(transport, signal);
  const repository = target.repository ? splitRepository(target.repository) : undefined;
  const probe: RegistryRequest = repository
    ? {
        url: `${endpoint.origin}/v2/${repository.name}/manifests/${encodeURIComponent(repository.tag)}`,
        method: 'HEAD',
        headers: { accept: MANIFEST_TYPES },
      }
    : { url: `${endpoint.origin}/v2/`, method: 'GET' };
  try {
    const anonymous = await send({ url: `${endpoint.origin}/v2/`, method: 'GET' });
    let challenged = anonymous;
    if (anonymous.status === 200) {
      if (!speaksRegistryApi(anonymous)) return notARegistry(anonymous);
      if (!repository) return { status: 'no-auth-required', method: 'none', detail: 'the registry answers /v2/ without a login' };
      challenged = await send(probe);
      if (isGranted(challenged, true))
        return { status: 'no-auth-required', method: 'none', detail: `${target.repository} can be pulled without a login` };
    }
    if (challenged.status !== 401) return unexpected(challenged);
    const challenge = challengeOf(challenged);
    if (!challenge) return notARegistry(challenged);
    if (challenge.scheme === 'bearer') return await withToken(send, challenge, target, probe, repository?.name);
    return await withBasic(send, target, probe);
  } catch (error) {
    if (error instanceof RegistryTransportError) return transportVerdict(error);
    throw error;
  }
}

async function withBasic(send: Send, target: VerificationTarget, probe: RegistryRequest): Promise<Verdict> {
  const answer = await send({ ...probe, headers: { ...probe.headers, authorization: basicAuthorization(target) } });
  return judge(answer, 'basic', target, 'the registry');
}

async function withToken(
  send: Send,
  challenge: AuthChallenge,
  target: VerificationTarget,
  probe: RegistryRequest,
  repository?: string,
): Promise<Verdict> {
  const scope = repository ? `repository:${repository}:pull` : challenge.params.scope;
  const answered = await fetchToken(send, challenge, { credential: target, ...(scope ? { scope } : {}) });
  if ('refused' in answered) {
    return {
      status: 'invalid',
      method: 'bearer',
      detail: `the token service at ${answered.realmHost} refused these credentials (${answered.refused})`,
    };
  }
  if ('failure' in answered)
    return { status: 'error', method: 'bearer', detail: answered.failure, refusedByGuard: answered.refusedByGuard };
  const answer = await send({ ...probe, headers: { ...probe.headers, authorization: `Bearer ${answered.token}` } });
  return judge(answer, 'bearer', target, 'the registry, with the token issued for these credentials,');
}

function judge(answer: RegistryResponse, method: Method, target: VerificationTarget, who: string): Verdict {
  const repository = target.repository;
  if (isGranted(answer, Boolean(repository))) {
    const tagMissing = repository && answer.status === 404 ? ' (the tag does not exist, but access was granted)' : '';
    return { status: 'valid', method, detail: repository ? `pull access to ${repository} granted${tagMissing}` : 'login accepted' };
  }
  if (answer.status === 401 || answer.status === 403) {
    const refused = repository ? `${who} refused pull access to ${repository}` : `${who} refused these credentials`;
    return { status: 'invalid', method, detail: `${refused} (${answer.status})` };
  }
  return unexpected(answer, method);
}

// A manifest HEAD answers 404 for a missing tag only once the caller is authorised to see the repository.
function isGranted(answer: RegistryResponse, manifest: boolean): boolean {
  return answer.status === 200 || (manifest && answer.status === 404);
}

function unexpected(answer: RegistryResponse, method: Method = 'none'): Verdict {
  if (answer.status === 404 || (answer.status >= 200 && answer.status < 300)) return notARegistry(answer, method);
  if (answer.status >= 300 && answer.status < 400) {
    return {
      status: 'error',
      method,
      detail: `redirected to ${hostOf(answer.headers.location)}; regcred follows at most ${MAX_REDIRECTS} redirects, and only within the same host`,
    };
  }
  return { status: 'error', method, detail: `the registry answered ${answer.status}` };
}

function notARegistry(answer: RegistryResponse, method: Method = 'none'): Verdict {
  return { status: 'not-a-registry', method, detail: `the server answered ${answer.status} without speaking the Docker Registry V2 API` };
}

function transportVerdict(error: RegistryTransportError): Verdict {
  if (error.failure === 'unreachable' || error.failure === 'timeout')
    return { status: 'unreachable', method: 'none', detail: error.message };
  return { status: 'error', method: 'none', detail: error.message, refusedByGuard: error.failure === 'guard' };
}
