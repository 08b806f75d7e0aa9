import { describe, expect, it } from 'vitest';
import { allowEntryProblem, cloudAllowProblem } from '../../../src/domain/credentials/cloud-allow-list.js';
import type { CloudSource } from '../../../src/domain/credentials/cloud-source.js';

const ALLOW = [
  'ecr:111122223333:eu-west-1',
  'ecr:444455556666:*',
  'ecr-role:arn:aws:iam::111122223333:role/pull-*',
  'gar:europe-docker.pkg.dev',
  'acr:contoso.azurecr.io',
];
const ecr = (registryIds: string[], region = 'eu-west-1', roleArn?: string): CloudSource => ({
  ecr: { region, registryIds, ...(roleArn ? { roleArn } : {}) },
});

describe('REGCRED_CLOUD_ALLOW: regcred mints only for what its operator listed', () => {
  it.each<[string, CloudSource]>([
    ['an allowed account and region', ecr(['111122223333'])],
    ['an account allowed in every region', ecr(['444455556666'], 'ap-south-1')],
    ['two allowed accounts in one secret', ecr(['111122223333', '444455556666'])],
    ['a role under an allowed prefix', ecr(['111122223333'], 'eu-west-1', 'arn:aws:iam::111122223333:role/pull-payments')],
    ['an allowed Artifact Registry host', { googleArtifactRegistry: { hosts: ['europe-docker.pkg.dev'] } }],
    ['an allowed ACR registry (any case)', { acr: { hosts: ['Contoso.azurecr.io'] } }],
  ])('when a source names %s, then it is allowed', (_what, source) => {
    expect(cloudAllowProblem(source, ALLOW)).toBeUndefined();
  });

  it.each<[string, CloudSource, RegExp]>([
    ['an account not listed', ecr(['999988887777']), /"ecr:999988887777:eu-west-1" is not in REGCRED_CLOUD_ALLOW/],
    ['a listed account in another region', ecr(['111122223333'], 'us-east-1'), /"ecr:111122223333:us-east-1"/],
    ['one allowed and one refused account', ecr(['111122223333', '999988887777']), /ecr:999988887777/],
    [
      'a role outside the prefix',
      ecr(['111122223333'], 'eu-west-1', 'arn:aws:iam::111122223333:role/admin'),
      /"ecr-role:arn:aws:iam::111122223333:role\/admin"/,
    ],
    ['a host not listed', { googleArtifactRegistry: { hosts: ['us-docker.pkg.dev'] } }, /"gar:us-docker.pkg.dev"/],
    ['a registry not listed', { acr: { hosts: ['fabrikam.azurecr.io'] } }, /"acr:fabrikam.azurecr.io"/],
  ])('when a source names %s, then it is refused, naming the entry it lacks', (_what, source, expected) => {
    expect(cloudAllowProblem(source, ALLOW)).toMatch(expected);
  });

  it('when the list is empty, then every cloud source is refused (off by default)', () => {
    expect(cloudAllowProblem(ecr(['111122223333']), [])).toMatch(/cloud sources are off/);
  });

  it.each([
    ['s3:bucket', /must start with one of/],
    ['ecr:', /must start with one of/],
    ['ecr:1111*:eu-west-1', /"\*" may only end an entry/],
    ['ecr:111122223333', /must be ecr:<account>:<region>/],
  ])('when an entry reads %s, then the configuration is refused', (entry, expected) => {
    expect(allowEntryProblem(entry)).toMatch(expected);
  });
});
