// The part of Go's net/url.Parse and net.SplitHostPort the kubelet's keyring relies on, reproduced
// rule by rule (Go 1.24.8 / 1.25.2 and later, which accept only IPv6 addresses in brackets).
// WHATWG `URL` is no substitute: it lower-cases hosts, resolves dots and accepts what Go refuses.
//
// Strings here are Go strings: one JS character per byte. toGoString and fromGoString convert.

import { Buffer } from 'node:buffer';

export interface GoUrl {
  scheme: string;
  /** Set for `scheme:rest` without "//" (Go's rootless, opaque form). */
  opaque: string;
  /** The userinfo's username; its password is deliberately not kept. */
  username?: string;
  /** host[:port], percent-decoded, as Go's URL.Host. */
  host: string;
  /** Percent-decoded, as Go's URL.Path. */
  path: string;
  rawQuery: string;
  fragment: string;
}

export type GoUrlResult = { ok: true; url: GoUrl } | { ok: false; error: string };

/** `text` as Go holds it: its UTF-8 bytes, one character each. */
export function toGoString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A Go string back as text; bytes that are not UTF-8 become U+FFFD. */
export function fromGoString(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Go's url.Parse(raw); `error` is the reason Go gives, without the "parse <url>:" prefix. */
export function parseGoUrl(raw: string): GoUrlResult {
  const hash = raw.indexOf('#');
  const parsed = parseWithoutFragment(hash < 0 ? raw : raw.slice(0, hash));
  if (!parsed.ok || hash < 0) return parsed;
  const fragment = unescape(raw.slice(hash + 1), 'fragment');
  return fragment.ok ? { ok: true, url: { ...parsed.url, fragment: fragment.value } } : fragment;
}

function parseWithoutFragment(raw: string): GoUrlResult {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return fail('net/url: invalid control character in URL');
  const url: GoUrl = { scheme: '', opaque: '', host: '', path: '', rawQuery: '', fragment: '' };
  if (raw === '*') return { ok: true, url: { ...url, path: '*' } };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw);
  if (raw.startsWith(':')) return fail('missing protocol scheme');
  url.scheme = scheme ? scheme[1].toLowerCase() : '';
  let rest = scheme ? raw.slice(scheme[0].length) : raw;

  const question = rest.indexOf('?');
  if (question === rest.length - 1) {
    rest = rest.slice(0, -1); // ForceQuery: a lone trailing "?"
  } else if (question >= 0) {
    url.rawQuery = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }

  if (!rest.startsWith('/')) {
    if (url.scheme !== '') return { ok: true, url: { ...url, opaque: rest } };
    if (rest.split('/')[0].includes(':')) return fail('first path segment in URL cannot contain colon');
  }
  if (rest.startsWith('//') && (url.scheme !== '' || !rest.startsWith('///'))) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    const host = parseHost(authority.slice(at + 1));
    if (!host.ok) return host;
    url.host = host.value;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return fail('net/url: invalid userinfo');
      const colon = userinfo.indexOf(':');
      const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), 'userinfo');
      if (!username.ok) return username;
      if (colon >= 0) {
        const password = unescape(userinfo.slice(colon + 1), 'userinfo');
        if (!password.ok) return password;
      }
      url.username = username.value;
    }
  }
  const path = unescape(rest, 'path');
  if (!path.ok) return path;
  return { ok: true, url: { ...url, path: path.value } };
}

type Decoded = { ok: true; value: string } | { ok: false; error: string };

