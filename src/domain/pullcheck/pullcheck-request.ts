import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.js';
import { isPlainObject, parseJsonWithoutEcho, textOf } from '../text/json-text.js';
import { parseYamlDocuments } from '../text/yaml-document.js';
import { MAX_MANIFEST_DOCUMENTS, podReferenceSchema, type PodReference } from './pullcheck-schemas.js';
import { ValidationError, type FieldError } from '../../errors.js';

const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** What a pull check's body asks: a Pod by name, or the documents of manifests (parsed, not yet read as workloads). */
export type PullCheckRequest = { pod: PodReference['pod'] } | { documents: unknown[] };

/**
 * Reads a pull check's body: JSON (one document) or YAML (one or several documents); a lone object with
 * `pod` is a Pod reference. Never echoes the body.
 * @throws BadRequestError for an empty body or one that does not parse
 * @throws ValidationError for a Pod reference with other fields or an invalid name
 */
export function readPullCheckRequest(body: Buffer, contentType: string | undefined): PullCheckRequest {
  const text = textOf(body);
  if (text.trim() === '')
    throw new BadRequestError('The request body is empty: send workload manifests (JSON or YAML) or {"pod": "<name>"}');
  const documents = isYaml(contentType)
    ? parseYamlDocuments(text, MAX_MANIFEST_DOCUMENTS)
    : [parseJsonWithoutEcho(text, 'The request body')];
  const [first] = documents;
  if (documents.length === 1 && isPlainObject(first) && Object.hasOwn(first, 'pod')) {
    const parsed = podReferenceSchema.safeParse(first);
    if (!parsed.success) {
      const errors: FieldError[] = parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({
              path: key,
              code: 'unrecognized_key',
              message: 'is not a known field: send {"pod": "<name>"} alone',
            }))
          : [{ path: issue.path.map(String).join('/') || 'pod', code: issue.code, message: issue.message }],
      );
      throw new ValidationError(`the request body is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
    }
    return { pod: parsed.data.pod };
  }
  return { documents };
}

function isYaml(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (YAML_MEDIA_TYPES.includes(mediaType)) return true;
  if (mediaType === 'application/json' || /^application\/[^/]+\+json$/.test(mediaType)) return false;
  throw new UnsupportedMediaTypeError('send workload manifests as application/json or application/yaml');
}
