import { describe, expect, it } from 'vitest';
import { toCloudMintError } from '../../src/cloud/safe-mint-error.js';
import { CloudMintError } from '../../src/domain/credentials/cloud-source.js';

const CANARY = 'canary-AKIA5EXAMPLE9';
const context = { timeoutMs: 1000, timedOut: false, cancelled: false };
const leaks = (error: Error) => `${error.message} ${error.stack} ${JSON.stringify(error)}`.includes(CANARY);

describe('a failed mint in safe words', () => {
  it('when an SDK error carries a body, headers and a token in its message and fields, then none of it leaves', () => {
    const sdkError = Object.assign(new Error(`Authorization: Bearer ${CANARY}; body {"message":"${CANARY}"}`), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403, requestId: CANARY },
      $response: { headers: { authorization: CANARY }, body: CANARY },
      config: { headers: { Authorization: `Bearer ${CANARY}` } },
      response: { data: { error_description: CANARY } },
    });

    const safe = toCloudMintError('ecr', sdkError, context);

    expect(safe.message).toBe('ecr: the identity may not call ecr:GetAuthorizationToken (AccessDeniedException, HTTP 403)');
    expect(leaks(safe)).toBe(false);
  });

  it('when a name or code is not identifier-shaped (digits, spaces, a token), then it is left out', () => {
    const odd = Object.assign(new Error(CANARY), {
      name: CANARY,
      code: 'eyJhbGciOiJSUzI1NiJ9',
      response: { status: 500, data: { error: CANARY } },
    });

    const safe = toCloudMintError('googleArtifactRegistry', odd, context);

    expect(safe.message).toBe('googleArtifactRegistry: the provider failed; a later attempt may succeed (HTTP 500)');
    expect(leaks(safe)).toBe(false);
  });

  it('when fetch fails to connect, then the cause’s errno code names it', () => {
    const failed = new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${CANARY}`), { code: 'ECONNREFUSED' }) });

    expect(toCloudMintError('acr', failed, context).message).toBe('acr: the endpoint could not be reached (TypeError, ECONNREFUSED)');
  });

  it('when a chain fails with every link unavailable, then it says no credentials were found', () => {
    const unavailable = Object.assign(new Error(CANARY), { name: 'CredentialUnavailableError' });
    const aggregate = Object.assign(new Error(CANARY), { name: 'AggregateAuthenticationError', errors: [unavailable, unavailable] });

    const safe = toCloudMintError('acr', aggregate, context);

    expect(safe.message).toBe('acr: no credentials found in the environment (CredentialUnavailableError)');
    expect(leaks(safe)).toBe(false);
  });

  it('when google-auth-library finds no credentials, then its sentence is recognised but not repeated', () => {
    const none = new Error(`Could not load the default credentials. Browse to ${CANARY}`);

    expect(toCloudMintError('googleArtifactRegistry', none, context).message).toBe(
      'googleArtifactRegistry: no credentials found in the environment (Error)',
    );
  });

  it('when the deadline passed or the caller cancelled, then it says which', () => {
    const abort = new DOMException(CANARY, 'TimeoutError');

    expect(toCloudMintError('ecr', abort, { ...context, timedOut: true }).message).toBe('ecr: no answer within 1000 ms (TimeoutError)');
    expect(toCloudMintError('ecr', abort, { ...context, cancelled: true }).message).toMatch(/^ecr: the mint was cancelled/);
  });

  it('when the adapter already said it safely, then its CloudMintError passes unchanged', () => {
    const own = new CloudMintError('acr', 'acr: the refresh token of x carries no exp claim, so its lifetime is unknown');

    expect(toCloudMintError('acr', own, context)).toBe(own);
  });
});
