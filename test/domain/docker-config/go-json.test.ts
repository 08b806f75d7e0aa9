import { describe, it, expect } from 'vitest';
import { compareGoStrings, encodeGoJsonString, goMap, goStruct, marshalGoJson } from '../../../src/domain/docker-config/go-json.js';

describe('encodeGoJsonString', () => {
  it('when the string needs no escaping, then it is only quoted', () => {
    expect(encodeGoJsonString('registry.example.com:5000/path')).toBe('"registry.example.com:5000/path"');
  });

  it('when the string holds a quote or a backslash, then they are backslash-escaped', () => {
    expect(encodeGoJsonString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('when the string holds <, > or &, then they are written as lower-case \\u escapes (Go escapes HTML)', () => {
    expect(encodeGoJsonString('<a>&')).toBe('"\\u003ca\\u003e\\u0026"');
  });

  it('when the string holds \\b \\f \\n \\r \\t, then they take their short forms as Go 1.22+ writes them', () => {
    expect(encodeGoJsonString('\b\f\n\r\t')).toBe('"\\b\\f\\n\\r\\t"');
  });

  it('when the string holds other control characters, then they are \\u00xx with lower-case hex', () => {
    expect(encodeGoJsonString('\u0000\u0001\u000b\u001f')).toBe('"\\u0000\\u0001\\u000b\\u001f"');
  });

  it('when the string holds DEL, then it is written raw, as Go does', () => {
    expect(encodeGoJsonString('\u007f')).toBe('"\u007f"');
  });

  it('when the string holds U+2028 or U+2029, then they are escaped', () => {
    expect(encodeGoJsonString('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"');
  });

  it('when the string holds other non-ASCII characters, including emoji, then they are written raw', () => {
    expect(encodeGoJsonString('pässwörd 🔑 中文 \u00a0')).toBe('"pässwörd 🔑 中文 \u00a0"');
  });

  it('when the string holds a lone surrogate, then it becomes a raw U+FFFD, as Node hands it to Go', () => {
    expect(encodeGoJsonString('a\ud800b\udc00c')).toBe('"a\ufffdb\ufffdc"');
  });

  it('when the string holds a valid surrogate pair, then it is kept', () => {
    expect(encodeGoJsonString('\ud83d\udd11')).toBe('"🔑"');
  });

  it('then its result always parses back to the well-formed input', () => {
    const input = '"\\<>&\u2028\u2029\u0000\u001f\b\f\n\r\t🔑 é';
    expect(JSON.parse(encodeGoJsonString(input))).toBe(input);
  });
});

describe('compareGoStrings', () => {
  it('orders by UTF-8 bytes, so a character above U+FFFF sorts after U+FFFD (UTF-16 order would differ)', () => {
    const keys = ['🔑', '\ufffd', 'a'];
    expect([...keys].sort(compareGoStrings)).toEqual(['a', '\ufffd', '🔑']);
    expect([...keys].sort()).toEqual(['a', '🔑', '\ufffd']);
  });

  it('orders upper case before lower case and a prefix before its extensions', () => {
    expect(['b', 'B', 'ab', 'a'].sort(compareGoStrings)).toEqual(['B', 'a', 'ab', 'b']);
  });
});

describe('marshalGoJson', () => {
  it('when given a struct, then fields keep their declared order and undefined ones are left out', () => {
    expect(marshalGoJson(goStruct({ z: '1', skipped: undefined, a: '2' }))).toBe('{"z":"1","a":"2"}');
  });

  it('when given a map, then keys are sorted byte-wise, including integer-like keys', () => {
    expect(marshalGoJson(goMap({ b: '1', '10': '2', A: '3', '9': '4' }))).toBe('{"10":"2","9":"4","A":"3","b":"1"}');
  });

  it('when keys need escaping, then they are escaped like values', () => {
    expect(marshalGoJson(goMap({ '<k>': 'v&' }))).toBe('{"\\u003ck\\u003e":"v\\u0026"}');
  });

  it('when objects nest, then the output is compact, without spaces or a trailing newline', () => {
    expect(marshalGoJson(goStruct({ outer: goMap({ k: goStruct({ v: 'x' }) }) }))).toBe('{"outer":{"k":{"v":"x"}}}');
  });

  it('when a map is empty, then it is {}', () => {
    expect(marshalGoJson(goMap({}))).toBe('{}');
  });
});
