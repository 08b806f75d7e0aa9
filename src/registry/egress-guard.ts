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
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA.includes(ip.toString())) return 'a cloud metadata address';
  const range = ip.range();
  if (range === 'unicast' || allowPrivate) return undefined;
  return `a ${range} address`;
}

export class GuardRefusal extends Error {}

/**
 * The addresses of `hostname` regcred may connect to, after resolution: a name with any refused
 * address is refused whole (so a name cannot slip a private address in beside a public one).
 * @throws GuardRefusal
 */
export async function resolveGuarded(hostname: string, allowPrivate: boolean, resolve: Resolve): Promise<ResolvedAddress> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare) ? [{ address: bare, family: isIP(bare) as 4 | 6 }] : await resolve(bare);
  if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const refusal = refusalFor(address, allowPrivate);
    if (!refusal) continue;
    const what = isIP(bare) ? hostname : `${hostname} resolves to ${address}, which`;
    const hint = refusal.includes('metadata') ? '' : ' (REGCRED_VERIFY_ALLOW_PRIVATE=true allows private targets)';
    throw new GuardRefusal(`${what} is ${refusal}; regcred does not send requests there${hint}`);
  }
  return addresses[0]!;
}
