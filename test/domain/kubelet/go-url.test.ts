import { describe, it, expect } from 'vitest';
import { fromGoString, parseGoUrl, splitGoHostPort, toGoString, type GoUrl } from '../../../src/domain/kubelet/go-url.js';

const parse = (raw: string) => parseGoUrl(toGoString(raw));
const urlOf = (raw: string): GoUrl => {
  const result = parse(raw);
  if (!result.ok) throw new Error(`expected ${raw} to parse, got: ${result.error}`);
  return result.url;
};
const errorOf = (raw: string) => {
  const result = parse(raw);
  return result.ok ? undefined : result.error;
};

describe('parseGoUrl: what Go keeps', () => {
  it('when a URL has host, path, query and fragment, then each lands where Go puts it', () => {
    expect(urlOf('https://registry.example.com:5000/team/app?x=1#frag')).toEqual({
      scheme: 'https',
      opaque: '',
      host: 'registry.example.com:5000',
      path: '/team/app',
      rawQuery: 'x=1',
      fragment: 'frag',
    });
  });

  it('when the host has upper-case letters, then they are kept (WHATWG URL would lower-case them)', () => {
    expect(urlOf('https://Registry.Example.COM/x').host).toBe('Registry.Example.COM');
  });

  it('when the scheme has upper-case letters, then only the scheme is lower-cased', () => {
    expect(urlOf('HTTPS://Reg.io').scheme).toBe('https');
  });

  it('when the path is percent-encoded, then it is decoded, "%2F" to a slash too', () => {
    expect(urlOf('https://reg.io/a%2Fb%20c').path).toBe('/a/b c');
  });

  it('when a host escapes non-ASCII bytes, then they are decoded', () => {
    expect(fromGoString(urlOf('https://r%C3%A9g.io').host)).toBe('rég.io');
  });

  it('when a "?" comes before any "/", then it ends the host', () => {
    expect(urlOf('https://reg?.example.com')).toMatchObject({ host: 'reg', path: '', rawQuery: '.example.com' });
  });

  it('when the URL ends with a lone "?", then the query is empty and the path kept', () => {
    expect(urlOf('https://reg.io/a?')).toMatchObject({ path: '/a', rawQuery: '' });
  });

  it('when the port is empty, then Go accepts it', () => {
    expect(urlOf('https://reg.io:').host).toBe('reg.io:');
  });

  it('when the host has two ports, then Go checks only what follows the last colon, and accepts it', () => {
    expect(urlOf('https://reg.io:5000:6000').host).toBe('reg.io:5000:6000');
  });

  it('when there is userinfo, then the host is after the last "@" and the password is not kept', () => {
    const url = urlOf('https://jane:s3cr3t@me@reg.io/x');

    expect(url).toMatchObject({ host: 'reg.io', username: 'jane', path: '/x' });
    expect(JSON.stringify(url)).not.toContain('s3cr3t');
  });

  it('when the host is an IPv6 literal, then it keeps its brackets and port, and a %25 zone is decoded', () => {
    expect(urlOf('https://[::1]:5000/x').host).toBe('[::1]:5000');
    expect(urlOf('https://[fe80::1%25en0]/').host).toBe('[fe80::1%en0]');
  });

  it('when text comes before "[", then Go reads only the bracketed address', () => {
    expect(urlOf('https://a[::1]').host).toBe('[::1]');
  });

  it('when there is no "//" after the scheme, then the rest is opaque and there is no host', () => {
    expect(urlOf('https:reg.io/x')).toMatchObject({ opaque: 'reg.io/x', host: '', path: '' });
  });

  it('when the URL is "*", then it is the path "*"', () => {
    expect(urlOf('*').path).toBe('*');
  });

  it('when a control character is only in the fragment, then Go accepts it', () => {
    expect(urlOf('https://reg.io#a\tb').fragment).toBe('a\tb');
  });
});

describe('parseGoUrl: what Go refuses', () => {
  it.each([
    ['https://reg.io:abc', 'invalid port ":abc" after host'],
    ['https://reg.io/%zz', 'invalid URL escape "%zz"'],
    ['https://reg.io/a%4', 'invalid URL escape "%4"'],
    ['https://reg.io#%zz', 'invalid URL escape "%zz"'],
    ['https://reg%2eio', 'invalid URL escape "%2e"'],
    ['https://reg io', 'invalid character " " in host name'],
    ['https://reg\\io', 'invalid character "\\\\" in host name'],
    ['https://reg^io', 'invalid character "^" in host name'],
    ['https://reg.io/\n', 'net/url: invalid control character in URL'],
    ['https://us er@reg.io', 'net/url: invalid userinfo'],
    ['https://[::1', "missing ']' in host"],
    ['https://[::1]x', 'invalid port "x" after host'],
    ['https://[1.2.3.4]', 'invalid IP-literal'],
    ['https://reg[0-9].io', 'invalid port ".io" after host'],
    [':reg.io', 'missing protocol scheme'],
    ['1a:b', 'first path segment in URL cannot contain colon'],
  ])('when given %j, then Go says: %s', (raw, error) => {
    expect(errorOf(raw)).toBe(error);
  });

  it.each([
    'https://[reg]',
    'https://[::1%25]',
    'https://[1::2::3]',
    'https://[1:2:3:4:5:6:7:8::]',
    'https://[12345::1]',
    'https://[fe80::1%en0]',
  ])('when the bracketed host %j is not an IPv6 address, then Go refuses it', (raw) => {
    expect(errorOf(raw)).toBeDefined();
  });

  it.each([
    'https://[::]',
    'https://[1:2:3:4:5:6:7::]',
    'https://[::ffff:192.0.2.1]',
    'https://[1:2:3:4:5:6:192.0.2.1]',
    'https://[FE80::A]:443',
  ])('when the bracketed host %j is an IPv6 address, then Go accepts it', (raw) => {
    expect(errorOf(raw)).toBeUndefined();
  });
});

describe("splitGoHostPort: Go's net.SplitHostPort", () => {
  it.each([
    ['localhost:80', { host: 'localhost', port: '80' }],
    ['[::1]:80', { host: '::1', port: '80' }],
    ['reg.io:', { host: 'reg.io', port: '' }],
    ['reg.io', { error: 'missing port in address' }],
    ['[::1]', { error: 'missing port in address' }],
    ['[::1]80', { error: 'missing port in address' }],
    ['[::1', { error: "missing ']' in address" }],
    ['a:b:c', { error: 'too many colons in address' }],
    ['[a:b]:c:d', { error: 'too many colons in address' }],
    ['reg[0-9]:80', { error: "unexpected '[' in address" }],
    ['reg]:80', { error: "unexpected ']' in address" }],
  ])('SplitHostPort(%j) gives %j', (hostport, expected) => {
    expect(splitGoHostPort(hostport)).toEqual(expected);
  });
});
