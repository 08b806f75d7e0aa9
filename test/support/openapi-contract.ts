import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { parse } from 'yaml';

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type PathItem = Record<string, Operation>;

const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, PathItem>;
};
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(document, 'openapi');

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Asserts that a response's status, media type and body are the ones openapi.yaml documents for its operation. */
export function expectMatchesContract(res: Response): void {
  const request = (res as unknown as { req: { method: string; path: string } }).req;
  const path = request.path.split('?')[0]!;
  const method = request.method.toLowerCase();
  const match = templates.find((t) => t.pattern.test(path));
  if (!match) throw new Error(`openapi.yaml documents no path for ${path}`);
  const operation = document.paths[match.template]![method];
  if (!operation) throw new Error(`openapi.yaml documents no ${method} ${match.template}`);
  const response = operation.responses[String(res.status)];
  if (!response) throw new Error(`openapi.yaml documents no ${res.status} for ${method} ${match.template}`);
  if (!response.content) {
    if (res.text) throw new Error(`${method} ${match.template} ${res.status} is documented without a body but has one`);
    return;
  }
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!;
  if (!response.content[mediaType]) {
    throw new Error(`${method} ${match.template} ${res.status}: media type ${mediaType} is not documented`);
  }
  const ref = `openapi#/${pointer('paths', match.template, method, 'responses', String(res.status), 'content', mediaType, 'schema')}`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  const body = mediaType.endsWith('json') ? res.body : mediaType.endsWith('yaml') ? parse(res.text) : res.text;
  if (!validate(body)) {
    throw new Error(`${method} ${match.template} ${res.status} body does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`);
  }
}
