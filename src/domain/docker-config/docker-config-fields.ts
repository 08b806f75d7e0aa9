// How the kubelet reads a Docker config (kubernetes/kubernetes pkg/credentialprovider/config.go):
// it decodes with Go's encoding/json into DockerConfigJSON{Auths} and, per registry, into
// {username, password, email, auth}. Every other field is ignored.

/** The entry fields the kubelet reads; identitytoken, registrytoken, serveraddress... it never looks at. */
export const KUBELET_ENTRY_FIELDS = ['username', 'password', 'email', 'auth'] as const;
export type KubeletEntryField = (typeof KUBELET_ENTRY_FIELDS)[number];

/** Token fields docker login writes for OAuth-style registries; the kubelet ignores them. */
export const TOKEN_FIELDS = ['identitytoken', 'registrytoken'];

/**
 * A JSON key folded the way Go's encoding/json matches it to a struct field: case-insensitively,
 * with "ſ" (U+017F) equal to "s" and the Kelvin sign equal to "k" (toLowerCase maps it to "k").
 */
export function goFoldedKey(key: string): string {
  return key.replace(/\u017f/g, 's').toLowerCase();
}

/** The keys of `object` that Go decodes into the field `name`, in document order (a later one overwrites an earlier one). */
export function keysMatching(object: Record<string, unknown>, name: string): string[] {
  return Object.keys(object).filter((key) => goFoldedKey(key) === name);
}

/** An object with at least one field the kubelet reads: how a registry entry is told from other objects. */
export function looksLikeDockerConfigEntry(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some((key) => (KUBELET_ENTRY_FIELDS as readonly string[]).includes(goFoldedKey(key)))
  );
}

export interface EntryFields {
  /** The value Go would decode into each kubelet field; a JSON null counts as absent, as in Go. */
  values: Partial<Record<KubeletEntryField, unknown>>;
  /** The keys the kubelet ignores, as written. */
  ignored: string[];
}

export function readEntryFields(entry: Record<string, unknown>): EntryFields {
  const values: EntryFields['values'] = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    const field = KUBELET_ENTRY_FIELDS.find((name) => name === goFoldedKey(key));
    if (!field) ignored.push(key);
    else if (value !== null) values[field] = value;
  }
  return { values, ignored };
}

/**
 * Standard-alphabet base64 as Go's decoder takes it: CR and LF are skipped, anything else outside
 * the alphabet is an error. `padding` says whether "=" padding is required or forbidden.
 */
export function decodeStdBase64(text: string, padding: 'required' | 'forbidden'): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  const shape = padding === 'required' ? /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ : /^[A-Za-z0-9+/]*$/;
  if (!shape.test(compact) || (padding === 'forbidden' && compact.length % 4 === 1)) return undefined;
  return Buffer.from(compact, 'base64');
}

export type DecodedAuth =
  | { ok: true; username: string; password: string; /** false when either part is not valid UTF-8 */ utf8: boolean }
  | { ok: false; problem: 'invalid_base64' | 'no_colon' };

/** The `auth` field as the kubelet decodes it: base64 of "username:password", split at the first colon. */
export function decodeAuthField(field: string): DecodedAuth {
  // The kubelet picks padded or unpadded decoding by whether the trimmed value ends with "=".
  const bytes = decodeStdBase64(field, field.trim().endsWith('=') ? 'required' : 'forbidden');
  if (!bytes) return { ok: false, problem: 'invalid_base64' };
  const colon = bytes.indexOf(0x3a);
  if (colon < 0) return { ok: false, problem: 'no_colon' };
  const username = utf8Text(bytes.subarray(0, colon));
  const password = utf8Text(bytes.subarray(colon + 1));
  return {
    ok: true,
    username: username ?? bytes.subarray(0, colon).toString('utf8'),
    password: password ?? bytes.subarray(colon + 1).toString('utf8'),
    utf8: username !== undefined && password !== undefined,
  };
}

function utf8Text(bytes: Buffer): string | undefined {
  try {
    // ignoreBOM keeps a leading U+FEFF: it is part of the password, not a marker.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
