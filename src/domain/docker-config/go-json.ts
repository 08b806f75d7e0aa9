import { Buffer } from 'node:buffer';

/**
 * A value as Go's encoding/json marshals it: a string, a struct (fields in declaration order,
 * `undefined` fields left out as `omitempty` would) or a map (keys sorted).
 */
export type GoJsonValue = string | GoJsonStruct | GoJsonMap;
export interface GoJsonStruct {
  readonly struct: ReadonlyArray<readonly [string, GoJsonValue | undefined]>;
}
export interface GoJsonMap {
  readonly map: Readonly<Record<string, GoJsonValue>>;
}

export function goStruct(fields: Record<string, GoJsonValue | undefined>): GoJsonStruct {
  return { struct: Object.entries(fields) };
}

export function goMap(entries: Record<string, GoJsonValue>): GoJsonMap {
  return { map: entries };
}

// Go writes \b and \f in short form since Go 1.22; kubectl 1.32 is built with Go 1.23.
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
// Control characters, quote and backslash, the HTML-sensitive <, > and & (json.Marshal's default
// escapeHTML), and U+2028/U+2029, which Go escapes unconditionally for JSONP's sake. DEL stays raw.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]/g;

function escapeCharacter(c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `s` as Go's json.Marshal writes a string, byte for byte. A Go string is the UTF-8 that Node
 * makes of `s`, so a lone surrogate arrives as a literal U+FFFD (as it would in kubectl's argv).
 */
export function encodeGoJsonString(s: string): string {
  return `"${s.toWellFormed().replace(NEEDS_ESCAPE, escapeCharacter)}"`;
}

/** Orders strings as Go sorts map keys: byte-wise on their UTF-8, which is code point order. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `value` as Go's json.Marshal writes it: compact, HTML-safe, map keys sorted. */
export function marshalGoJson(value: GoJsonValue): string {
  if (typeof value === 'string') return encodeGoJsonString(value);
  const members =
    'struct' in value
      ? value.struct.filter((entry): entry is readonly [string, GoJsonValue] => entry[1] !== undefined)
      : Object.entries(value.map).sort(([a], [b]) => compareGoStrings(a, b));
  return `{${members.map(([key, member]) => `${encodeGoJsonString(key)}:${marshalGoJson(member)}`).join(',')}}`;
}
