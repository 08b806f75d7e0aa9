import { z } from 'zod';
import { namespaceSchema, secretNameSchema } from '../domain/kubernetes-names.js';
import { repositorySchema } from '../domain/registry-endpoint.js';
import { verifyModeSchema } from '../domain/verification.js';

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
export const dockerConfigWriteQuerySchema = writeQuerySchema.extend({ repository: repositoryParam });
export const verifyQuerySchema = z.strictObject({ repository: repositoryParam });
export const deleteQuerySchema = z.strictObject({ dryRun: dryRunParam });
export const noQuerySchema = z.strictObject({});

export const renderQuerySchema = z.strictObject({
  name: secretNameSchema.default('regcred'),
  namespace: namespaceSchema.optional(),
  appendHash: appendHashParam,
  verify: verifyParam,
});
export const dockerConfigRenderQuerySchema = renderQuerySchema.extend({ repository: repositoryParam });

export const namespacePathSchema = z.strictObject({ namespace: namespaceSchema });
export const secretPathSchema = z.strictObject({ namespace: namespaceSchema, name: secretNameSchema });
