import { CloudMintError, type CloudProvider } from '../domain/credentials/cloud-source.js';

// Only identifier-shaped words leave: SDK error names, AWS and OAuth error codes, Node's errno codes.
// No digits, so no token, key id, signature or account number fits; a message never leaves at all,
// as SDK messages quote response bodies, and gaxios's quote request headers.
const SAFE_WORD = /^[A-Za-z][A-Za-z_]{1,47}$/;
const UNREACHABLE =
  /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'CredentialUnavailableError']);
const REFUSED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidIdentityToken',
  'IDPRejectedClaim',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
]);

export interface FailureContext {
  timeoutMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

/** Any failure of a mint, said with the provider, safe error names, codes and status, and a hint. */
export function toCloudMintError(provider: CloudProvider, error: unknown, context: FailureContext): CloudMintError {
  if (error instanceof CloudMintError) return error;
  const facts = factsOf(decisiveError(error));
  const words = [...new Set([facts.name, facts.code, facts.oauthError].filter((w): w is string => w !== undefined))];
  const detail = [...words, ...(facts.status ? [`HTTP ${facts.status}`] : [])].join(', ');
  return new CloudMintError(provider, `${provider}: ${hintFor(provider, facts, context)}${detail ? ` (${detail})` : ''}`);
}

interface Facts {
  name?: string;
  code?: string;
  oauthError?: string;
  status?: number;
  noDefaultCredentials: boolean;
}

// A credential chain (Azure's) fails with every link's error: the one that refused says why; if all
// were merely unavailable, any of them says that.
function decisiveError(error: unknown): unknown {
  const errors = (error as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return error;
  return errors.find((e) => (e as { name?: unknown } | undefined)?.name !== 'CredentialUnavailableError') ?? errors[0];
}

function factsOf(error: unknown): Facts {
  const e = (error ?? {}) as Record<string, unknown>;
  const cause = (e.cause ?? {}) as Record<string, unknown>;
  const response = (e.response ?? {}) as Record<string, unknown>;
  const metadata = (e.$metadata ?? {}) as Record<string, unknown>;
  const errorResponse = (e.errorResponse ?? {}) as Record<string, unknown>;
  const data = (response.data ?? {}) as Record<string, unknown>;
  const status = [metadata.httpStatusCode, e.statusCode, e.status, response.status].find(isHttpStatus);
  return {
    name: safeWord(e.name),
    code: safeWord(e.code) ?? safeWord(cause.code),
    oauthError: safeWord(errorResponse.error) ?? safeWord(data.error),
    status,
    // google-auth-library's own sentence when ADC finds nothing; matched, never repeated.
    noDefaultCredentials: typeof e.message === 'string' && e.message.startsWith('Could not load the default credentials'),
  };
}

function hintFor(provider: CloudProvider, facts: Facts, context: FailureContext): string {
  const { name, code, oauthError, status } = facts;
  if (context.timedOut) return `no answer within ${context.timeoutMs} ms`;
  if (context.cancelled) return 'the mint was cancelled';
  if (facts.noDefaultCredentials || (name && NO_CREDENTIALS.has(name))) return 'no credentials found in the environment';
  if ([name, code, oauthError].some((w) => w && REFUSED_CREDENTIALS.has(w))) return 'the cloud refused the service identity’s credentials';
  if (code && UNREACHABLE.test(code)) return 'the endpoint could not be reached';
  if (provider === 'ecr') {
    if (name === 'AccessDeniedException') return 'the identity may not call ecr:GetAuthorizationToken';
    if (name === 'AccessDenied') return 'the identity may not assume the role (its trust policy or the external ID)';
  }
  if (provider === 'acr' && name === 'AcrExchangeError') {
    if (status === 401 || status === 403)
      return 'the registry refused the Entra token (the identity may lack AcrPull, or the registry refuses Entra authentication)';
    if (status === 404) return 'the host has no /oauth2/exchange: is it an Azure container registry?';
  }
  if (provider === 'acr' && (name === 'AuthenticationError' || name === 'AuthenticationRequiredError'))
    return 'Entra ID refused to issue a token for the identity';
  if (provider === 'googleArtifactRegistry' && (status === 401 || status === 403))
    return 'the identity may not get a token (its IAM roles or the scopes of its metadata server)';
  if (/throttl/i.test(`${name} ${code}`) || status === 429) return 'the provider is throttling; a later attempt may succeed';
  if (status !== undefined && status >= 500) return 'the provider failed; a later attempt may succeed';
  return 'the mint failed';
}

function safeWord(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_WORD.test(value) ? value : undefined;
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
}
