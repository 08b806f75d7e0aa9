import type { z } from 'zod';
import type { FieldError } from '../../errors.js';
import { decodeAuthField, goFoldedKey, readEntryFields, TOKEN_FIELDS } from './docker-config-fields.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import { emailSchema, passwordSchema, serverSchema, usernameSchema, type RegistryCredential } from './credential-schemas.js';

export type EntryOutcome =
  | { kind: 'credential'; credential: RegistryCredential; warnings: string[] }
  /** `{}` or null: what `docker login` leaves in config.json when a credential store holds the secret. */
  | { kind: 'empty' }
  | { kind: 'invalid'; errors: FieldError[] };

const EVERY_PULL_FAILS = 'a pull secret with it makes the kubelet fail every image pull of the Pods that use it';

/**
 * One `auths` entry of an uploaded config.json rewritten as the kubelet reads it: `auth` wins over
 * username/password, every other field is dropped. `path` locates the entry in error paths.
 */
export function normaliseDockerConfigEntry(server: string, value: unknown, path: string): EntryOutcome {
  const errors = schemaErrors(serverSchema, server, path, '');
  if (value === null || (isPlainObject(value) && Object.keys(value).length === 0)) {
    return errors.length ? { kind: 'invalid', errors } : { kind: 'empty' };
  }
  if (!isPlainObject(value)) {
    return {
      kind: 'invalid',
      errors: [...errors, { path, code: 'invalid_type', message: 'must be an object with "auth" or "username" and "password"' }],
    };
  }
  const { values, ignored } = readEntryFields(value);
  const strings: Partial<Record<string, string>> = {};
  for (const [field, fieldValue] of Object.entries(values)) {
    if (typeof fieldValue === 'string') strings[field] = fieldValue;
    else errors.push({ path: `${path}/${field}`, code: 'invalid_type', message: 'must be a string' });
  }
  const tokens = ignored.filter((key) => TOKEN_FIELDS.includes(goFoldedKey(key)) && value[key] !== null);
  const warnings = ignored.map((key) => `registry ${quoteName(server)}: dropped field ${quoteName(key)} (the kubelet does not read it)`);

  let { username, password } = strings;
  // An empty auth is no auth to the kubelet (it checks the length), so the fields are used.
  const fromAuth = Boolean(strings.auth);
  if (strings.auth) {
    const decoded = decodeAuth(strings.auth, `${path}/auth`);
    if ('error' in decoded) return { kind: 'invalid', errors: [...errors, decoded.error] };
    if ((username && username !== decoded.username) || (password && password !== decoded.password)) {
      warnings.push(`registry ${quoteName(server)}: "auth" and "username"/"password" disagree; "auth" is used, as the kubelet does`);
    }
    ({ username, password } = decoded);
  }

  if (tokens.length > 0 && (!username || !password)) {
    errors.push({
      path: `${path}/${tokens[0]}`,
      code: 'unsupported_token',
      message: `the kubelet ignores ${tokens.map((key) => quoteName(key)).join(' and ')}, so this entry gives it no usable credentials; give a username and password (an access token goes in "password")`,
    });
    return { kind: 'invalid', errors };
  }
  if (fromAuth && username === '') {
    errors.push({
      path: `${path}/auth`,
      code: 'empty_username',
      message: 'decodes to an empty username; the kubelet would send the registry no username',
    });
  }
  if (!fromAuth && username === undefined)
    errors.push({ path: `${path}/username`, code: 'required', message: 'is required (or give "auth")' });
  if (!fromAuth && password === undefined)
    errors.push({ path: `${path}/password`, code: 'required', message: 'is required (or give "auth")' });
  const credentialPath = (field: string) => (fromAuth ? `${path}/auth` : `${path}/${field}`);
  const label = (field: string) => (fromAuth ? `${field} in auth ` : '');
  if (username !== undefined && !(fromAuth && username === '')) {
    errors.push(...schemaErrors(usernameSchema, username, credentialPath('username'), label('username')));
  }
  if (password !== undefined) errors.push(...schemaErrors(passwordSchema, password, credentialPath('password'), label('password')));
  if (strings.email !== undefined) errors.push(...schemaErrors(emailSchema, strings.email, `${path}/email`, ''));

  if (errors.length > 0 || username === undefined || password === undefined) return { kind: 'invalid', errors };
  const email = strings.email ? { email: strings.email } : {};
  return { kind: 'credential', credential: { server, username, password, ...email }, warnings };
}

function decodeAuth(auth: string, path: string): { username: string; password: string } | { error: FieldError } {
  const decoded = decodeAuthField(auth);
  if (!decoded.ok) {
    const what = decoded.problem === 'invalid_base64' ? 'is not valid base64' : 'does not decode to "username:password" (it has no colon)';
    return { error: { path, code: decoded.problem, message: `${what}; ${EVERY_PULL_FAILS}` } };
  }
  if (!decoded.utf8) {
    return {
      error: { path, code: 'not_utf8', message: 'decodes to bytes that are not UTF-8 text, which regcred cannot carry over unchanged' },
    };
  }
  return decoded;
}

/** Our zod schemas' messages are fixed texts, so they never echo the value. */
function schemaErrors(schema: z.ZodType, value: string, path: string, label: string): FieldError[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path,
    code: issue.code === 'custom' ? String((issue as { params?: { rule?: string } }).params?.rule ?? 'custom') : issue.code,
    message: `${label}${issue.message}`,
  }));
}
