import { describe, expect, it } from 'vitest';
import { GuardRefusal, refusalFor, resolveGuarded } from '../../src/registry/egress-guard.js';

describe('the egress guard', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['169.254.10.10', 'a linkLocal address'],
    ['fe80::1', 'a linkLocal address'],
    ['fd12::1', 'a uniqueLocal address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['0.0.0.0', 'a unspecified address'],
    ['100.64.0.1', 'a carrierGradeNat address'],
  ])('refuses %s by default (%s)', (address, reason) => {
    expect(refusalFor(address, false)).toBe(reason);
  });

  it.each([
    ['::7f00:1', 'a loopback address'],
    ['64:ff9b::a9fe:a9fe', 'a cloud metadata address'],
    ['2002:a9fe:a9fe::', 'a cloud metadata address'],
    ['2002:0a00:0001::', 'a private address'],
  ])('refuses %s, an IPv6 address carrying a refused IPv4 one (%s)', (address, reason) => {
    expect(refusalFor(address, false)).toBe(reason);
  });

  it('when private targets are allowed, then an IPv6 address carrying the metadata address stays refused', () => {
    expect(refusalFor('64:ff9b::a9fe:a9fe', true)).toBe('a cloud metadata address');
    expect(refusalFor('::ffff:169.254.169.254', true)).toBe('a cloud metadata address');
  });

  it.each(['8.8.8.8', '140.82.112.3', '2606:4700::1111'])('allows the public address %s', (address) => {
    expect(refusalFor(address, false)).toBeUndefined();
  });

  it('when private targets are allowed, then loopback and private pass but metadata addresses stay refused', () => {
    expect(refusalFor('127.0.0.1', true)).toBeUndefined();
    expect(refusalFor('10.0.0.1', true)).toBeUndefined();
    expect(refusalFor('169.254.169.254', true)).toBe('a cloud metadata address');
    expect(refusalFor('fd00:ec2::254', true)).toBe('a cloud metadata address');
  });

  it('when a name resolves to the metadata address, then it is refused after resolution', async () => {
    const resolve = async () => [{ address: '169.254.169.254', family: 4 as const }];
    await expect(resolveGuarded('metadata.attacker.example', true, resolve)).rejects.toThrow(GuardRefusal);
    await expect(resolveGuarded('metadata.attacker.example', true, resolve)).rejects.toThrow(
      'metadata.attacker.example resolves to an address that is a cloud metadata address',
    );
  });

  it('when a name resolves to a public and a private address, then it is refused whole', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 as const },
      { address: '10.0.0.7', family: 4 as const },
    ];
    const refusal = await resolveGuarded('mixed.example', false, resolve).catch((error: Error) => error.message);
    expect(refusal).toContain('mixed.example resolves to an address that is a private address');
    // The address itself is not told: /v1/verify must not work as an internal DNS lookup.
    expect(refusal).not.toContain('10.0.0.7');
  });

  it('when a name resolves only to public addresses, then the first is used', async () => {
    const resolve = async () => [{ address: '93.184.216.34', family: 4 as const }];
    expect(await resolveGuarded('registry.example', false, resolve)).toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('IP literals are vetted without resolution', async () => {
    const resolve = async () => {
      throw new Error('must not resolve');
    };
    await expect(resolveGuarded('127.0.0.1', false, resolve)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    await expect(resolveGuarded('[::1]', false, resolve)).rejects.toThrow(GuardRefusal);
  });
});
