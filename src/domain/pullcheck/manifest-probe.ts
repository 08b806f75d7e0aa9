import { challengeOf, fetchToken, basicAuthorization, MANIFEST_TYPES, sendWithinOrigin, type Send } from '../verify/registry-auth.js';
import { registryEndpoint } from '../verify/registry-endpoint.js';
import {
  RegistryTransportError,
  type RegistryRequest,
  type RegistryResponse,
  type RegistryTransport,
} from '../verify/registry-transport.js';
import { judgeManifestAnswer, needsBody, type ProbeAuth, type ProbeSubject } from './judge-manifest-answer.js';
import type { ManifestProbe, ProbeResult, ProbeTarget } from './pullcheck-model.js';

export interface ProbePolicy {
  /** Hosts (host or host:port) that may be spoken to over plain HTTP (REGCRED_VERIFY_INSECURE_HOSTS). */
  insecureHosts: readonly string[];
}

// distribution/reference's grammar: the name's path components, a tag, or a digest. Checked before
// anything is sent, since both go into the request's path.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/**
 * The first step of a pull, as containerd takes it: `HEAD` the manifest anonymously; on a 401, log in
 * as its challenge asks (Basic, or a token for `repository:<name>:pull` from the realm, anonymous when
 * no credential is given) and `HEAD` again; a `GET` where the bodiless answer hides the error code.
 * No layer is fetched. Never throws for anything the registry or the network does.
 */
export function createManifestProbe(transport: RegistryTransport, policy: ProbePolicy): ManifestProbe {
  return { probe: (target, signal) => probeManifest(transport, target, policy, signal) };
}

async function probeManifest(
  transport: RegistryTransport,
  target: ProbeTarget,
  policy: ProbePolicy,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const endpoint = registryEndpoint(target.registry, policy.insecureHosts);
  if ('refusal' in endpoint) return { outcome: 'unreachable', detail: endpoint.refusal };
  const digest = DIGEST.test(target.reference);
  if (target.repository.length > 255 || !NAME.test(target.repository) || !(digest || TAG.test(target.reference))) {
    return { outcome: 'not-found', detail: 'not a valid repository name, tag or digest: no registry serves it' };
  }
  const subject: ProbeSubject = {
    host: new URL(endpoint.origin).host,
    image: `${target.repository}${digest ? '@' : ':'}${target.reference}`,
  };
  const manifest: RegistryRequest = {
    url: `${endpoint.origin}/v2/${target.repository}/manifests/${target.reference}`,
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES },
  };
  const send = sendWithinOrigin(transport, signal);
  try {
    const anonymous = await send(manifest);
    let challenged = anonymous;
    // Some registries hide a repository from anonymous callers behind a 403 or 404: with a credential, /v2/ says how to log in.
    if (target.credential && (anonymous.status === 403 || anonymous.status === 404)) {
      const ping = await send({ url: `${endpoint.origin}/v2/`, method: 'GET' });
      if (ping.status === 401) challenged = ping;
    }
    if (challenged.status !== 401) return await judged(send, manifest, anonymous, 'anonymous', subject);
    const challenge = challengeOf(challenged);
    if (!challenge)
      return { outcome: 'unreachable', status: 401, detail: `${subject.host} answered 401 without speaking the Docker Registry V2 API` };
    if (challenge.scheme !== 'bearer') {
      if (!target.credential) return await judged(send, manifest, anonymous, 'anonymous', subject);
      const withBasic = authorized(manifest, basicAuthorization(target.credential));
      return await judged(send, withBasic, await send(withBasic), 'basic', subject);
    }
    const scope = `repository:${target.repository}:pull`;
    const token = await fetchToken(send, challenge, { ...(target.credential ? { credential: target.credential } : {}), scope });
    if ('failure' in token) return { outcome: 'unreachable', detail: token.failure };
    if ('refused' in token) return refusedByTokenService(token, Boolean(target.credential), subject);
    const withToken = authorized(manifest, `Bearer ${token.token}`);
    return await judged(send, withToken, await send(withToken), target.credential ? 'bearer' : 'anonymous-token', subject);
  } catch (error) {
    if (error instanceof RegistryTransportError) return { outcome: 'unreachable', detail: error.message };
    throw error;
  }
}

// HEAD answers carry no body: a refusal or a miss is asked again as GET to read the registry's error code.
async function judged(
  send: Send,
  request: RegistryRequest,
  answer: RegistryResponse,
  auth: ProbeAuth,
  subject: ProbeSubject,
): Promise<ProbeResult> {
  const decisive = request.method === 'HEAD' && needsBody(answer) ? await send({ ...request, method: 'GET' }) : answer;
  return judgeManifestAnswer(decisive, auth, subject);
}

function refusedByTokenService(
  token: { refused: 401 | 403; realmHost: string },
  withCredential: boolean,
  { image }: ProbeSubject,
): ProbeResult {
  const { refused: status, realmHost } = token;
  if (!withCredential) {
    return {
      outcome: 'unauthorized',
      status,
      detail: `the token service at ${realmHost} gives no anonymous token for ${image}: a login is needed (${status})`,
    };
  }
  if (status === 403)
    return {
      outcome: 'denied',
      status,
      detail: `the token service at ${realmHost} refused these credentials pull access to ${image} (403)`,
    };
  return { outcome: 'unauthorized', status, detail: `the token service at ${realmHost} refused these credentials (401)` };
}

const authorized = (request: RegistryRequest, authorization: string): RegistryRequest => ({
  ...request,
  headers: { ...request.headers, authorization },
});
