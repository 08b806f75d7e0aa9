import { BadRequestError, ValidationError, type FieldError } from '../../errors.js';
import { goFoldedKey, looksLikeDockerConfigEntry } from './docker-config-fields.js';
import { decodeGoDockerConfig } from './go-docker-config.js';
import { isPlainObject, parseJsonWithoutEcho, quoteName, textOf } from '../text/json-text.js';
import { jsonObjectMembers, type JsonMembers } from '../text/json-members.js';
import { normaliseDockerConfigEntry } from './normalise-docker-config-entry.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import { MAX_REGISTRIES, type RegistryCredential } from './credential-schemas.js';

export interface ParsedDockerConfig {
  registries: RegistryCredential[];
  /** What was dropped or converted, by name only. */
  warnings: string[];
}

const CREDENTIAL_STORE_KEYS = ['credsstore', 'credhelpers'];
const USE_CREDENTIALS_BODY =
  'Send the credentials instead: PUT /v1/namespaces/{namespace}/pullsecrets/{name} with a JSON body {"server", "username", "password"}.';

/**
 * Reads an uploaded Docker `config.json` (or legacy `~/.dockercfg`) into the registries the
 * kubelet would see in it. Only `auths` is kept; what is dropped is named in the warnings.
 * @throws BadRequestError when the file is not a JSON object
 * @throws ValidationError listing every entry that cannot become a pull secret
 */
export function parseDockerConfigFile(raw: Buffer | string): ParsedDockerConfig {
  const text = textOf(raw);
  const root = parseJsonWithoutEcho(text, 'The Docker config file');
  if (!isPlainObject(root)) throw new BadRequestError('The Docker config file must be a JSON object, like ~/.docker/config.json');
  const { entries, pathPrefix, warnings } = findEntries(root, jsonObjectMembers(text, root) ?? Object.entries(root));

  // Counted before any entry is checked: past the cap, each entry's checks would be work for nothing.
  if (entries.length > MAX_REGISTRIES) {
    throw new ValidationError(`The Docker config file cannot become a pull secret: it lists ${entries.length} registries`, [
      { path: 'auths', code: 'too_big', message: `must list at most ${MAX_REGISTRIES} registries` },
    ]);
  }
  const registries: RegistryCredential[] = [];
  const errors: FieldError[] = [];
  const empty: string[] = [];
  for (const [server, value] of entries) {
    // Error paths name the entry; a server refused for its userinfo must not show it there either.
    const outcome = normaliseDockerConfigEntry(server, value, `${pathPrefix}${redactUserinfo(server)}`);
    if (outcome.kind === 'credential') {
      registries.push(outcome.credential);
      warnings.push(...outcome.warnings);
    } else if (outcome.kind === 'empty') {
      empty.push(server);
    } else {
      errors.push(...outcome.errors);
    }
  }
  if (errors.length === 0 && registries.length === 0) throw credentialStoreError();
  for (const server of empty) {
    warnings.push(`registry ${quoteName(server)}: left out, the file holds no credentials for it (a credential store keeps them)`);
  }
  if (errors.length > 0) {
    throw new ValidationError(`The Docker config file cannot become a pull secret: ${errors.length} problem(s), see errors`, errors);
  }
  return { registries, warnings };
}

interface Entries {
  entries: [string, unknown][];
  /** Prefix of error paths: "auths/" for config.json, "" for the legacy format. */
  pathPrefix: string;
  warnings: string[];
}

function findEntries(root: Record<string, unknown>, members: JsonMembers): Entries {
  const config = decodeGoDockerConfig(members, 'config.json');
  if (config.authsKeys.length === 0) {
    if (looksLikeLegacyDockercfg(root)) {
      const warning = 'the file is in the legacy ~/.dockercfg format (no "auths"); it was converted to the config.json format';
      return { entries: [...decodeGoDockerConfig(members, 'dockercfg').entries], pathPrefix: '', warnings: [warning] };
    }
    if (Object.keys(root).some(isCredentialStoreKey)) throw credentialStoreError();
    throw new ValidationError('The Docker config file has no "auths": it holds no registry credentials', [
      { path: 'auths', code: 'required', message: 'is required: an object mapping each registry server to its credentials' },
    ]);
  }

  const notAnObject = config.typeErrors.find(({ expected }) => expected === 'object');
  if (notAnObject) {
    throw new ValidationError('"auths" in the Docker config file is not an object', [
      { path: notAnObject.key, code: 'invalid_type', message: 'must be an object mapping each registry server to its credentials' },
    ]);
  }
  const dropped = Object.keys(root).filter((key) => goFoldedKey(key) !== 'auths');
  const warnings = dropped.length
    ? [`only "auths" is kept; dropped top-level fields: ${dropped.map((key) => quoteName(redactUserinfo(key))).join(', ')}`]
    : [];
  if (config.entries.size === 0) {
    if (dropped.some(isCredentialStoreKey)) throw credentialStoreError();
    throw new ValidationError('"auths" in the Docker config file is empty: it holds no registry credentials', [
      { path: 'auths', code: 'too_small', message: 'must list at least one registry' },
    ]);
  }
  return { entries: [...config.entries], pathPrefix: 'auths/', warnings };
}

/** A map of server → {auth, email...}: what `docker login` wrote before the "auths" wrapper existed. */
function looksLikeLegacyDockercfg(root: Record<string, unknown>): boolean {
  return Object.values(root).some(looksLikeDockerConfigEntry);
}

function isCredentialStoreKey(key: string): boolean {
  return CREDENTIAL_STORE_KEYS.includes(goFoldedKey(key));
}

function credentialStoreError(): ValidationError {
  return new ValidationError(
    'The Docker config file holds no credentials. `docker login` with a credential store (credsStore or credHelpers) ' +
      'keeps the credentials in the store and writes only empty entries into config.json. ' +
      USE_CREDENTIALS_BODY,
    [{ path: 'auths', code: 'no_credentials', message: `holds no credentials (a credential store keeps them). ${USE_CREDENTIALS_BODY}` }],
  );
}
