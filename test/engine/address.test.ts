/** IP parsing and CIDR containment (engine/address.ts). */
import { describe, expect, it } from 'vitest';
import { CidrSet, parseAddress } from '../../src/engine/address.js';
import { cidr } from './builder.js';

describe('parseAddress', () => {
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
    ['fd00::g', undefined],
    ['web-1', undefined],
    ['', undefined],
  ])('%s → family %s', (text, family) => {
    expect(parseAddress(text)?.family).toBe(family);
  });
});

describe('CidrSet', () => {
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
    [['2001:db8::/33'], '2001:db8:7fff::1', true],
    [['2001:db8::/33'], '2001:db8:8000::1', false],
    [['2001:db8::1/128'], '2001:db8::1', true],
    [['192.0.2.0/24', '2001:db8::/32'], '2001:db8::5', true],
  ])('%j contains %s: %s', (nets, ip, expected) => {
    const a = parseAddress(ip);
    expect(a).toBeDefined();
    expect(new CidrSet(nets.map(cidr)).contains(a!)).toBe(expected);
  });

  it('is empty only without CIDRs', () => {
    expect(new CidrSet([]).isEmpty).toBe(true);
    expect(new CidrSet([cidr('::/0')]).isEmpty).toBe(false);
  });
});
