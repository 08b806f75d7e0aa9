// How the kubelet reads a pull secret (pkg/credentialprovider/config.go and secrets.go): which
// entries it takes, which secrets it passes over, and which make every pull of the Pod fail.

import {
  decodeAuthField,
  decodeStdBase64,
  goFoldedKey,
  KUBELET_ENTRY_FIELDS,
  type KubeletEntryField,
} from '../docker-config/docker-config-fields.js';
import { decodeGoDockerConfig } from '../docker-config/go-docker-config.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import { jsonObjectMembers, type JsonMembers } from '../text/json-members.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import {
  DOCKER_CFG_KEY,
  DOCKER_CFG_TYPE,
  DOCKER_CONFIG_JSON_KEY,
  DOCKER_CONFIG_JSON_TYPE,
  PULL_SECRET_TYPES,
} from '../kubernetes/secret.js';

/** An entry as the kubelet holds it, without the password: regcred only ever says whether there is one. */
export interface KubeletCredential {
  server: string;
  username: string;
  hasPassword: boolean;
}

/**
 * An entry with its password: only for a caller that must present it to the registry (the pull check's
 * probe), never for an answer.
 */
export interface KubeletPasswordCredential extends KubeletCredential {
  password: string;
}

export type PullSecretReading<C extends KubeletCredential = KubeletCredential> =
  | { kind: 'credentials'; credentials: C[] }
  /** The kubelet passes over the secret (wrong type, no or empty key) and carries on. */
  | { kind: 'ignored'; reason: string }
  /** json.Unmarshal fails: MakeDockerKeyring returns the error and every image pull of the Pod fails. */
  | { kind: 'fails'; reason: string }
  /** More entries than the caller may weigh: none of them was read. */
  | { kind: 'too-many'; entries: number };

/** What secretsToTrackedDockerConfigs makes of one Secret (`data` base64, as in the API); past `maxEntries` entries, none is read. */
export function readPullSecretAsKubelet(type: string, data: Record<string, string>, maxEntries = Infinity): PullSecretReading {
  const reading = readPullSecretWithPasswords(type, data, maxEntries);
  return reading.kind === 'credentials' ? { kind: 'credentials', credentials: reading.credentials.map(withoutPassword) } : reading;
}

/** readPullSecretAsKubelet, each entry keeping its password: what a registry probe presents. */
export function readPullSecretWithPasswords(
  type: string,
  data: Record<string, string>,
  maxEntries = Infinity,
): PullSecretReading<KubeletPasswordCredential> {
  const format = type === DOCKER_CONFIG_JSON_TYPE ? 'config.json' : type === DOCKER_CFG_TYPE ? 'dockercfg' : undefined;
  if (!format) return { kind: 'ignored', reason: `its type ${quoteName(type)} is not ${PULL_SECRET_TYPES.join(' or ')}` };
  const key = format === 'config.json' ? DOCKER_CONFIG_JSON_KEY : DOCKER_CFG_KEY;
  const value = Object.hasOwn(data, key) ? data[key] : '';
  if (!value) return { kind: 'ignored', reason: `it has no "${key}" key, or it is empty` };
  const bytes = decodeStdBase64(value, 'required');
  if (!bytes) return { kind: 'ignored', reason: `"${key}" is not base64 (the API server would not have stored it)` };
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'fails', reason: `"${key}" is not valid JSON` };
  }
  return readDockerConfig(json, format, maxEntries, jsonObjectMembers(text, json));
}

const withoutPassword = ({ server, username, hasPassword }: KubeletCredential): KubeletCredential => ({ server, username, hasPassword });

/**
 * json.Unmarshal into DockerConfigJSON (`{"auths": ...}`, config.json) or DockerConfig (legacy .dockercfg).
 * `members` are the root's members read from its text, repeated keys kept, when the caller has it.
 * Entries are counted before any is decoded, so a secret of thousands costs no more than its JSON.parse.
 */
export function readDockerConfigAsKubelet(
  json: unknown,
  format: 'config.json' | 'dockercfg',
  maxEntries = Infinity,
  members?: JsonMembers,
): PullSecretReading {
  const reading = readDockerConfig(json, format, maxEntries, members);
  return reading.kind === 'credentials' ? { kind: 'credentials', credentials: reading.credentials.map(withoutPassword) } : reading;
}

function readDockerConfig(
  json: unknown,
  format: 'config.json' | 'dockercfg',
  maxEntries: number,
  members: JsonMembers | undefined,
): PullSecretReading<KubeletPasswordCredential> {
  if (json === null) return { kind: 'credentials', credentials: [] };
  if (!isPlainObject(json)) return { kind: 'fails', reason: 'it is not a JSON object' };
  const { entries, typeErrors } = decodeGoDockerConfig(members ?? Object.entries(json), format);
  const [typeError] = typeErrors;
  if (typeError) return { kind: 'fails', reason: `${quoteName(typeError.key)} is not an ${typeError.expected}` };
  if (entries.size > maxEntries) return { kind: 'too-many', entries: entries.size };
  const credentials: KubeletPasswordCredential[] = [];
  for (const [server, entry] of entries) {
    const read = readEntry(server, entry);
    if (typeof read === 'string') return { kind: 'fails', reason: `registry ${quoteName(redactUserinfo(server))}: ${read}` };
    credentials.push(read);
  }
  return { kind: 'credentials', credentials };
}

/** DockerConfigEntry.UnmarshalJSON: strings only, and a non-empty `auth` overrides username and password. */
function readEntry(server: string, entry: unknown): KubeletPasswordCredential | string {
  const fields: Partial<Record<KubeletEntryField, string>> = {};
  if (entry !== null && !isPlainObject(entry)) return 'the entry is not an object';
  for (const [key, value] of Object.entries(entry ?? {})) {
    const field = KUBELET_ENTRY_FIELDS.find((name) => name === goFoldedKey(key));
    if (!field || value === null) continue;
    if (typeof value !== 'string') return `${quoteName(key)} is not a string`;
    fields[field] = value;
  }
  if (!fields.auth) {
    const password = fields.password ?? '';
    return { server, username: fields.username ?? '', hasPassword: password !== '', password };
  }
  const auth = decodeAuthField(fields.auth);
  if (!auth.ok) return auth.problem === 'invalid_base64' ? '"auth" is not valid base64' : '"auth" does not decode to "username:password"';
  return { server, username: auth.username, hasPassword: auth.password !== '', password: auth.password };
}
