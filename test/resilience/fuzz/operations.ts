import { openApiDocument } from '../../support/openapi-document.js';
import type { Resolve, Schema } from './values.js';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema;
}

/** One operation of openapi.yaml, as the fuzzer needs it. */
export interface Operation {
  id: string;
  method: string;
  template: string;
  parameters: Parameter[];
  /** Request media types and their schemas. */
  bodies: Record<string, Schema>;
}

interface Document {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** Every operation in openapi.yaml (read once), and how to resolve the `$ref`s in their schemas. */
export function loadOperations(): { operations: Operation[]; resolve: Resolve } {
  const document = openApiDocument<Document>();
  const resolve: Resolve = (schema) => {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    const name = ref.replace('#/components/schemas/', '');
    return resolve(document.components.schemas[name]!);
  };
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of METHODS) {
      const op = item[method] as
        { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } } | undefined;
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      operations.push({
        id: op.operationId,
        method: method.toUpperCase(),
        template,
        parameters: [...shared, ...(op.parameters ?? [])],
        bodies: Object.fromEntries(Object.entries(content).map(([type, { schema }]) => [type, schema])),
      });
    }
  }
  return { operations, resolve };
}

/** Paths outside the contract that the app still answers (or must refuse cleanly). */
export const OFF_CONTRACT_PATHS = [
  '/docs',
  '/docs/',
  '/openapi.yaml',
  '/openapi.json',
  '/nope',
  '/v1',
  '/v1/nope',
  '/v1/namespaces',
  '/',
  '/metrics',
  '/healthz',
];
