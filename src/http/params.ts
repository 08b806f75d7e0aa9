import { z } from 'zod';
import { namespaceSchema, secretNameSchema } from '../domain/kubernetes-names.js';

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const dryRunParam = z
  .literal('server')
  .optional()
  .meta({ description: 'Validate on the API server (sent as dryRun=All) without storing anything.' });

export const appendHashParam = booleanFlag
  .optional()
  .meta({ description: "Append kubectl's `--append-hash` suffix (a hash of the Secret's content) to the name." });

export const writeQuerySchema = z.strictObject({ dryRun: dryRunParam, appendHash: appendHashParam });
export const deleteQuerySchema = z.strictObject({ dryRun: dryRunParam });
export const noQuerySchema = z.strictObject({});

export const renderQuerySchema = z.strictObject({
  name: secretNameSchema.default('regcred'),
  namespace: namespaceSchema.optional(),
  appendHash: appendHashParam,
});

export const namespacePathSchema = z.strictObject({ namespace: namespaceSchema });
export const secretPathSchema = z.strictObject({ namespace: namespaceSchema, name: secretNameSchema });
