import { describeRegistryEntry, EVERY_PULL_FAILS, redactEntry } from './describe-registry-entry.js';
import { goFoldedKey, keysMatching, looksLikeDockerConfigEntry } from './docker-config-fields.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import { REDACTED, type RegistryView } from '../view-schemas.js';

export interface PullSecretDescription {
  registries: RegistryView[];
  /** The decoded JSON with every value that could be secret replaced by REDACTED. */
  decoded: Record<string, unknown>;
  warnings: string[];
}

/** The content of a `.dockerconfigjson` key, already JSON-parsed: `{"auths": {server: entry}}`. */
export function describeDockerConfigJson(json: unknown): PullSecretDescription {
  const notAnObject = whenNotAnObject(json, '.dockerconfigjson');
  if (notAnObject) return notAnObject;
  const root = json as Record<string, unknown>;
  const warnings: string[] = [];
  const decoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) {
    const field = goFoldedKey(key);
    if (field === 'auths' && (value === null || isPlainObject(value))) {
      decoded[key] = value === null ? null : redactEntries(value);
    } else {
      decoded[redactUserinfo(key)] = REDACTED;
      if (field === 'auths') warnings.push(`${quoteName(key)} is not an object; ${EVERY_PULL_FAILS}`);
      if (field === 'httpheaders' && value !== null && !isStringMap(value)) {
        warnings.push(`${quoteName(key)} is not an object of strings; ${EVERY_PULL_FAILS}`);
      }
    }
  }

  // Go decodes every key spelled like "auths" into one map: later entries overwrite earlier ones.
  const authsKeys = keysMatching(root, 'auths');
  const entries = new Map<string, unknown>();
  for (const key of authsKeys) {
    const value = root[key];
    if (isPlainObject(value)) for (const [server, entry] of Object.entries(value)) entries.set(server, entry);
  }
  if (authsKeys.length === 0) {
    const hint = Object.values(root).some(looksLikeDockerConfigEntry)
      ? ' (it looks like the legacy .dockercfg format, which belongs in a kubernetes.io/dockercfg secret)'
      : '';
    warnings.push(`there is no "auths" object, so the kubelet finds no credentials in it${hint}`);
  } else if (entries.size === 0 && authsKeys.every((key) => root[key] === null || isPlainObject(root[key]))) {
    warnings.push('"auths" lists no registry, so the kubelet finds no credentials in it');
  }
  const described = describeEntries(entries);
  return { registries: described.registries, decoded, warnings: [...warnings, ...described.warnings] };
}

/** The content of a legacy `.dockercfg` key, already JSON-parsed: `{server: entry}` without a wrapper. */
export function describeDockercfg(json: unknown): PullSecretDescription {
  const notAnObject = whenNotAnObject(json, '.dockercfg');
  if (notAnObject) return notAnObject;
  const root = json as Record<string, unknown>;
  const description = describeEntries(new Map(Object.entries(root)));
  const wrapped = keysMatching(root, 'auths').filter((key) => isPlainObject(root[key]) && !looksLikeDockerConfigEntry(root[key]));
  for (const key of wrapped) {
    description.warnings.unshift(
      `${quoteName(key)} looks like the config.json wrapper, but .dockercfg has none: the kubelet reads it as a registry name ` +
        'and finds no credentials under it (this content belongs in a kubernetes.io/dockerconfigjson secret)',
    );
  }
  if (Object.keys(root).length === 0) description.warnings.push('it lists no registry, so the kubelet finds no credentials in it');
  return { ...description, decoded: redactEntries(root) };
}

function whenNotAnObject(json: unknown, key: string): PullSecretDescription | undefined {
  if (json === null) return { registries: [], decoded: {}, warnings: [`"${key}" is null, so the kubelet finds no credentials in it`] };
  if (!isPlainObject(json)) return { registries: [], decoded: {}, warnings: [`"${key}" is not a JSON object; ${EVERY_PULL_FAILS}`] };
  return undefined;
}

function describeEntries(entries: Map<string, unknown>): { registries: RegistryView[]; warnings: string[] } {
  const described = [...entries].map(([server, entry]) => describeRegistryEntry(server, entry));
  return { registries: described.map((d) => d.view), warnings: described.flatMap((d) => d.warnings) };
}

// Two servers that differ only in their userinfo show as one key here; `registries` still lists both.
function redactEntries(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).map(([server, entry]) => [redactUserinfo(server), redactEntry(entry)]));
}

function isStringMap(value: unknown): boolean {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string' || v === null);
}
