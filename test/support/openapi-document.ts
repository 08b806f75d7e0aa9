import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

let cached: { text: string; document: unknown } | undefined;

/**
 * The committed openapi.yaml, parsed. Parsing its YAML costs ~0.7 s of CPU, so each test process
 * parses it once, and the first one keeps a JSON copy (named by the file's hash) for the others.
 */
export function openApiDocument<T>(): T {
  const text = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
  if (cached?.text !== text) cached = { text, document: parseOnce(text) };
  return cached.document as T;
}

function parseOnce(text: string): unknown {
  const copy = join(tmpdir(), `regcred-openapi-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  try {
    return JSON.parse(readFileSync(copy, 'utf8'));
  } catch {
    const document = parse(text) as unknown;
    const partial = `${copy}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(document));
    renameSync(partial, copy);
    return document;
  }
}
