/**
 * JSON as the fuzzer writes it: objects are lists of entries, so a body may hold duplicate keys
 * or an own `__proto__` key (neither survives a plain JS object), and raw nodes may break JSON.
 */
export class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Text spliced in verbatim: invalid numbers, truncated values, comments. */
export class Raw {
  constructor(readonly text: string) {}
}

export function encodeJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${encodeJson(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(encodeJson).join(',')}]`;
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** The plain value a handler would see after JSON.parse (for building manifests that embed a config). */
export function toPlain(value: unknown): unknown {
  if (value instanceof Raw) return null;
  if (value instanceof Entries) return Object.fromEntries(value.entries.map(([k, v]) => [k, toPlain(v)]));
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

/** `[[[...]]]` or `{"a":{"a":...}}`, `depth` levels deep. */
export function deepNesting(depth: number, kind: 'array' | 'object'): Raw {
  return kind === 'array' ? new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`) : new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}
