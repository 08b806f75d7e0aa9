import { describe, expect, it } from 'vitest';
import { registryHostOf } from '../../src/cloud/registry-host.js';
import { CloudMintError } from '../../src/domain/credentials/cloud-source.js';

describe('the registry host of a proxyEndpoint', () => {
  it.each([
    ['https://123456789012.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com'],
    ['https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'],
    ['https://123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com'],
    ['https://123456789012.dkr.ecr.us-east-1.amazonaws.com:443', '123456789012.dkr.ecr.us-east-1.amazonaws.com'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://registry.example:8443/', 'registry.example:8443'],
  ])('when ECR answers %s, then the server is %s', (endpoint, host) => {
    expect(registryHostOf('ecr', endpoint)).toBe(host);
  });

  it.each([undefined, '', 'not a url', 'file:///etc/passwd'])(
    'when the answer is %s, then the mint fails with CloudMintError',
    (endpoint) => {
      expect(() => registryHostOf('ecr', endpoint)).toThrow(CloudMintError);
    },
  );
});
