import { z } from 'zod';
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.js';
import { decodeStdBase64 } from '../docker-config/docker-config-fields.js';
import { isPlainObject, parseJsonWithoutEcho, textOf } from '../text/json-text.js';
import { readSecretManifest } from './read-secret-manifest.js';
import { describePullSecretData } from './redact-secret.js';
import { DOCKER_CONFIG_JSON_KEY, DOCKER_CONFIG_JSON_TYPE } from '../kubernetes/secret.js';
import type { InspectView } from '../view-schemas.js';
import { parseSingleYamlDocument } from '../text/yaml-document.js';

const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const WHAT_TO_SEND = 'a Secret manifest (JSON or YAML) or a base64-encoded .dockerconfigjson value';
type Format = 'json' | 'yaml' | 'base64';

/** A manifest sent to inspect, as JSON or YAML: any object (readSecretManifest says what a pull secret must hold). */
export const inspectableManifestSchema = z.looseObject({}).meta({ description: 'A Secret manifest (in YAML: the same document)' });

/**
 * The redacted view of what a caller pasted: a Secret manifest in JSON or YAML (`data` or
 * `stringData`), or a bare base64 `.dockerconfigjson` value as `kubectl get -o jsonpath` prints it.
 * @throws BadRequestError for a body that is none of these; never echoes it
 * @throws ValidationError for a manifest that is not an image pull secret
 * @throws UnsupportedMediaTypeError for a content type other than JSON, YAML or text/plain
 */
export function inspectPullSecretInput(body: Buffer, contentType: string | undefined): InspectView {
  const text = textOf(body);
  if (text.trim() === '') throw new BadRequestError(`The request body is empty: send ${WHAT_TO_SEND}`);
  const { format, guessed } = formatOf(contentType, text);
  if (format === 'base64') return inspectDockerConfigJsonValue(text);
  const parsed = format === 'json' ? parseJsonWithoutEcho(text, 'The request body') : parseSingleYamlDocument(text);
  // Almost any text is YAML (a plain scalar): when we only guessed, a non-object means the guess was wrong.
  if (guessed && !isPlainObject(parsed)) throw neitherManifestNorValue();
  const { data, ...metadata } = readSecretManifest(parsed);
  return { ...metadata, ...describePullSecretData(metadata.type, data) };
}

function formatOf(contentType: string | undefined, text: string): { format: Format; guessed: boolean } {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json' || /^application\/[^/]+\+json$/.test(mediaType)) return { format: 'json', guessed: false };
  if (YAML_MEDIA_TYPES.includes(mediaType)) return { format: 'yaml', guessed: false };
  if (mediaType !== '' && mediaType !== 'text/plain') {
    throw new UnsupportedMediaTypeError(`send ${WHAT_TO_SEND} as application/json, application/yaml or text/plain`);
  }
  // text/plain: what `kubectl get -o json|yaml|jsonpath` printed, pasted as is.
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return { format: 'json', guessed: true };
  if (/^[A-Za-z0-9+/=\s]+$/.test(trimmed)) return { format: 'base64', guessed: true };
  return { format: 'yaml', guessed: true };
}

function inspectDockerConfigJsonValue(text: string): InspectView {
  const compact = text.replace(/\s+/g, '');
  const bytes = decodeStdBase64(compact, compact.endsWith('=') ? 'required' : 'forbidden');
  if (!bytes || !isJsonObject(bytes.toString('utf8'))) throw neitherManifestNorValue();
  const data = { [DOCKER_CONFIG_JSON_KEY]: bytes.toString('base64') };
  return { type: DOCKER_CONFIG_JSON_TYPE, ...describePullSecretData(DOCKER_CONFIG_JSON_TYPE, data) };
}

function neitherManifestNorValue(): BadRequestError {
  return new BadRequestError(`The body is neither a Secret manifest nor a base64-encoded .dockerconfigjson value: send ${WHAT_TO_SEND}`);
}

function isJsonObject(text: string): boolean {
  try {
    return isPlainObject(JSON.parse(text));
  } catch {
    return false;
  }
}
