import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudMinter } from '../../src/cloud/create-cloud-minter.js';
import type { CloudSource } from '../../src/domain/credentials/cloud-source.js';
import { mintFailure } from '../support/cloud/mint-failure.js';
import { useCloudEnv, type CloudEnv } from '../support/cloud/cloud-env.js';
import { startFakeAws, type FakeAws } from '../support/cloud/fake-aws.js';

const CANARY = 'canary-d41d8cd98f00b204';
const source = (ecr: Partial<Extract<CloudSource, { ecr: unknown }>['ecr']> = {}): CloudSource => ({
  ecr: { region: 'us-east-1', registryIds: ['123456789012'], ...ecr },
});

describe('the ECR minter', () => {
  let aws: FakeAws;
  let env: CloudEnv;
  const minter = createCloudMinter({ timeoutMs: 2000 });

  beforeAll(async () => {
    aws = await startFakeAws({ tokenLifetimeSeconds: 600 });
  });
  afterAll(() => aws.stop());
  beforeEach(() => {
    aws.calls.length = 0;
    env = useCloudEnv({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_ECR: aws.url,
      AWS_ENDPOINT_URL_STS: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENTKEY',
      AWS_SECRET_ACCESS_KEY: 'environment-secret',
    });
  });
  afterEach(() => env.restore());

  it('when keys are in the environment, then it mints one registry per id with the answered host, password and expiry', async () => {
    const before = Date.now();
    const minted = await minter.mint(source({ registryIds: ['123456789012', '210987654321'] }));

    const tokens = aws.minted();
    expect(minted.registries).toEqual([
      { server: '123456789012.dkr.ecr.us-east-1.amazonaws.com', username: 'AWS', password: tokens[0].password },
      { server: '210987654321.dkr.ecr.us-east-1.amazonaws.com', username: 'AWS', password: tokens[1].password },
    ]);
    expect(minted.registries.every((r) => aws.isLive(r.password))).toBe(true);
    expect(minted.expiresAt.getTime()).toBe(tokens[0].expiresAt.getTime());
    expect(minted.issuedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(aws.calls).toMatchObject([
      {
        service: 'ecr',
        accessKeyId: 'AKIAENVIRONMENTKEY',
        scope: { region: 'us-east-1', service: 'ecr' },
        registryIds: ['123456789012', '210987654321'],
      },
    ]);
  });

  it('when a web identity token file and role are set (IRSA), then STS gets the file token and ECR the assumed keys', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = env.file('token', 'projected-service-account-token');
    process.env.AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/regcred';

    await minter.mint(source());

    const [assume, token] = aws.calls;
    expect(assume).toMatchObject({
      service: 'sts',
      action: 'AssumeRoleWithWebIdentity',
      form: { WebIdentityToken: 'projected-service-account-token', RoleArn: 'arn:aws:iam::123456789012:role/regcred' },
    });
    expect(token).toMatchObject({ service: 'ecr', accessKeyId: aws.issuedAccessKeys.at(-1) });
  });

  it('when EKS Pod Identity is set up, then the agent gets the token file as Authorization and ECR the keys it gave', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = aws.containerCredentialsUrl;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = env.file('eks-pod-identity-token', 'pod-identity-token');

    await minter.mint(source());

    const [agent, token] = aws.calls;
    expect(agent).toMatchObject({ service: 'container', authorization: 'pod-identity-token' });
    expect(token).toMatchObject({ service: 'ecr', accessKeyId: aws.issuedAccessKeys.at(-1) });
  });

  it('when the source names a role, then it is assumed with the external ID and session "regcred" by the own identity', async () => {
    await minter.mint(source({ roleArn: 'arn:aws:iam::210987654321:role/puller', externalId: 'ext-42' }));

    const [assume, token] = aws.calls;
    expect(assume).toMatchObject({
      service: 'sts',
      action: 'AssumeRole',
      accessKeyId: 'AKIAENVIRONMENTKEY',
      form: { RoleArn: 'arn:aws:iam::210987654321:role/puller', ExternalId: 'ext-42', RoleSessionName: 'regcred' },
    });
    expect(token).toMatchObject({ service: 'ecr', accessKeyId: aws.issuedAccessKeys.at(-1) });
  });

  it('when a source names more than ten accounts, then ECR is asked ten at a time and the earliest expiry wins', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => String(100000000000 + i));

    const minted = await minter.mint(source({ registryIds: ids }));

    const asked = aws.calls.map((call) => call.registryIds ?? []).sort((a, b) => b.length - a.length);
    expect(asked).toEqual([ids.slice(0, 10), ids.slice(10)]);
    expect(minted.registries.map((r) => r.server.split('.')[0])).toEqual(ids);
    expect(minted.expiresAt.getTime()).toBe(
      Math.min(
        ...aws
          .minted()
          .slice(-12)
          .map((t) => t.expiresAt.getTime()),
      ),
    );
  });

  it('when the proxyEndpoint has a port, then the server keeps it', async () => {
    const previous = aws.options.proxyEndpoint;
    aws.options.proxyEndpoint = () => 'http://127.0.0.1:5000';
    try {
      const minted = await minter.mint(source());
      expect(minted.registries[0].server).toBe('127.0.0.1:5000');
    } finally {
      aws.options.proxyEndpoint = previous;
    }
  });

  it('when ECR denies the call, then the error names the code and status and the hint, never the answered message', async () => {
    aws.failNext('ecr', { times: 1, status: 400, code: 'AccessDeniedException', message: `User ${CANARY} is not authorized` });

    const failure = await mintFailure(minter.mint(source()));

    expect(failure.provider).toBe('ecr');
    expect(failure.message).toBe('ecr: the identity may not call ecr:GetAuthorizationToken (AccessDeniedException, HTTP 400)');
    expect(`${failure.message} ${failure.stack}`).not.toContain(CANARY);
  });

  it('when STS refuses the role, then the hint says so and no canary of its body leaks', async () => {
    aws.failNext('sts', { times: 1, status: 403, code: 'AccessDenied', message: `${CANARY} not authorized to perform sts:AssumeRole` });

    const failure = await mintFailure(minter.mint(source({ roleArn: 'arn:aws:iam::1:role/x' })));

    expect(failure.message).toContain('may not assume the role');
    expect(`${failure.message} ${failure.stack}`).not.toContain(CANARY);
  });

  it('when no credentials are in the environment, then it says so', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    const failure = await mintFailure(minter.mint(source()));

    expect(failure.message).toMatch(/^ecr: no credentials found in the environment/);
  });

  it('when ECR does not answer, then the mint ends at the timeout', async () => {
    aws.hangNext('ecr');
    const quick = createCloudMinter({ timeoutMs: 200 });

    const failure = await mintFailure(quick.mint(source()));

    expect(failure.message).toMatch(/^ecr: no answer within 200 ms/);
  });
});
