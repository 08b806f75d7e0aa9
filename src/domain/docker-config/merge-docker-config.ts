import { Buffer } from 'node:buffer';
import { ConflictError, ValidationError } from '../../errors.js';
import { decodeStdBase64 } from './docker-config-fields.js';
import { compareGoStrings, encodeGoJsonString, marshalGoJson } from './go-json.js';
import { dockerConfigEntry } from './render-docker-config.js';
import type { RegistryCredential } from './credential-schemas.js';

export interface MergedDockerConfig {
  /** The new `.dockerconfigjson` value, base64 as in the API. */
  data: string;
  warnings: string[];
}

/**
 * A `.dockerconfigjson` with only the named entries changed: each upserted server's entry written as
 * kubectl writes one, each removed server's entry gone, every other entry and top-level field kept
 * as it was (fields regcred does not write included). Entries stay in Go's map-key order.
 * @throws ConflictError when the stored value is not a config regcred can merge into; ValidationError when nothing would be left
 */
export function mergeDockerConfigJson(
  stored: string | undefined,
  upsert: readonly RegistryCredential[],
  remove: readonly string[],
): MergedDockerConfig {
  const config = decodeStored(stored);
  // No prototype: a server key such as "__proto__" is an entry like any other.
  const auths: Record<string, unknown> = Object.assign(Object.create(null), config.auths);
  const written = new Map<string, string>();
  const warnings: string[] = [];
  for (const server of remove) {
    if (Object.hasOwn(auths, server)) delete auths[server];
    else warnings.push(`"${server}" was not in the secret; nothing to remove`);
  }
  for (const registry of upsert) {
    auths[registry.server] = true;
    written.set(registry.server, marshalGoJson(dockerConfigEntry(registry)));
  }
  const servers = Object.keys(auths).sort(compareGoStrings);
  if (servers.length === 0) {
    throw new ValidationError('the merge would leave no registry in the secret', [
      { path: 'remove', code: 'would_empty', message: 'would remove every registry; delete the secret instead' },
    ]);
  }
  const authsText = `{${servers.map((s) => `${encodeGoJsonString(s)}:${written.get(s) ?? stringifyAsGo(auths[s])}`).join(',')}}`;
  const fields = Object.keys(config).includes('auths') ? Object.keys(config) : ['auths', ...Object.keys(config)];
  const text = `{${fields.map((k) => `${stringifyAsGo(k)}:${k === 'auths' ? authsText : stringifyAsGo(config[k])}`).join(',')}}`;
  return { data: Buffer.from(text, 'utf8').toString('base64'), warnings };
}

function decodeStored(stored: string | undefined): Record<string, unknown> {
  const refuse = (why: string) =>
    new ConflictError(`the secret's .dockerconfigjson ${why}, so regcred cannot merge into it; replace it whole with PUT`);
  const bytes = stored ? decodeStdBase64(stored, 'required') : undefined;
  if (!bytes) throw refuse('is missing or not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw refuse('is not valid JSON');
  }
  if (!isObject(parsed)) throw refuse('is not a JSON object');
  if (parsed.auths !== undefined && !isObject(parsed.auths)) throw refuse('has an "auths" that is not an object');
  return { ...parsed, auths: parsed.auths ?? {} };
}

// A kept value written back with Go's escaping (JSON.stringify's but for <, >, & and U+2028/U+2029),
// so what kubectl or regcred stored comes back byte for byte and a merge that changes nothing writes nothing.
const stringifyAsGo = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
