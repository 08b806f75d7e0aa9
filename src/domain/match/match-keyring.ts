import { fromGoString } from '../kubelet/go-url.js';
import { kubeletKeyOf, remembered, type KubeletCredential, type Keyring } from '../kubelet/kubelet-keyring.js';
import { hasUserinfo, redactUserinfo } from '../text/redact-userinfo.js';
import { REDACTED } from '../view-schemas.js';

/** A credential of a match's keyring, with where it came from. */
export interface SourcedCredential extends KubeletCredential {
  /** Absent for credentials given in the request. */
  secret?: string;
  /** The server as shown: verbatim but for its userinfo (redactUserinfo). */
  shown: string;
}

/** The keyring of a match, with each key as it may be shown. */
export interface MatchKeyring extends Keyring<SourcedCredential> {
  /** A key (Go string) as text, redacted when it holds userinfo (see shownKey). */
  readonly shown: (goKey: string) => ShownKey;
}
export interface ShownKey {
  text: string;
  /** The key holds part of a server's userinfo: messages name it by `text` only, never by its host, port or path. */
  redacted: boolean;
}

export function matchKeyring(keyring: Keyring<SourcedCredential>): MatchKeyring {
  return { ...keyring, shown: remembered((key) => shownKey(key, keyring.creds.get(key) ?? [])) };
}

/**
 * A key is cut from its server, so a server with userinfo may leave part of it in the key when Go
 * ends the authority before the "@" ("https://u:p/w@reg" is filed under "u:p/w@reg"). The key is
 * shown as it is when the server without its userinfo is filed under the same key; otherwise all
 * of it up to its last "@" goes, or all of it. Matching still uses the key itself.
 */
export function shownKey(key: string, entries: ReadonlyArray<{ server: string }>): ShownKey {
  const text = fromGoString(key);
  const leaks = entries.some(({ server }) => {
    if (!hasUserinfo(server)) return false;
    const without = kubeletKeyOf(redactUserinfo(server, 'x'));
    return !without.ok || without.key !== text;
  });
  if (!leaks) return { text, redacted: false };
  return { text: hasUserinfo(text) ? redactUserinfo(text) : REDACTED, redacted: true };
}
