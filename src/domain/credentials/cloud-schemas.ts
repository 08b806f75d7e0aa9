import { z } from 'zod';
import { uniqueItems } from '../pull-secrets/write-schemas.js';
import type { AcrSource, EcrSource, GoogleArtifactRegistrySource } from './cloud-source.js';

// The three cloud sources as the API takes them. The CRD (deploy/base/crd-pullsecretdistribution.yaml)
// carries the same limits as maxItems/maxLength/pattern, and spec-problem.ts checks stored specs
// with these schemas: change one, change all three (the tests hold them together).

export const MAX_CLOUD_ITEMS = 10;
export const MAX_ROLE_ARN_CHARS = 2048;
export const MAX_HOST_CHARS = 253;
export const MAX_REGION_CHARS = 32;
export const EXTERNAL_ID_CHARS = { min: 2, max: 1224 } as const;

// us-east-1, cn-north-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1…
export const AWS_REGION = /^[a-z]{2,4}(-[a-z]{2,5})?-[a-z]{4,10}-[1-9][0-9]?$/;
export const AWS_ACCOUNT_ID = /^[0-9]{12}$/;
// The partitions whose IAM roles regcred may assume; a role's path and name in IAM's own characters.
export const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
export const EXTERNAL_ID = /^[\w+=,.@:/-]+$/;
// A lower-case host name, optionally with a port: no scheme, no path, no user.
export const REGISTRY_HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$/;

export const awsRegionSchema = z
  .string()
  .max(MAX_REGION_CHARS, `must be at most ${MAX_REGION_CHARS} characters`)
  .regex(AWS_REGION, 'must be an AWS region such as us-east-1, eu-central-2, cn-north-1 or us-gov-west-1')
  .meta({ description: 'The AWS region of the registries (and of the STS endpoint used to assume `roleArn`).', example: 'eu-central-1' });

export const awsAccountIdSchema = z.string().regex(AWS_ACCOUNT_ID, 'must be an AWS account ID: 12 digits');

export const roleArnSchema = z
  .string()
  .max(MAX_ROLE_ARN_CHARS, `must be at most ${MAX_ROLE_ARN_CHARS} characters`)
  .regex(ROLE_ARN, 'must be an IAM role ARN: arn:aws[-cn|-us-gov]:iam::<12-digit account>:role/[<path>/]<name>')
  .meta({
    description: 'An IAM role regcred assumes with its own identity before minting (cross-account); it must be in `REGCRED_CLOUD_ALLOW`.',
    example: 'arn:aws:iam::123456789012:role/regcred-pull',
  });

export const externalIdSchema = z
  .string()
  .min(EXTERNAL_ID_CHARS.min, `must be at least ${EXTERNAL_ID_CHARS.min} characters`)
  .max(EXTERNAL_ID_CHARS.max, `must be at most ${EXTERNAL_ID_CHARS.max} characters`)
  .regex(EXTERNAL_ID, 'must consist of letters, digits and _+=,.@:/-')
  .meta({ description: "The role's external ID, when its trust policy asks for one (not a secret: it is stored in the spec)." });

export const registryHostSchema = z
  .string()
  .max(MAX_HOST_CHARS, `must be at most ${MAX_HOST_CHARS} characters`)
  .regex(REGISTRY_HOST, 'must be a lower-case host or host:port, without a scheme or a path');

const hostsField = (what: string, example: string[]) =>
  uniqueItems(registryHostSchema, MAX_CLOUD_ITEMS, 'hosts')
    .min(1, 'must list at least one host')
    .meta({ description: `${what} (1 to ${MAX_CLOUD_ITEMS}, each in \`REGCRED_CLOUD_ALLOW\`).`, example });

export const ecrSourceSchema = z
  .strictObject({
    region: awsRegionSchema,
    registryIds: uniqueItems(awsAccountIdSchema, MAX_CLOUD_ITEMS, 'registry IDs')
      .min(1, 'must list at least one registry ID')
      .meta({
        description: `The AWS account IDs whose registries in \`region\` the token is for (1 to ${MAX_CLOUD_ITEMS}, each in \`REGCRED_CLOUD_ALLOW\`).`,
        example: ['123456789012'],
      }),
    roleArn: roleArnSchema.optional(),
    externalId: externalIdSchema.optional(),
    fips: z.boolean('must be true or false').optional().meta({ description: "Use ECR's FIPS endpoints." }),
  })
  .meta({
    id: 'EcrSource',
    description: 'Amazon ECR: regcred mints an authorization token with its own AWS identity (or the role it assumes).',
    example: { region: 'eu-central-1', registryIds: ['123456789012'] },
  }) satisfies z.ZodType<EcrSource>;

export const googleArtifactRegistrySourceSchema = z
  .strictObject({
    hosts: hostsField('Artifact Registry or Container Registry hosts: `<region>-docker.pkg.dev`, `gcr.io`, `<region>.gcr.io`…', [
      'europe-west1-docker.pkg.dev',
    ]),
  })
  .meta({
    id: 'GoogleArtifactRegistrySource',
    description:
      'Google Artifact Registry: regcred mints an OAuth access token with its own Google identity (username `oauth2accesstoken`).',
    example: { hosts: ['europe-west1-docker.pkg.dev'] },
  }) satisfies z.ZodType<GoogleArtifactRegistrySource>;

export const acrSourceSchema = z
  .strictObject({ hosts: hostsField('Azure Container Registry hosts: `<name>.azurecr.io`…', ['payments.azurecr.io']) })
  .meta({
    id: 'AcrSource',
    description:
      "Azure Container Registry: regcred exchanges its own Entra ID token for a refresh token at each host's `/oauth2/exchange`.",
    example: { hosts: ['payments.azurecr.io'] },
  }) satisfies z.ZodType<AcrSource>;

/** The cloud source objects of a distribution's body, one of which replaces the credential fields. */
export const cloudSourceFields = {
  ecr: ecrSourceSchema.optional(),
  googleArtifactRegistry: googleArtifactRegistrySourceSchema.optional(),
  acr: acrSourceSchema.optional(),
};
