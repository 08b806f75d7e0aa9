import { BadRequestError } from '../../errors.js';

/** True for `{...}` values: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text of an upload: UTF-8, without the byte order mark Windows editors like to add. */
export function textOf(raw: Buffer | string): string {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * JSON.parse that never passes the parser's message on: V8 quotes a snippet of the input in it,
 * and the input may hold credentials. Only a line and column are kept.
 */
export function parseJsonWithoutEcho(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`${what} is not valid JSON${whereParsingFailed(text, error)}`);
  }
}

function whereParsingFailed(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.includes('end of JSON input')) return ' (it ends too early)';
  const position = /at position (\d+)/.exec(message);
  return position ? ` (${lineAndColumnAt(text, Number(position[1]))})` : '';
}

/** "line L, column C" of an offset: where a parser stopped, told without quoting the text. */
export function lineAndColumnAt(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** A name from the input, quoted and shortened, safe to put in a message. Only for names, never for values. */
export function quoteName(name: string, max = 100): string {
  return JSON.stringify(name.length > max ? `${name.slice(0, max)}…` : name);
}
