import { ValidationError, type FieldError } from '../../errors.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import { isPullSecretType, PULL_SECRET_TYPES } from '../kubernetes/secret.js';

/** What inspecting needs from a Secret manifest; `data` holds base64 values, with `stringData` merged in. */
export interface SecretManifestInput {
  name?: string;
  namespace?: string;
  type: string;
  labels?: Record<string, string>;
  data: Record<string, string>;
}

const AS_TEXT_PLAIN = 'to inspect a .dockerconfigjson value, send it base64-encoded as text/plain';

/**
 * The parts of a Secret manifest that inspecting needs.
 * @throws ValidationError when it is not a Secret of one of the two image pull secret types
 */
export function readSecretManifest(manifest: unknown): SecretManifestInput {
  if (!isPlainObject(manifest)) {
    throw new ValidationError('The request body is not a Secret manifest', [
      { path: '', code: 'invalid_type', message: `must be a Secret manifest object; ${AS_TEXT_PLAIN}` },
    ]);
  }
  const errors: FieldError[] = [];
  if (manifest.kind !== 'Secret') {
    errors.push({
      path: 'kind',
      code: manifest.kind === undefined ? 'required' : 'invalid_value',
      message: `must be "Secret"; ${AS_TEXT_PLAIN}`,
    });
  }
  if (manifest.apiVersion !== undefined && manifest.apiVersion !== 'v1') {
    errors.push({ path: 'apiVersion', code: 'invalid_value', message: 'must be "v1"' });
  }
  const type = manifest.type ?? 'Opaque'; // the API server's default
  if (typeof type !== 'string') {
    errors.push({ path: 'type', code: 'invalid_type', message: 'must be a string' });
  } else if (!isPullSecretType(type)) {
    errors.push({
      path: 'type',
      code: 'invalid_value',
      message: `is ${quoteName(type)}; an image pull secret has type ${PULL_SECRET_TYPES.map((t) => `"${t}"`).join(' or ')}`,
    });
  }
  const metadata = manifest.metadata ?? {};
  if (!isPlainObject(metadata)) errors.push({ path: 'metadata', code: 'invalid_type', message: 'must be an object' });
  const meta = isPlainObject(metadata) ? metadata : {};
  for (const field of ['name', 'namespace']) {
    if (meta[field] != null && typeof meta[field] !== 'string')
      errors.push({ path: `metadata/${field}`, code: 'invalid_type', message: 'must be a string' });
  }
  const labels = stringMap(meta.labels, 'metadata/labels', errors);
  const data = stringMap(manifest.data, 'data', errors);
  const stringData = stringMap(manifest.stringData, 'stringData', errors);
  if (errors.length > 0) throw new ValidationError('The request body is not an image pull Secret manifest', errors);

  return {
    ...(typeof meta.name === 'string' && { name: meta.name }),
    ...(typeof meta.namespace === 'string' && { namespace: meta.namespace }),
    type: type as string,
    ...(labels && { labels }),
    // As the API server does: stringData is written over data.
    data: { ...data, ...encoded(stringData) },
  };
}

function encoded(stringData: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(stringData ?? {}).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
}

function stringMap(value: unknown, path: string, errors: FieldError[]): Record<string, string> | undefined {
  if (value == null) return undefined;
  if (!isPlainObject(value)) {
    errors.push({ path, code: 'invalid_type', message: 'must be an object of strings' });
    return undefined;
  }
  const bad = Object.keys(value).filter((key) => typeof value[key] !== 'string');
  for (const key of bad) errors.push({ path: `${path}/${key}`, code: 'invalid_type', message: 'must be a string' });
  return bad.length ? undefined : (value as Record<string, string>);
}
