import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// Cloud instance-metadata services: refused even when private targets are allowed, since they hand out credentials.
const METADATA = ['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254'].map((a) => ipaddr.parse(a).toString());

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Why an address may not be contacted, or undefined when it may: only public unicast, unless private targets are allowed. */
export function refusalFor(address: string, allowPrivate: boolean): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const ip = ipaddr.parse(address);
  const embedded = ip.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : undefined;
  // An IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4) is judged by both.
  for (const candidate of embedded ? [embedded, ip] : [ip]) {
    if (METADATA.includes(candidate.toString())) return 'a cloud metadata address';
    const range = candidate.range();
    if (range !== 'unicast' && !allowPrivate) return `a ${range} address`;
  }
  return undefined;
}

function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = ip.parts;
  const ipv4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address();
  if (parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7]! > 1)) return ipv4(parts[6]!, parts[7]!); // ::a.b.c.d
  if (ip.range() === 'rfc6052') return ipv4(parts[6]!, parts[7]!); // 64:ff9b::a.b.c.d
  if (ip.range() === '6to4') return ipv4(parts[1]!, parts[2]!); // 2002:AABB:CCDD::
  return undefined;
}

export class GuardRefusal extends Error {}

// What a resolver's failure may say of itself: its code, when it is one of these; never its message.
const RESOLUTION_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL', 'ETIMEOUT', 'EREFUSED']);

/**
 * The name could not be resolved, in our words only: a resolver's own message can name the resolver,
 * its addresses or search domains, none of which is the caller's to read.
 */
export class ResolutionFailure extends Error {
  constructor(hostname: string, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const known = typeof code === 'string' && RESOLUTION_CODES.has(code) ? ` (${code})` : '';
    super(`the registry host ${hostname} could not be resolved${known}`);
  }
}

/**
 * The addresses of `hostname` regcred may connect to, after resolution: a name with any refused
 * address is refused whole (so a name cannot slip a private address in beside a public one).
 * @throws GuardRefusal, ResolutionFailure
 */
export async function resolveGuarded(hostname: string, allowPrivate: boolean, resolve: Resolve): Promise<ResolvedAddress> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare) ? [{ address: bare, family: isIP(bare) as 4 | 6 }] : await resolved(bare, resolve);
  if (addresses.length === 0) throw new ResolutionFailure(hostname, { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const refusal = refusalFor(address, allowPrivate);
    if (!refusal) continue;
    // The resolved address itself is not told: callers could otherwise map internal names to addresses.
    const what = isIP(bare) ? hostname : `${hostname} resolves to an address that`;
    const hint = refusal.includes('metadata') ? '' : ' (REGCRED_VERIFY_ALLOW_PRIVATE=true allows private targets)';
    throw new GuardRefusal(`${what} is ${refusal}; regcred does not send requests there${hint}`);
  }
  return addresses[0]!;
}

async function resolved(hostname: string, resolve: Resolve): Promise<ResolvedAddress[]> {
  try {
    return await resolve(hostname);
  } catch (error) {
    throw new ResolutionFailure(hostname, error);
  }
}
