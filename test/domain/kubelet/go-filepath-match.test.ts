import { describe, it, expect } from 'vitest';
import { goFilepathMatch, type GoMatchOutcome } from '../../../src/domain/kubelet/go-filepath-match.js';
import { toGoString } from '../../../src/domain/kubelet/go-url.js';

const match = (pattern: string, name: string) => goFilepathMatch(toGoString(pattern), toGoString(name));

// Go's own table (src/path/filepath/match_test.go, matchTests), case for case: true is a match,
// false no match, and ErrBadPattern a malformed pattern.
const goMatchTests: [string, string, GoMatchOutcome][] = [
  ['abc', 'abc', 'match'],
  ['*', 'abc', 'match'],
  ['*c', 'abc', 'match'],
  ['a*', 'a', 'match'],
  ['a*', 'abc', 'match'],
  ['a*', 'ab/c', 'no-match'],
  ['a*/b', 'abc/b', 'match'],
  ['a*/b', 'a/c/b', 'no-match'],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', 'match'],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', 'match'],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', 'no-match'],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', 'no-match'],
  ['a*b?c*x', 'abxbbxdbxebxczzx', 'match'],
  ['a*b?c*x', 'abxbbxdbxebxczzy', 'no-match'],
  ['ab[c]', 'abc', 'match'],
  ['ab[b-d]', 'abc', 'match'],
  ['ab[e-g]', 'abc', 'no-match'],
  ['ab[^c]', 'abc', 'no-match'],
  ['ab[^b-d]', 'abc', 'no-match'],
  ['ab[^e-g]', 'abc', 'match'],
  ['a\\*b', 'a*b', 'match'],
  ['a\\*b', 'ab', 'no-match'],
  ['a?b', 'a☺b', 'match'],
  ['a[^a]b', 'a☺b', 'match'],
  ['a???b', 'a☺b', 'no-match'],
  ['a[^a][^a][^a]b', 'a☺b', 'no-match'],
  ['[a-ζ]*', 'α', 'match'],
  ['*[a-ζ]', 'A', 'no-match'],
  ['a?b', 'a/b', 'no-match'],
  ['a*b', 'a/b', 'no-match'],
  ['[\\]a]', ']', 'match'],
  ['[\\-]', '-', 'match'],
  ['[x\\-]', 'x', 'match'],
  ['[x\\-]', '-', 'match'],
  ['[x\\-]', 'z', 'no-match'],
  ['[\\-x]', 'x', 'match'],
  ['[\\-x]', '-', 'match'],
  ['[\\-x]', 'a', 'no-match'],
  ['[]a]', ']', 'bad-pattern'],
  ['[-]', '-', 'bad-pattern'],
  ['[x-]', 'x', 'bad-pattern'],
  ['[x-]', '-', 'bad-pattern'],
  ['[x-]', 'z', 'bad-pattern'],
  ['[-x]', 'x', 'bad-pattern'],
  ['[-x]', '-', 'bad-pattern'],
  ['[-x]', 'a', 'bad-pattern'],
  ['\\', 'a', 'bad-pattern'],
  ['[a-b-c]', 'a', 'bad-pattern'],
  ['[', 'a', 'bad-pattern'],
  ['[^', 'a', 'bad-pattern'],
  ['[^bc', 'a', 'bad-pattern'],
  ['a[', 'a', 'bad-pattern'],
  ['a[', 'ab', 'bad-pattern'],
  ['a[', 'x', 'bad-pattern'],
  ['a/b[', 'x', 'bad-pattern'],
  ['*x', 'xxx', 'match'],
];

describe("goFilepathMatch: Go's TestMatch table", () => {
  it.each(goMatchTests)('Match(%j, %j) is %s', (pattern, name, outcome) => {
    expect(match(pattern, name)).toBe(outcome);
  });
});

describe('goFilepathMatch: what registry keys rely on', () => {
  it('when the pattern has no wildcard, then the match is exact and case-sensitive', () => {
    expect(match('registry', 'registry')).toBe('match');
    expect(match('registry', 'Registry')).toBe('no-match');
    expect(match('reg', 'registry')).toBe('no-match');
  });

  it('when a star stands alone, then it matches any label, the empty one too', () => {
    expect(match('*', 'team-a')).toBe('match');
    expect(match('*', '')).toBe('match');
  });

  it('when a pattern is malformed, then it is a bad pattern whatever the name, as Go reports it', () => {
    expect(match('reg[', '')).toBe('bad-pattern');
    expect(match('x*[', 'y')).toBe('bad-pattern');
    expect(match('ab\\', 'zz')).toBe('bad-pattern');
  });

  it('when a star in a character class is written, then it is a literal, not a wildcard', () => {
    expect(match('[*]', '*')).toBe('match');
    expect(match('[*]', 'a')).toBe('no-match');
  });

  it('when the name is not valid UTF-8, then "?" takes one byte, as in Go', () => {
    expect(goFilepathMatch('a?b', 'a\u00ffb')).toBe('match');
    expect(goFilepathMatch('a[^x]b', 'a\u00ffb')).toBe('match');
  });

  it('when a character class holds a byte that is not UTF-8, then the pattern is bad', () => {
    expect(goFilepathMatch('[\u00ff]', 'a')).toBe('bad-pattern');
  });
});
