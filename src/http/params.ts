import { z } from 'zod';
import { splitCommaList } from '../domain/text/comma-list.js';
import { namespaceSchema, secretNameSchema } from '../domain/kubernetes/kubernetes-names.js';
import { MAX_LIST_LIMIT } from '../domain/pull-secrets/list-pull-secrets.js';
import { DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT } from '../domain/pullcheck/pullcheck-schemas.js';
import { repositorySchema } from '../domain/verify/registry-endpoint.js';
import { verifyModeSchema } from '../domain/verify/registry-verifier.js';
import { checkOneTarget, labelSelectorSchema, namespacesField, serviceAccountsField } from '../domain/pull-secrets/write-schemas.js';
import {
  checkSomeTarget,
  distributionNameSchema,
  distributionNamespacesField,
  distributionServiceAccountsField,
  excludeNamespacesField,
  expiresAtField,
} from '../domain/distributions/distribution-schemas.js';

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const dryRunParam = z
  .literal('server')
  .optional()
  .meta({ description: 'Validate on the API server (sent as dryRun=All) without storing anything.' });

export const appendHashParam = booleanFlag
  .optional()
  .meta({ description: "Append kubectl's `--append-hash` suffix (a hash of the Secret's content) to the name." });

export const verifyParam = verifyModeSchema;
export const repositoryParam = repositorySchema
  .optional()
  .meta({ description: 'With `verify`, for a config.json: prove pull access to this repository (`name[:tag]`) on every registry in it.' });

export const writeQuerySchema = z.strictObject({ dryRun: dryRunParam, appendHash: appendHashParam, verify: verifyParam });
/** A comma-separated query value, validated item by item as the JSON body's array would be. */
const commaSeparated = <T extends z.ZodType<unknown, string[]>>(list: T) => z.string().transform(splitCommaList).pipe(list);

export const serviceAccountsParam = commaSeparated(serviceAccountsField).optional().meta({
  description: 'Comma-separated ServiceAccounts to link the secret to (as `serviceAccounts` in a JSON body).',
  example: 'default,builder',
});
export const dockerConfigWriteQuerySchema = writeQuerySchema.extend({ repository: repositoryParam, serviceAccounts: serviceAccountsParam });
export const verifyQuerySchema = z.strictObject({ repository: repositoryParam });
export const unlinkParam = booleanFlag.optional().meta({
  description:
    'Also remove the secret from the `imagePullSecrets` of every ServiceAccount in the namespace (answers 200 with what changed).',
});
export const deleteQuerySchema = z.strictObject({ dryRun: dryRunParam, unlink: unlinkParam });
export const patchQuerySchema = z.strictObject({ dryRun: dryRunParam, verify: verifyModeSchema });
export const noQuerySchema = z.strictObject({});

/** `limit` of a paged listing: a whole number from 1 to `max`, `fallback` when absent. */
const limitOf = (max: number, fallback: number, things: string, example = fallback) =>
  z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
    .optional()
    .meta({ description: `At most this many ${things} in the answer (1–${max}; default ${fallback}).`, example: String(example) });
export const limitParam = limitOf(MAX_LIST_LIMIT, MAX_LIST_LIMIT, 'pull secrets', 100);
export const continueParam = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .optional()
  .meta({ description: 'The `continue` of the previous answer: the next page of the same listing.' });
export const listQuerySchema = z.strictObject({ limit: limitParam, continue: continueParam });
export const scanQuerySchema = z.strictObject({ limit: limitOf(MAX_SCAN_LIMIT, DEFAULT_SCAN_LIMIT, 'Pods'), continue: continueParam });
export type ScanQuery = z.output<typeof scanQuerySchema>;

export const renderQuerySchema = z.strictObject({
  name: secretNameSchema.default('regcred'),
  namespace: namespaceSchema.optional(),
  appendHash: appendHashParam,
  verify: verifyParam,
});
export const dockerConfigRenderQuerySchema = renderQuerySchema.extend({ repository: repositoryParam });

export const namespacePathSchema = z.strictObject({ namespace: namespaceSchema });
export const secretPathSchema = z.strictObject({ namespace: namespaceSchema, name: secretNameSchema });

export const fanOutPathSchema = z.strictObject({ name: secretNameSchema });
export const namespacesParam = commaSeparated(namespacesField)
  .optional()
  .meta({ description: 'Comma-separated namespaces to write to (or give `namespaceSelector`).', example: 'team-a,team-b' });
export const namespaceSelectorParam = labelSelectorSchema.optional();
export const fanOutDockerConfigQuerySchema = z
  .strictObject({ namespaces: namespacesParam, namespaceSelector: namespaceSelectorParam, ...dockerConfigWriteQuerySchema.shape })
  .superRefine(checkOneTarget);

export const distributionPathSchema = z.strictObject({ distribution: distributionNameSchema });
export const distributionWriteQuerySchema = z.strictObject({ verify: verifyParam });
export const orphanParam = booleanFlag.optional().meta({
  description: 'Leave the copies and the ServiceAccount links the distribution made where they are (only the distribution goes).',
});
export const distributionDeleteQuerySchema = z.strictObject({ orphan: orphanParam });

// The JSON body's target fields, as query parameters of the config.json upload (lists comma-separated).
export const distributionQueryTargets = {
  secretName: secretNameSchema.default('regcred').meta({ description: 'The Secret name in every namespace (default `regcred`).' }),
  namespaces: commaSeparated(distributionNamespacesField)
    .optional()
    .meta({ description: 'Comma-separated namespaces (present or future); with `namespaceSelector` too, a namespace in either.' }),
  namespaceSelector: namespaceSelectorParam,
  excludeNamespaces: commaSeparated(excludeNamespacesField)
    .optional()
    .meta({ description: 'Comma-separated namespaces or globs never written.' }),
  serviceAccounts: commaSeparated(distributionServiceAccountsField)
    .default([])
    .meta({ description: 'Comma-separated ServiceAccounts to link in every namespace, or `*` for all of them.', example: 'default' }),
  expiresAt: expiresAtField.optional(),
};
export const distributionDockerConfigQuerySchema = z
  .strictObject({ ...distributionQueryTargets, verify: verifyParam, repository: repositoryParam })
  .superRefine(checkSomeTarget);

// What the handlers are given from these, once their routes validated them.
export type WriteQuery = z.output<typeof writeQuerySchema>;
export type DockerConfigWriteQuery = z.output<typeof dockerConfigWriteQuerySchema>;
export type SecretPath = z.output<typeof secretPathSchema>;
export type NamespacePath = z.output<typeof namespacePathSchema>;
export type DistributionPath = z.output<typeof distributionPathSchema>;
export type ListQuery = z.output<typeof listQuerySchema>;
export type DeleteQuery = z.output<typeof deleteQuerySchema>;
export type PatchQuery = z.output<typeof patchQuerySchema>;
export type RenderQuery = z.output<typeof renderQuerySchema>;
export type DockerConfigRenderQuery = z.output<typeof dockerConfigRenderQuerySchema>;
export type VerifyQuery = z.output<typeof verifyQuerySchema>;
export type FanOutPath = z.output<typeof fanOutPathSchema>;
export type FanOutDockerConfigQuery = z.output<typeof fanOutDockerConfigQuerySchema>;
export type DistributionWriteQuery = z.output<typeof distributionWriteQuerySchema>;
export type DistributionDeleteQuery = z.output<typeof distributionDeleteQuerySchema>;
export type DistributionDockerConfigQuery = z.output<typeof distributionDockerConfigQuerySchema>;
