import type { z } from 'zod';
import {
  acrSourceSchema,
  awsRegionSchema,
  ecrSourceSchema,
  EXTERNAL_ID_CHARS,
  externalIdSchema,
  googleArtifactRegistrySourceSchema,
  MAX_CLOUD_ITEMS,
  MAX_HOST_CHARS,
  MAX_REGION_CHARS,
  MAX_ROLE_ARN_CHARS,
  roleArnSchema,
} from '../credentials/cloud-schemas.js';
import type { CloudProvider } from '../credentials/cloud-source.js';
import { eachText, flag, list, object, record, sourceOf, text, zodRule, type Field, type Rule } from './spec-rules.js';

// spec.source's cloud objects as spec-problem.ts checks them: the zod schemas of cloud-schemas.ts,
// each list and string bounded first, as the CRD bounds them.

/** A cloud source object's own rule, once its fields are within bounds: its required fields, no others, then the API's schema. */
const cloudObjectRule =
  (schema: z.ZodType, required: readonly string[]): Rule =>
  (value) => {
    const missing = required.find((key) => (value as Record<string, unknown>)[key] === undefined);
    return missing ? `.${missing}: is required` : zodRule(schema)(value);
  };

const cloudOf = (spec: Record<string, unknown>, provider: CloudProvider) => sourceOf(spec)[provider];
const cloudField = (spec: Record<string, unknown>, provider: CloudProvider, key: string) => {
  const value = cloudOf(spec, provider);
  return record(value) ? value[key] : undefined;
};

const hostsFields = (provider: 'googleArtifactRegistry' | 'acr', schema: typeof acrSourceSchema): Field[] => [
  {
    path: `spec.source.${provider}`,
    read: (spec) => cloudOf(spec, provider),
    shape: object,
    rule: cloudObjectRule(schema, ['hosts']),
  },
  {
    path: `spec.source.${provider}.hosts`,
    read: (spec) => cloudField(spec, provider, 'hosts'),
    shape: list(MAX_CLOUD_ITEMS, 'hosts'),
    items: eachText(MAX_HOST_CHARS),
    rule: zodRule(schema.shape.hosts),
  },
];

/** The cloud source objects and their fields, each bounded like the others (the CRD says the same). */
export const CLOUD_FIELDS: readonly Field[] = [
  {
    path: 'spec.source.ecr',
    read: (spec) => cloudOf(spec, 'ecr'),
    shape: object,
    rule: cloudObjectRule(ecrSourceSchema, ['region', 'registryIds']),
  },
  {
    path: 'spec.source.ecr.region',
    read: (spec) => cloudField(spec, 'ecr', 'region'),
    shape: text(MAX_REGION_CHARS),
    rule: zodRule(awsRegionSchema),
  },
  {
    path: 'spec.source.ecr.registryIds',
    read: (spec) => cloudField(spec, 'ecr', 'registryIds'),
    shape: list(MAX_CLOUD_ITEMS, 'registry IDs'),
    items: eachText(12),
    rule: zodRule(ecrSourceSchema.shape.registryIds),
  },
  {
    path: 'spec.source.ecr.roleArn',
    read: (spec) => cloudField(spec, 'ecr', 'roleArn'),
    shape: text(MAX_ROLE_ARN_CHARS),
    rule: zodRule(roleArnSchema),
  },
  {
    path: 'spec.source.ecr.externalId',
    read: (spec) => cloudField(spec, 'ecr', 'externalId'),
    shape: text(EXTERNAL_ID_CHARS.max),
    rule: zodRule(externalIdSchema),
  },
  { path: 'spec.source.ecr.fips', read: (spec) => cloudField(spec, 'ecr', 'fips'), shape: flag, rule: () => undefined },
  ...hostsFields('googleArtifactRegistry', googleArtifactRegistrySourceSchema),
  ...hostsFields('acr', acrSourceSchema),
];

/** The fields of one provider's object, the object first. */
export const cloudFieldsOf = (provider: CloudProvider): Field[] =>
  CLOUD_FIELDS.filter((f) => f.path === `spec.source.${provider}` || f.path.startsWith(`spec.source.${provider}.`));
