import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { goMap, marshalGoJson } from './go-json.js';

// kubectl maps the hex characters that could spell words to consonants from GenerateName's alphabet.
const VOWEL_FREE: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };

/** kubectl's SecretHash: JSON of {data, kind, name, type} with Go's sorted keys, sha256, 10 hex characters made vowel-free. */
function secretHash(name: string, type: string, data: Record<string, string>): string {
  // Go holds data as bytes and re-encodes them, so normalise whatever base64 spelling we were given.
  const canonicalData = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('base64')]),
  );
  const encoded = marshalGoJson(goMap({ data: goMap(canonicalData), kind: 'Secret', name, type }));
  const hex = createHash('sha256').update(encoded, 'utf8').digest('hex');
  return [...hex.slice(0, 10)].map((c) => VOWEL_FREE[c] ?? c).join('');
}

/**
 * The name `kubectl create secret ... --append-hash` gives a Secret: `<name>-<hash>`, the hash
 * taken over name, type and data (base64 values, as in the API); labels and namespace do not count.
 */
export function secretNameWithHash(name: string, type: string, data: Record<string, string>): string {
  return `${name}-${secretHash(name, type, data)}`;
}
