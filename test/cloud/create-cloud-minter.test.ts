import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudMinter } from '../../src/cloud/create-cloud-minter.js';
import { mintFailure } from '../support/cloud/mint-failure.js';
import { useCloudEnv, type CloudEnv } from '../support/cloud/cloud-env.js';
import { startFakeAws, type FakeAws } from '../support/cloud/fake-aws.js';

describe('the cloud minter', () => {
  let aws: FakeAws;
  let env: CloudEnv;

  beforeAll(async () => {
    aws = await startFakeAws();
  });
  afterAll(() => aws.stop());
  beforeEach(() => {
    env = useCloudEnv({
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_ECR: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENTKEY',
      AWS_SECRET_ACCESS_KEY: 'environment-secret',
    });
  });
  afterEach(() => env.restore());

  it('when the caller aborts a mint in flight, then it ends at once as cancelled, long before the timeout', async () => {
    aws.hangNext('ecr');
    const caller = new AbortController();
    const started = Date.now();

    const pending = createCloudMinter({ timeoutMs: 60_000 }).mint(
      { ecr: { region: 'eu-west-1', registryIds: ['123456789012'] } },
      caller.signal,
    );
    setTimeout(() => caller.abort(), 50);
    const failure = await mintFailure(pending);

    expect(failure.message).toMatch(/^ecr: the mint was cancelled/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('when the caller’s signal is already aborted, then nothing is asked of the cloud', async () => {
    const calls = aws.calls.length;

    const failure = await mintFailure(
      createCloudMinter({ timeoutMs: 1000 }).mint({ ecr: { region: 'eu-west-1', registryIds: ['123456789012'] } }, AbortSignal.abort()),
    );

    expect(failure.message).toMatch(/^ecr: the mint was cancelled/);
    expect(aws.calls.length).toBe(calls);
  });
});