/** Go's parseHost: host[:port], an IP literal in brackets, percent-escapes only for non-ASCII bytes. */
function parseHost(host: string): Decoded {
  const open = host.lastIndexOf('[');
  if (open >= 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) return fail("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!isOptionalPort(colonPort)) return fail(`invalid port ${goQuote(colonPort)} after host`);
    const port = unescape(colonPort, 'host');
    if (!port.ok) return port;
    // Go reads the literal from after the last "[" to the last "]"; anything before the "[" is lost.
    const hostname = host.slice(open + 1, close);
    const zone = hostname.indexOf('%25');
    const address = unescape(zone < 0 ? hostname : hostname.slice(0, zone), 'host');
    if (!address.ok) return address;
    const zoneId = zone < 0 ? { ok: true as const, value: '' } : unescape(hostname.slice(zone), 'zone');
    if (!zoneId.ok) return zoneId;
    const literal = address.value + zoneId.value;
    const problem = ipLiteralProblem(literal);
    return problem ? fail(problem) : { ok: true, value: `[${literal}]${port.value}` };
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !isOptionalPort(host.slice(colon))) return fail(`invalid port ${goQuote(host.slice(colon))} after host`);
  return unescape(host, 'host');
}

/** "" or ":" followed by digits only. */
function isOptionalPort(colonPort: string): boolean {
  return /^(?::[0-9]*)?$/.test(colonPort);
}

type Mode = 'path' | 'host' | 'zone' | 'userinfo' | 'fragment';

function unescape(s: string, mode: Mode): Decoded {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return fail(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      const byte = parseInt(hex, 16);
      // In a host, escapes may only spell non-ASCII bytes (and %25, for an IPv6 zone).
      if (mode === 'host' && byte < 0x80 && hex !== '25') return fail(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      // A zone may escape only what it could spell directly (or a space, which Windows puts there).
      if (mode === 'zone' && hex !== '25' && byte !== 0x20 && !isHostByte(byte)) {
        return fail(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      out += String.fromCharCode(byte);
      i += 2;
    } else {
      if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && !isHostByte(c.charCodeAt(0))) {
        return fail(`invalid character ${goQuote(c)} in host name`);
      }
      out += c;
    }
  }
  return { ok: true, value: out };
}

/** The ASCII bytes Go's shouldEscape leaves alone in a host. */
function isHostByte(byte: number): boolean {
  return /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(String.fromCharCode(byte));
}

/** Why netip.ParseAddr refuses a bracketed host, or undefined for an IPv6 address (with an optional zone). */
function ipLiteralProblem(literal: string): string | undefined {
  const first = /[.:%]/.exec(literal)?.[0];
  if (first === '.') return IPV4.test(literal) ? 'invalid IP-literal' : `invalid host: ParseAddr(${goQuote(literal)}): not an IP address`;
  if (first === ':' && isIPv6(literal)) return undefined;
  return `invalid host: ParseAddr(${goQuote(literal)}): not an IPv6 address`;
}

const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);

function isIPv6(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent === text.length - 1) return false; // an explicit zone must not be empty
  const halves = (percent < 0 ? text : text.slice(0, percent)).split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  let fields = 0;
  if (groups.at(-1)?.includes('.')) {
    if (!IPV4.test(groups.pop()!)) return false;
    fields = 2;
  }
  if (!groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  fields += groups.length;
  // "::" must stand for at least one group of zeros.
  return halves.length === 2 ? fields <= 7 : fields === 8;
}

/** Go's net.SplitHostPort; the kubelet falls back to (whole, "") on its error. */
export function splitGoHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return { error: 'missing port in address' };
  let host: string;
  let from = 0;
  let after = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return { error: "missing ']' in address" };
    if (end + 1 !== colon) {
      return { error: end + 1 < hostport.length && hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address' };
    }
    host = hostport.slice(1, end);
    from = 1;
    after = end + 1;
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(':')) return { error: 'too many colons in address' };
  }
  if (hostport.indexOf('[', from) >= 0) return { error: "unexpected '[' in address" };
  if (hostport.indexOf(']', after) >= 0) return { error: "unexpected ']' in address" };
  return { host, port: hostport.slice(colon + 1) };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** Close to Go's %q for the short pieces quoted in error messages. */
function goQuote(bytes: string): string {
  return JSON.stringify(fromGoString(bytes));
}
