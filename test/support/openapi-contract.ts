import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { parse } from 'yaml';
import { openApiDocument } from './openapi-document.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type PathItem = Record<string, Operation>;

const document = openApiDocument<{ paths: Record<string, PathItem> }>();
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(document, 'openapi');

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  contentType: string;
  text: string;
}

/** Why a response breaks openapi.yaml (undocumented path, status or media type, or a body off its schema), or undefined. */
export function contractViolation({ method, path, status, contentType, text }: ObservedResponse): string | undefined {
  const verb = method.toLowerCase();
  const match = templates.find((t) => t.pattern.test(path.split('?')[0]!));
  if (!match) return undefined; // routes outside the contract (404s for unknown paths, /docs assets)
  if (verb === 'options') return undefined; // CORS preflights are protocol, not operations
  const operation = document.paths[match.template]![verb];
  const where = `${verb} ${match.template} ${status}`;
  if (!operation) return status === 405 ? undefined : `openapi.yaml documents no ${verb} ${match.template}`;
  const response = operation.responses[String(status)];
  if (!response) return `openapi.yaml documents no status ${where}`;
  if (!response.content) return text ? `${where} is documented without a body but has one` : undefined;
  const mediaType = contentType.split(';')[0]!.trim();
  if (!response.content[mediaType]) return `${where}: media type "${mediaType}" is not documented`;
  const ref = `openapi#/${pointer('paths', match.template, verb, 'responses', String(status), 'content', mediaType, 'schema')}`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  const body = mediaType.endsWith('json') ? JSON.parse(text) : mediaType.endsWith('yaml') ? parse(text) : text;
  return validate(body) ? undefined : `${where} body does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`;
}

/** Asserts that a response's status, media type and body are the ones openapi.yaml documents for its operation. */
export function expectMatchesContract(res: Response): void {
  const request = (res as unknown as { req: { method: string; path: string } }).req;
  const violation = contractViolation({
    method: request.method,
    path: request.path,
    status: res.status,
    contentType: String(res.headers['content-type'] ?? ''),
    text: res.text ?? '',
  });
  if (violation) throw new Error(violation);
}
