import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudMinter } from '../../src/cloud/create-cloud-minter.js';
import { GOOGLE_PULL_SCOPE } from '../../src/cloud/google-minter.js';
import { GOOGLE_USERNAME } from '../../src/domain/credentials/cloud-source.js';
import { mintFailure } from '../support/cloud/mint-failure.js';
import { useCloudEnv, type CloudEnv } from '../support/cloud/cloud-env.js';
import { startFakeGoogle, type FakeGoogle } from '../support/cloud/fake-google.js';

const CANARY = 'canary-7c4a8d09ca3762af';
const source = { googleArtifactRegistry: { hosts: ['europe-west1-docker.pkg.dev', 'gcr.io'] } };

describe('the Artifact Registry minter', () => {
  let google: FakeGoogle;
  let env: CloudEnv;
  const minter = createCloudMinter({ timeoutMs: 2000 });

  beforeAll(async () => {
    google = await startFakeGoogle({ tokenLifetimeSeconds: 1800 });
  });
  afterAll(() => google.stop());
  beforeEach(() => {
    google.calls.length = 0;
    env = useCloudEnv({ GCE_METADATA_HOST: google.metadataHost, METADATA_SERVER_DETECTION: 'ping-only' });
  });
  afterEach(() => env.restore());

  it('when on a GCE/GKE metadata server, then every host gets its access token as password, with its expiry', async () => {
    const before = Date.now();
    const minted = await minter.mint(source);

    const [token] = google.minted();
    expect(minted.registries).toEqual([
      { server: 'europe-west1-docker.pkg.dev', username: GOOGLE_USERNAME, password: token.token },
      { server: 'gcr.io', username: GOOGLE_USERNAME, password: token.token },
    ]);
    expect(google.isLive(minted.registries[0].password)).toBe(true);
    expect(minted.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 1800_000 - 1000);
    expect(minted.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 1800_000);
  });

  it('when it asks the metadata server, then every request says Metadata-Flavor: Google and the token request the pull scope', async () => {
    await minter.mint(source);

    expect(google.calls.length).toBeGreaterThan(0);
    expect(google.calls.every((call) => call.metadataFlavor === 'Google')).toBe(true);
    const tokenCall = google.calls.find((call) => call.path.endsWith('/service-accounts/default/token'));
    expect(tokenCall?.query.scopes).toBe(GOOGLE_PULL_SCOPE);
  });

  it('when GOOGLE_APPLICATION_CREDENTIALS names an external_account file, then the subject token is exchanged at Google STS', async () => {
    const subjectToken = env.file('subject-token', 'kubernetes-service-account-token');
    process.env.GOOGLE_APPLICATION_CREDENTIALS = env.file(
      'external-account.json',
      JSON.stringify({
        type: 'external_account',
        audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/providers/k8s',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: google.stsTokenUrl,
        credential_source: { file: subjectToken },
      }),
    );

    const minted = await minter.mint(source);

    const exchange = google.calls.find((call) => call.endpoint === 'sts');
    expect(exchange?.form).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'kubernetes-service-account-token',
      scope: GOOGLE_PULL_SCOPE,
    });
    expect(minted.registries[0].password).toBe(google.minted().at(-1)?.token);
    expect(google.calls.filter((call) => call.endpoint === 'metadata')).toEqual([]);
  });

  it('when the metadata server refuses the token, then the error is safe: status, hint, no canary', async () => {
    google.failNext('token', { times: 1, status: 403, code: 'access_denied', message: `scope ${CANARY} missing` });

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toMatch(/^googleArtifactRegistry: the identity may not get a token/);
    expect(failure.message).toContain('HTTP 403');
    expect(`${failure.message} ${failure.stack}`).not.toContain(CANARY);
  });

  it('when there is no metadata server and no credentials file, then it says no credentials were found', async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toMatch(/^googleArtifactRegistry: no credentials found in the environment/);
  });

  it('when the token request hangs, then the mint ends at the timeout', async () => {
    google.hangNext('token');

    const failure = await mintFailure(createCloudMinter({ timeoutMs: 300 }).mint(source));

    expect(failure.message).toMatch(/^googleArtifactRegistry: no answer within 300 ms/);
  });
});
