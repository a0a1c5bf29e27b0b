/** IP parsing (engine/address.ts) and address classes (engine/address-space.ts). */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { parseIPv4, parseIPv6 } from '../../src/engine/address.js';
import { AddressSpace, CidrSet, NOT_AN_ADDRESS } from '../../src/engine/address-space.js';
import { cidr } from './builder.js';

function family(text: string): 4 | 6 | undefined {
  if (parseIPv4(text, new Float64Array(1))) return 4;
  return parseIPv6(text, new Uint8Array(16)) ? 6 : undefined;
}

describe('parsing', () => {
  it.each<[string, 4 | 6 | undefined]>([
    ['10.0.0.1', 4],
    ['255.255.255.255', 4],
    ['0.0.0.0', 4],
    ['256.0.0.1', undefined],
    ['10.0.0', undefined],
    ['10.0.0.1.2', undefined],
    ['10..0.1', undefined],
    ['1234.0.0.1', undefined],
    ['fd00::1', 6],
    ['::', 6],
    ['::ffff:10.0.0.1', 6],
    ['1:2:3:4:5:6:7:8', 6],
    ['1:2:3:4:5:6:7::', 6],
    ['fd00::g', undefined],
    ['1:::2', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['web-1', undefined],
    ['', undefined],
  ])('%s → family %s', (text, expected) => {
    expect(family(text)).toBe(expected);
  });

  it.each<[string, number]>([
    ['0.0.0.0', 0],
    ['10.0.0.1', 167772161],
    ['255.255.255.255', 4294967295],
  ])('%s is %d', (text, value) => {
    const out = new Float64Array(1);
    expect(parseIPv4(text, out)).toBe(true);
    expect(out[0]).toBe(value);
  });

  // The fast IPv6 path must accept exactly what ipaddr.js accepts, with the same bytes.
  const v6ish = fc.stringMatching(/^[0-9a-fA-F:.]{1,24}$/);
  it('IPv6 agrees with ipaddr.js', () => {
    fc.assert(
      fc.property(fc.oneof(v6ish, fc.ipV6(), fc.ipV4Extended()), (text) => {
        const out = new Uint8Array(16);
        const ok = parseIPv6(text, out);
        const valid = text.includes(':') && ipaddr.IPv6.isValid(text);
        expect(ok).toBe(valid);
        if (valid) expect([...out]).toEqual(ipaddr.IPv6.parse(text).toByteArray());
      }),
      { numRuns: 3000 },
    );
  });

  it.each([['::1.2.3.4'], ['::ffff:010.0.0.1'], ['fe80::1%eth0']])('%s reads as ipaddr.js reads it', (text) => {
    const out = new Uint8Array(16);
    expect(parseIPv6(text, out)).toBe(true);
    expect([...out]).toEqual(ipaddr.IPv6.parse(text).toByteArray());
  });
});

describe('address classes', () => {
  it.each<[string[], string, boolean]>([
    [['0.0.0.0/0'], '203.0.113.9', true],
    [['0.0.0.0/0'], '2001:db8::1', false],
    [['::/0'], '2001:db8::1', true],
    [['::/0'], '10.0.0.1', false],
    [['10.0.0.1/32'], '10.0.0.1', true],
    [['10.0.0.1/32'], '10.0.0.2', false],
    [['10.0.0.0/31'], '10.0.0.1', true],
    [['10.0.0.0/31'], '10.0.0.2', false],
    [['1.2.3.4/24'], '1.2.3.200', true],
    [['128.0.0.0/1'], '200.0.0.1', true],
    [['128.0.0.0/1'], '127.255.255.255', false],
    [['255.255.255.0/24'], '255.255.255.255', true],
    [['2001:db8::/33'], '2001:db8:7fff::1', true],
    [['2001:db8::/33'], '2001:db8:8000::1', false],
    [['2001:db8::1/128'], '2001:db8::1', true],
    [['192.0.2.0/24', '2001:db8::/32'], '2001:db8::5', true],
  ])('%j contains %s: %s', (nets, ip, expected) => {
    const cidrs = nets.map(cidr);
    const space = new AddressSpace(cidrs);
    const key = space.keyOfText(ip);
    expect(key).not.toBe(NOT_AN_ADDRESS);
    expect(new CidrSet(space, cidrs).containsClass(key - 1)).toBe(expected);
  });

  it('is empty only without CIDRs', () => {
    const space = new AddressSpace([cidr('::/0')]);
    expect(new CidrSet(space, []).isEmpty).toBe(true);
    expect(new CidrSet(space, [cidr('::/0')]).isEmpty).toBe(false);
  });

  it('gives addresses the same class exactly when the same CIDRs contain them', () => {
    const nets = ['10.0.0.0/8', '10.64.0.0/10', '10.64.5.0/24', '10.200.0.0/16', '0.0.0.0/0', 'fd00::/8', 'fd00:1::/32'];
    const cidrs = nets.map(cidr);
    const space = new AddressSpace(cidrs);
    const sets = cidrs.map((c) => new CidrSet(space, [c]));
    const octet = fc.integer({ min: 0, max: 255 });
    const v4 = fc.tuple(fc.constantFrom(10, 11, 200), fc.constantFrom(0, 64, 65, 200), octet, octet).map((p) => p.join('.'));
    const v6 = fc.constantFrom('fd00::1', 'fd00:1::7', 'fd00:2::', 'fe80::1', '::1');
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.oneof(v4, v6), (a, b) => {
        const ka = space.keyOfText(a);
        const kb = space.keyOfText(b);
        const inA = sets.map((s) => s.containsClass(ka - 1));
        const inB = sets.map((s) => s.containsClass(kb - 1));
        const truth = (ip: string) => cidrs.map((c) => ipaddr.parse(ip).kind() === (c.family === 4 ? 'ipv4' : 'ipv6') && ipaddr.parse(ip).match(ipaddr.parseCIDR(c.text)));
        expect(inA).toEqual(truth(a));
        expect(inB).toEqual(truth(b));
        expect(ka === kb).toBe(JSON.stringify(truth(a)) === JSON.stringify(truth(b)) && family(a) === family(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('keys own IPs by their classes, apart from flow IPs', () => {
    const space = new AddressSpace([cidr('10.0.0.0/8')]);
    const own = space.ownKey(['10.0.0.1/32']);
    expect(space.ownKey(['10.9.9.9'])).toBe(own);
    expect(own).not.toBe(space.keyOfText('10.0.0.1'));
    expect(space.ownClasses(space.ownKey(['10.0.0.1', 'fd00::1', '10.0.0.2']))).toHaveLength(2);
    expect(space.ownKey(['not-an-ip'])).toBe(0);
    expect(space.keyOfText('not-an-ip')).toBe(NOT_AN_ADDRESS);
  });
});
