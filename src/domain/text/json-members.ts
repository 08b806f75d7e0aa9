/** A JSON object's members in document order, each parsed, duplicate keys kept. */
export type JsonMembers = ReadonlyArray<readonly [string, unknown]>;

/**
 * The members of the JSON object `text` as Go's decoder walks them: in order, a repeated key
 * kept each time (JSON.parse keeps only its last value, at its first position). Undefined when
 * `text` is not a JSON object. Give it only text that JSON.parse accepted.
 */
export function jsonObjectMembers(text: string, parsed?: unknown): JsonMembers | undefined {
  try {
    return scanMembers(text, parsed === undefined ? JSON.parse(text) : parsed);
  } catch {
    return undefined;
  }
}

// `parsed` is JSON.parse(text): a key that occurs once takes its value from there, so only the values of
// repeated keys (whose earlier occurrences JSON.parse dropped) are parsed a second time.
function scanMembers(text: string, parsed: unknown): JsonMembers | undefined {
  let at = skipSpace(text, 0);
  if (text[at] !== '{' || typeof parsed !== 'object' || parsed === null) return undefined;
  const spans: { key: string; start: number; end: number }[] = [];
  const seen = new Map<string, number>();
  at = skipSpace(text, at + 1);
  while (text[at] === '"') {
    const keyEnd = endOfString(text, at);
    const key = JSON.parse(text.slice(at, keyEnd)) as string;
    const start = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const end = endOfValue(text, start);
    spans.push({ key, start, end });
    seen.set(key, (seen.get(key) ?? 0) + 1);
    at = skipSpace(text, end);
    if (text[at] === ',') at = skipSpace(text, at + 1);
  }
  const values = parsed as Record<string, unknown>;
  return spans.map(({ key, start, end }) => [key, seen.get(key)! > 1 ? JSON.parse(text.slice(start, end)) : values[key]] as const);
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  return at;
}

function endOfString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function endOfValue(text: string, at: number): number {
  if (text[at] === '"') return endOfString(text, at);
  if (text[at] !== '{' && text[at] !== '[') {
    let end = at;
    while (end < text.length && !',}] \t\n\r'.includes(text[end]!)) end++;
    return end;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = endOfString(text, i) - 1;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return text.length;
}
