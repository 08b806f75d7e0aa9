import { labelsSchema, qualifiedNameProblem, secretNameSchema, MAX_ANNOTATIONS_BYTES } from '../../domain/kubernetes/kubernetes-names.js';
import { MAX_SECRET_DATA_BYTES, type SecretDraft, type SecretObject } from '../../domain/kubernetes/secret.js';
import type { FieldError } from '../../errors.js';

// The subset of the API server's Secret validation (pkg/apis/core/validation, v1.20) that the
// in-memory cluster mirrors, with the same field paths and reasons the API server reports in
// Status.details.causes, so both adapters fail the same way.

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Keys the API server requires for its well-known Secret types (any one of them, for basic-auth). */
const REQUIRED_KEYS = new Map<string, { keys: string[]; anyOf?: boolean }>([
  ['kubernetes.io/dockerconfigjson', { keys: ['.dockerconfigjson'] }],
  ['kubernetes.io/dockercfg', { keys: ['.dockercfg'] }],
  ['kubernetes.io/basic-auth', { keys: ['username', 'password'], anyOf: true }],
  ['kubernetes.io/ssh-auth', { keys: ['ssh-privatekey'] }],
  ['kubernetes.io/tls', { keys: ['tls.crt', 'tls.key'] }],
]);
const JSON_KEYS = new Map<string, string>([
  ['kubernetes.io/dockerconfigjson', '.dockerconfigjson'],
  ['kubernetes.io/dockercfg', '.dockercfg'],
]);

/** Data values that are not canonical base64: the API server refuses those before validating (400). */
export function undecodableDataKeys(data: Record<string, string>): string[] {
  return Object.entries(data)
    .filter(([, value]) => !BASE64.test(value))
    .map(([key]) => key);
}

/** What ValidateSecret reports for a new or replacing Secret. */
export function validateSecret(draft: SecretDraft): FieldError[] {
  const errors: FieldError[] = [];
  const name = secretNameSchema.safeParse(draft.name);
  if (!name.success) errors.push(invalid('metadata.name', draft.name, name.error.issues[0]?.message ?? 'invalid name'));
  errors.push(...validateLabels(draft.labels), ...validateAnnotations(draft.annotations));

  let size = 0;
  for (const [key, value] of Object.entries(draft.data)) {
    const problem = dataKeyProblem(key);
    if (problem) errors.push(invalid(`data[${key}]`, key, problem));
    size += Buffer.from(value, 'base64').length;
  }
  if (size > MAX_SECRET_DATA_BYTES) {
    errors.push({ path: 'data', code: 'FieldValueTooLong', message: `Too long: must have at most ${MAX_SECRET_DATA_BYTES} bytes` });
  }

  const required = REQUIRED_KEYS.get(draft.type);
  if (required) {
    const present = required.keys.filter((key) => Object.hasOwn(draft.data, key));
    const missing = required.anyOf ? (present.length > 0 ? [] : [required.keys[0]]) : required.keys.filter((k) => !present.includes(k));
    for (const key of missing) errors.push({ path: `data[${key}]`, code: 'FieldValueRequired', message: 'Required value' });
  }
  const jsonKey = JSON_KEYS.get(draft.type);
  if (jsonKey && Object.hasOwn(draft.data, jsonKey) && !isJson(Buffer.from(draft.data[jsonKey], 'base64').toString('utf8'))) {
    errors.push(invalid(`data[${jsonKey}]`, '<secret contents redacted>', 'not valid JSON'));
  }
  return errors;
}

/** What ValidateSecretUpdate adds when `draft` replaces regcred's fields of `existing`. */
export function validateSecretUpdate(draft: SecretDraft, existing: SecretObject): FieldError[] {
  const errors: FieldError[] = [];
  if (draft.type !== existing.type) errors.push(invalid('type', draft.type, 'field is immutable'));
  // The port's replace keeps `immutable` as it is (a patch), so only a change of data is refused.
  if (existing.immutable && !sameData(draft.data, existing.data)) errors.push(forbidden('data'));
  return [...errors, ...validateSecret(draft)];
}

function validateLabels(labels: Record<string, string>): FieldError[] {
  const parsed = labelsSchema.safeParse(labels);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    return invalid('metadata.labels', issue.message.startsWith('label value') ? labels[key] : key, issue.message);
  });
}

function validateAnnotations(annotations: Record<string, string>): FieldError[] {
  const errors: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const problem = qualifiedNameProblem(key);
    if (problem) errors.push(invalid('metadata.annotations', key, problem));
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > MAX_ANNOTATIONS_BYTES) {
    errors.push({
      path: 'metadata.annotations',
      code: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`,
    });
  }
  return errors;
}

function dataKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'must be no more than 253 characters';
  if (!DATA_KEY.test(key)) return "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
  if (key === '.' || key === '..') return `must not be '${key}'`;
  if (key.startsWith('..')) return "must not start with '..'";
  return undefined;
}

function invalid(path: string, value: string, detail: string): FieldError {
  return { path, code: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

function forbidden(path: string): FieldError {
  return { path, code: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' };
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
