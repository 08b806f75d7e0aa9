// Go's path/filepath.Match as it behaves on Linux (separator "/", "\\" escapes), which the kubelet
// uses to match each dot-separated label of a registry key against an image's host.
// Strings are Go strings: one JS character per byte (see toGoString in go-url.ts), so multi-byte
// runes and invalid UTF-8 behave as in Go.

/** Go's (matched, err): `bad-pattern` is filepath.ErrBadPattern, which the kubelet treats as no match. */
export type GoMatchOutcome = 'match' | 'no-match' | 'bad-pattern';

const SEPARATOR = '/';
const RUNE_ERROR = 0xfffd;
type ChunkOutcome = { rest: string } | 'failed' | 'bad-pattern';

/** Whether `name` matches the shell pattern `pattern` as a whole, exactly as Go's filepath.Match decides. */
export function goFilepathMatch(pattern: string, name: string): GoMatchOutcome {
  let remaining = pattern;
  let subject = name;
  patterns: while (remaining.length > 0) {
    const { star, chunk, rest } = scanChunk(remaining);
    remaining = rest;
    // A trailing star matches the rest of the name unless it crosses a separator.
    if (star && chunk === '') return subject.includes(SEPARATOR) ? 'no-match' : 'match';
    const here = matchChunk(chunk, subject);
    if (typeof here === 'object' && (here.rest === '' || remaining.length > 0)) {
      subject = here.rest;
      continue;
    }
    if (here === 'bad-pattern') return 'bad-pattern';
    if (star) {
      for (let i = 0; i < subject.length && subject[i] !== SEPARATOR; i++) {
        const later = matchChunk(chunk, subject.slice(i + 1));
        if (typeof later === 'object') {
          // The last chunk must use up the name; a shorter skip may still do it.
          if (remaining.length === 0 && later.rest.length > 0) continue;
          subject = later.rest;
          continue patterns;
        }
        if (later === 'bad-pattern') return 'bad-pattern';
      }
    }
    // Go checks the rest of the pattern's syntax before it answers "no match".
    while (remaining.length > 0) {
      const next = scanChunk(remaining);
      remaining = next.rest;
      if (matchChunk(next.chunk, '') === 'bad-pattern') return 'bad-pattern';
    }
    return 'no-match';
  }
  return subject.length === 0 ? 'match' : 'no-match';
}

/** The next run of single-character operators, after any stars. A star inside [...] is a literal. */
function scanChunk(pattern: string): { star: boolean; chunk: string; rest: string } {
  let start = 0;
  while (start < pattern.length && pattern[start] === '*') start++;
  let inRange = false;
  let i = start;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i + 1 < pattern.length) i++;
    } else if (c === '[') {
      inRange = true;
    } else if (c === ']') {
      inRange = false;
    } else if (c === '*' && !inRange) {
      break;
    }
  }
  return { star: start > 0, chunk: pattern.slice(start, i), rest: pattern.slice(i) };
}

/** Matches `chunk` against the start of `s`; after a mismatch it reads on to check the chunk's syntax. */
function matchChunk(chunk: string, s: string): ChunkOutcome {
  let failed = false;
  let i = 0;
  let j = 0;
  while (i < chunk.length) {
    if (!failed && j >= s.length) failed = true;
    const c = chunk[i];
    if (c === '[') {
      let rune = 0;
      if (!failed) {
        const [decoded, size] = decodeRune(s, j);
        rune = decoded;
        j += size;
      }
      i++;
      const negated = chunk[i] === '^';
      if (negated) i++;
      let matched = false;
      for (let ranges = 0; ; ranges++) {
        if (chunk[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        const lo = readClassRune(chunk, i);
        if (!lo) return 'bad-pattern';
        let hi = lo;
        if (chunk[lo.next] === '-') {
          const upper = readClassRune(chunk, lo.next + 1);
          if (!upper) return 'bad-pattern';
          hi = upper;
        }
        i = hi.next;
        if (lo.rune <= rune && rune <= hi.rune) matched = true;
      }
      if (matched === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[j] === SEPARATOR) failed = true;
        j += decodeRune(s, j)[1];
      }
      i++;
    } else {
      if (c === '\\') {
        i++;
        if (i >= chunk.length) return 'bad-pattern';
      }
      if (!failed) {
        if (chunk[i] !== s[j]) failed = true;
        j++;
      }
      i++;
    }
  }
  return failed ? 'failed' : { rest: s.slice(j) };
}

/** Go's getEsc: one possibly escaped rune of a character class; undefined is ErrBadPattern. */
function readClassRune(chunk: string, at: number): { rune: number; next: number } | undefined {
  let i = at;
  if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') return undefined;
  if (chunk[i] === '\\') {
    i++;
    if (i >= chunk.length) return undefined;
  }
  const [rune, size] = decodeRune(chunk, i);
  if ((rune === RUNE_ERROR && size === 1) || i + size >= chunk.length) return undefined;
  return { rune, next: i + size };
}

/** Go's utf8.DecodeRuneInString at byte `i`: [rune, size], with (RuneError, 1) for invalid UTF-8 and (RuneError, 0) at the end. */
function decodeRune(s: string, i: number): [number, number] {
  if (i >= s.length) return [RUNE_ERROR, 0];
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const size = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
  if (size === 0) return [RUNE_ERROR, 1];
  // The second byte's range excludes overlong forms, surrogates and runes past U+10FFFF.
  const low = b0 === 0xe0 ? 0xa0 : b0 === 0xf0 ? 0x90 : 0x80;
  const high = b0 === 0xed ? 0x9f : b0 === 0xf4 ? 0x8f : 0xbf;
  let rune = b0 & (size === 2 ? 0x1f : size === 3 ? 0x0f : 0x07);
  for (let k = 1; k < size; k++) {
    const b = s.charCodeAt(i + k);
    const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
    if (!(b >= min && b <= max)) return [RUNE_ERROR, 1];
    rune = (rune << 6) | (b & 0x3f);
  }
  return [rune, size];
}
