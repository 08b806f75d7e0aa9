import { decodeAuthField, goFoldedKey, readEntryFields, TOKEN_FIELDS, type KubeletEntryField } from './docker-config-fields.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import { REDACTED, type RegistryView } from '../view-schemas.js';

/** Entry fields whose values are shown; every other value could be secret. */
const SHOWN_FIELDS = ['username', 'email', 'serveraddress'];
export const EVERY_PULL_FAILS = 'the kubelet fails every image pull of a Pod that references this secret';

/** An entry as `base64 --decode` shows it, with every value that could be secret replaced by REDACTED (and `serveraddress` without userinfo). */
export function redactEntry(entry: unknown): unknown {
  if (entry === null) return null;
  if (!isPlainObject(entry)) return REDACTED;
  return Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, shownValue(key, value)]));
}

function shownValue(key: string, value: unknown): unknown {
  if (!isShown(key) || typeof value !== 'string') return REDACTED;
  return goFoldedKey(key) === 'serveraddress' ? redactUserinfo(value) : value;
}

export interface RegistryDescription {
  view: RegistryView;
  warnings: string[];
}

/** What the kubelet makes of one registry entry, without any secret value. */
export function describeRegistryEntry(server: string, entry: unknown): RegistryDescription {
  const shown = redactUserinfo(server);
  const registry = `registry ${quoteName(shown)}`;
  const view: RegistryView = { server: shown, secretFields: [], authMismatch: false };
  if (entry === null) return { view, warnings: [`${registry}: the entry is null, so the kubelet has no credentials for it`] };
  if (!isPlainObject(entry)) return { view, warnings: [`${registry}: the entry is not an object; ${EVERY_PULL_FAILS}`] };

  const warnings: string[] = [];
  const { values, ignored } = readEntryFields(entry);
  const strings: Partial<Record<KubeletEntryField, string>> = {};
  for (const [field, value] of Object.entries(values) as [KubeletEntryField, unknown][]) {
    if (typeof value === 'string') strings[field] = value;
    else warnings.push(`${registry}: "${field}" is not a string; ${EVERY_PULL_FAILS}`);
  }
  view.secretFields = secretFieldsOf(entry);
  if (strings.username) view.username = strings.username;
  if (strings.email) view.email = strings.email;

  // An empty auth is no auth to the kubelet: it only decodes a non-empty one.
  if (strings.auth) {
    const decoded = decodeAuthField(strings.auth);
    if (!decoded.ok) {
      const what = decoded.problem === 'invalid_base64' ? 'is not valid base64' : 'does not decode to "username:password" (no colon)';
      warnings.push(`${registry}: "auth" ${what}; ${EVERY_PULL_FAILS}`);
    } else {
      view.username = decoded.username;
      view.authMismatch =
        (!!strings.username && strings.username !== decoded.username) || (!!strings.password && strings.password !== decoded.password);
      if (view.authMismatch) warnings.push(`${registry}: "auth" and "username"/"password" disagree; the kubelet uses "auth"`);
      if (decoded.username === '') warnings.push(`${registry}: "auth" decodes to an empty username; the registry will likely refuse it`);
    }
  }

  const tokens = ignored.filter((key) => TOKEN_FIELDS.includes(goFoldedKey(key)) && entry[key] !== null);
  const hasCredentials = Boolean(strings.auth || strings.username || strings.password);
  if (tokens.length > 0) {
    const names = tokens.map((key) => quoteName(key)).join(' and ');
    warnings.push(
      hasCredentials
        ? `${registry}: the kubelet ignores ${names}`
        : `${registry}: holds only ${names}, which the kubelet ignores, so it has no credentials for this registry`,
    );
  } else if (!hasCredentials) {
    warnings.push(`${registry}: holds no credentials; the kubelet pulls from it anonymously`);
  }
  return { view, warnings };
}

function isShown(key: string): boolean {
  return SHOWN_FIELDS.includes(goFoldedKey(key));
}

/** Names (lower-case, as the kubelet matches them) of the fields that hold a value we never show. */
function secretFieldsOf(entry: Record<string, unknown>): string[] {
  const names = Object.entries(entry)
    .filter(([key, value]) => !isShown(key) && value !== null)
    .map(([key]) => goFoldedKey(key));
  return [...new Set(names)];
}
