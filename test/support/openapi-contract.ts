import { parse as parseQuery } from 'node:querystring';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { openApiDocument } from './openapi-document.js';

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type PathItem = Record<string, Operation> & { parameters?: Parameter[] };

const document = openApiDocument<{ paths: Record<string, PathItem> }>();
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(document, 'openapi');

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
  names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
}));

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  contentType: string;
  text: string;
}

function validatorAt(...parts: string[]) {
  const ref = `openapi#/${pointer(...parts)}`;
  return ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
}

/** A request as the app read it: its query (as the app's simple parser splits it) and its body once parsed. */
export interface ObservedRequest {
  method: string;
  /** The path and query, as sent. */
  url: string;
  /** The answer's status: a request is judged only when the app accepted it (below 400). */
  status: number;
  contentType: string;
  /** The document the body held (an upload's file, a YAML manifest: parsed), or `absent`, or `unreadable`. */
  body: unknown;
}

export const ABSENT = Symbol('absent');
export const UNREADABLE = Symbol('unreadable');

/** Several YAML documents in one body (`---`): each is held to the body's schema. */
export class YamlStream {
  constructor(readonly documents: unknown[]) {}
}

/** The document a body's bytes hold, read by their media type (JSON, YAML, else text); a YAML stream of several documents is a YamlStream. */
export function documentIn(bytes: Buffer, mediaType: string): unknown {
  if (bytes.length === 0) return ABSENT;
  const type = mediaType.split(';')[0]!.trim().toLowerCase();
  const text = bytes.toString('utf8');
  try {
    if (type.endsWith('json')) return JSON.parse(text) as unknown;
    if (type.includes('yaml')) {
      const documents = parseAllDocuments(text);
      if (!Array.isArray(documents) || documents.some((d) => d.errors.length > 0)) return UNREADABLE;
      return documents.length > 1 ? new YamlStream(documents.map((d) => d.toJS() as unknown)) : (parse(text) as unknown);
    }
    return text;
  } catch {
    return UNREADABLE;
  }
}

/**
 * Why the app accepted a request that breaks openapi.yaml (a query key an operation with query parameters does
 * not document, a value off its schema, a required one missing, a body of an undocumented media type or off its
 * schema), or undefined. A refused request is not judged: the contract's JSON schemas cannot say every rule
 * the app's zod schemas and decoders check (refinements, cross-field rules, Go's config.json decoding).
 */
export function requestViolation({ method, url, status, contentType, body }: ObservedRequest): string | undefined {
  if (status >= 400) return undefined;
  const [path, search = ''] = url.split('?') as [string, string?];
  const verb = method.toLowerCase();
  const match = templates.find((t) => t.pattern.test(path));
  const operation = match && document.paths[match.template]![verb];
  if (!match || !operation || verb === 'options') return undefined;
  const where = `${verb} ${match.template} (answered ${status})`;
  const values = path.match(match.pattern)!.slice(1);
  const sent: Record<'path' | 'query', Record<string, unknown>> = {
    path: Object.fromEntries(match.names.map((name, i) => [name, decodeURIComponent(values[i]!)])),
    query: { ...parseQuery(search) },
  };
  const documented = [
    ...(document.paths[match.template]!.parameters ?? []).map((p, i) => ({ p, at: ['paths', match.template, 'parameters', String(i)] })),
    ...(operation.parameters ?? []).map((p, i) => ({ p, at: ['paths', match.template, verb, 'parameters', String(i)] })),
  ];
  const problems: string[] = [];
  for (const { p, at } of documented) {
    const value = sent[p.in][p.name];
    if (value === undefined) {
      if (p.required) problems.push(`${p.in} parameter ${p.name} is required`);
      continue;
    }
    const validate = validatorAt(...at, 'schema');
    if (!validate(value)) problems.push(`${p.in} parameter ${p.name}: ${ajv.errorsText(validate.errors)}`);
  }
  // OpenAPI allows keys it does not name; regcred's query schemas are strict, so an operation that names some takes no others
  // (one that names none may ignore its query: the probes and /metrics do).
  const known = new Set(documented.filter(({ p }) => p.in === 'query').map(({ p }) => p.name));
  if (known.size > 0)
    for (const key of Object.keys(sent.query)) if (!known.has(key)) problems.push(`query parameter ${key} is not documented`);
  problems.push(...bodyProblems(operation, ['paths', match.template, verb, 'requestBody'], contentType, body));
  return problems.length > 0 ? `${where}: the request breaks openapi.yaml: ${problems.join('; ')}` : undefined;
}

function bodyProblems(operation: Operation, at: string[], contentType: string, body: unknown): string[] {
  const requestBody = operation.requestBody;
  // A body sent to an operation that takes none is not read (nor, by OpenAPI, given a meaning).
  if (!requestBody) return [];
  if (body === ABSENT) return requestBody.required ? ['the body is required'] : [];
  const sent = contentType.split(';')[0]!.trim().toLowerCase();
  // A `+json` type is JSON (RFC 6839): application/json's entry documents it.
  const mediaType = sent.endsWith('+json') ? 'application/json' : sent;
  // A multipart upload's file is the document the JSON body would be: it is held to the same schema.
  const documentedAs = mediaType === 'multipart/form-data' ? 'application/json' : mediaType;
  if (!requestBody.content[mediaType] || !requestBody.content[documentedAs]) return [`media type "${mediaType}" is not documented`];
  if (body === UNREADABLE) return [`the ${mediaType} body cannot be parsed`];
  const validate = validatorAt(...at, 'content', documentedAs, 'schema');
  const documents = body instanceof YamlStream ? body.documents : [body];
  return documents.flatMap((document) => (validate(document) ? [] : [`body: ${ajv.errorsText(validate.errors)}`]));
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
