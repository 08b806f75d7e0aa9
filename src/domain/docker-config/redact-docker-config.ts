import { describeRegistryEntry, EVERY_PULL_FAILS, redactEntry } from './describe-registry-entry.js';
import { goFoldedKey, keysMatching, looksLikeDockerConfigEntry } from './docker-config-fields.js';
import { decodeGoDockerConfig } from './go-docker-config.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import type { JsonMembers } from '../text/json-members.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import { REDACTED, type RegistryView } from '../view-schemas.js';

export interface PullSecretDescription {
  registries: RegistryView[];
  /** The decoded JSON with every value that could be secret replaced by REDACTED. */
  decoded: Record<string, unknown>;
  warnings: string[];
}

/**
 * The content of a `.dockerconfigjson` key, already JSON-parsed: `{"auths": {server: entry}}`.
 * `members` are the root's members read from its text, repeated keys kept, when the caller has it.
 */
export function describeDockerConfigJson(json: unknown, members?: JsonMembers): PullSecretDescription {
  const notAnObject = whenNotAnObject(json, '.dockerconfigjson');
  if (notAnObject) return notAnObject;
  const root = json as Record<string, unknown>;
  const decoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) {
    if (goFoldedKey(key) === 'auths' && (value === null || isPlainObject(value)))
      decoded[key] = value === null ? null : redactEntries(value);
    else decoded[redactUserinfo(key)] = REDACTED;
  }

  const { entries, authsKeys, typeErrors } = decodeGoDockerConfig(members ?? Object.entries(root), 'config.json');
  const warnings = typeErrors.map(({ key, expected }) => `${quoteName(key)} is not an ${expected}; ${EVERY_PULL_FAILS}`);
  if (authsKeys.length === 0) {
    const hint = Object.values(root).some(looksLikeDockerConfigEntry)
      ? ' (it looks like the legacy .dockercfg format, which belongs in a kubernetes.io/dockercfg secret)'
      : '';
    warnings.push(`there is no "auths" object, so the kubelet finds no credentials in it${hint}`);
  } else if (entries.size === 0 && !typeErrors.some(({ expected }) => expected === 'object')) {
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
  const description = describeEntries(decodeGoDockerConfig(Object.entries(root), 'dockercfg').entries);
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
