import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudMinter } from '../../src/cloud/create-cloud-minter.js';
import { ACR_USERNAME, type CloudSource } from '../../src/domain/credentials/cloud-source.js';
import { mintFailure } from '../support/cloud/mint-failure.js';
import { useCloudEnv, type CloudEnv } from '../support/cloud/cloud-env.js';
import { cloudTestCa } from '../support/cloud/cloud-test-ca.js';
import { startFakeEntra, type FakeEntra } from '../support/cloud/fake-entra.js';

const CANARY = 'canary-0cc175b9c0f1b6a8';
const SECRET = 'client-secret-of-regcred';

describe('the ACR minter', () => {
  let entra: FakeEntra;
  let env: CloudEnv;
  let source: CloudSource;
  const minter = createCloudMinter({ timeoutMs: 3000 });

  beforeAll(async () => {
    entra = await startFakeEntra({ ca: cloudTestCa(), clientSecret: SECRET, refreshTokenLifetimeSeconds: 7200 });
    source = { acr: { hosts: [entra.registryHost] } };
  });
  afterAll(() => entra.stop());
  beforeEach(() => {
    entra.calls.length = 0;
    entra.options.refreshTokenWithoutExp = false;
    env = useCloudEnv({
      AZURE_AUTHORITY_HOST: entra.authorityHost,
      AZURE_TENANT_ID: entra.tenant,
      AZURE_CLIENT_ID: 'f0c1d2e3-0000-4000-8000-000000000001',
      AZURE_CLIENT_SECRET: SECRET,
    });
  });
  afterEach(() => env.restore());

  it('when a client secret is in the environment, then the refresh token is the password of the null-GUID user, expiring at its exp', async () => {
    const minted = await minter.mint(source);

    const [refresh] = entra.minted();
    expect(minted.registries).toEqual([{ server: entra.registryHost, username: ACR_USERNAME, password: refresh.refreshToken }]);
    expect(entra.isLive(minted.registries[0].password)).toBe(true);
    expect(minted.expiresAt).toEqual(refresh.expiresAt);
    expect(Object.keys(minted.registries[0])).not.toContain('identitytoken');
  });

  it('when it mints, then Entra gets the registry scope and the exchange the form ACR expects, tenant included', async () => {
    await minter.mint(source);

    const token = entra.calls.find((call) => call.endpoint === 'token');
    expect(token?.form).toMatchObject({
      grant_type: 'client_credentials',
      client_secret: SECRET,
      scope: 'https://containerregistry.azure.net/.default',
    });
    const exchange = entra.calls.find((call) => call.endpoint === 'exchange');
    expect(exchange?.form).toEqual({
      grant_type: 'access_token',
      service: entra.registryHost,
      tenant: entra.tenant,
      access_token: entra.accessTokens.at(-1),
    });
    expect(entra.calls.filter((call) => call.endpoint === 'other')).toEqual([]);
  });

  it('when a federated token file is set (workload identity), then Entra gets it as the client assertion', async () => {
    delete process.env.AZURE_CLIENT_SECRET;
    process.env.AZURE_FEDERATED_TOKEN_FILE = env.file('azure-identity-token', 'projected-azure-token');

    await minter.mint(source);

    const token = entra.calls.find((call) => call.endpoint === 'token');
    expect(token?.form).toMatchObject({
      client_assertion: 'projected-azure-token',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
  });

  it('when the refresh token has no exp, then the mint fails saying its lifetime is unknown', async () => {
    entra.options.refreshTokenWithoutExp = true;

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toContain('carries no exp claim');
  });

  // The Azure SDK keeps no OAuth error code to show: EnvironmentCredential answers every refusal as its own
  // AuthenticationError 400, and workload identity as an AuthenticationRequiredError.
  it('when Entra refuses the client secret, then the error says Entra refused, never the description', async () => {
    entra.failNext('token', { times: 1, status: 401, code: 'invalid_client', message: `AADSTS7000215 ${CANARY}` });

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toBe('acr: Entra ID refused to issue a token for the identity (AuthenticationError, HTTP 400)');
    expect(`${failure.message} ${failure.stack}`).not.toContain(CANARY);
  });

  it('when Entra refuses a federated token, then the error says Entra refused, never the description', async () => {
    delete process.env.AZURE_CLIENT_SECRET;
    process.env.AZURE_FEDERATED_TOKEN_FILE = env.file('azure-identity-token', 'projected-azure-token');
    // The chain asks twice: as workload identity, then as managed identity (which also reads the token file).
    entra.failNext('token', { times: 2, status: 400, code: 'invalid_grant', message: `AADSTS700024 ${CANARY}` });

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toBe('acr: Entra ID refused to issue a token for the identity (AuthenticationRequiredError)');
    expect(`${failure.message} ${failure.stack}`).not.toContain(CANARY);
  });

  it('when the environment names no identity, then it says no credentials were found', async () => {
    for (const name of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) delete process.env[name];
    // Only the environment link of the chain: the managed identity link would probe 169.254.169.254.
    process.env.AZURE_TOKEN_CREDENTIALS = 'EnvironmentCredential';

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toMatch(/^acr: no credentials found in the environment/);
  });

  it.each(['evil.example/steal?', 'user@evil.example', 'evil.example#x', 'a b'])(
    'when a host is not a bare host name (%s), then no Entra token is asked for or sent',
    async (host) => {
      const failure = await mintFailure(minter.mint({ acr: { hosts: [entra.registryHost, host] } }));

      expect(failure.message).toBe('acr: a host is not a bare registry host name');
      expect(entra.calls).toEqual([]);
    },
  );

  it('when the registry refuses the exchange, then the hint says why it may and no body leaks', async () => {
    entra.failNext('exchange', { times: 1, status: 401, code: 'UNAUTHORIZED', message: CANARY });

    const failure = await mintFailure(minter.mint(source));

    expect(failure.message).toMatch(/^acr: the registry refused the Entra token .*\(AcrExchangeError, HTTP 401\)$/);
    expect(`${failure.message} ${failure.stack}`).not.toContain(CANARY);
  });

  it('when the exchange hangs, then the mint ends at the timeout', async () => {
    entra.hangNext('exchange');

    const failure = await mintFailure(createCloudMinter({ timeoutMs: 300 }).mint(source));

    expect(failure.message).toMatch(/^acr: no answer within 300 ms/);
  });
});
