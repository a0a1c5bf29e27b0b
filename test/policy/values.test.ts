/**
 * Value parsers shared by the converters: CIDRs, Calico ports and SimplifyPorts, protocols.
 */
import { describe, expect, test } from 'vitest';
import { parseCidr, type CidrStrictness } from '../../src/policy/cidr.js';
import { parseCalicoPort, simplifyPorts } from '../../src/policy/ports.js';
import { parseCalicoProtocol } from '../../src/policy/protocol.js';

describe('parseCidr', () => {
  test.each<[string, CidrStrictness, string, 4 | 6, number[]]>([
    ['10.0.0.0/8', 'rule', '10.0.0.0/8', 4, [10, 0, 0, 0]],
    ['0.0.0.0/0', 'rule', '0.0.0.0/0', 4, [0, 0, 0, 0]],
    ['192.0.2.7/32', 'rule', '192.0.2.7/32', 4, [192, 0, 2, 7]],
    ['10.0.0.1/8', 'masked', '10.0.0.0/8', 4, [10, 0, 0, 0]],
    ['10.0.0.1', 'set', '10.0.0.1/32', 4, [10, 0, 0, 1]],
    ['2001:DB8::1', 'set', '2001:db8::1/128', 6, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['2001:db8:0:0:1::/80', 'rule', '2001:db8:0:0:1::/80', 6, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]],
    ['::ffff:10.0.0.0/104', 'rule', '10.0.0.0/8', 4, [10, 0, 0, 0]],
    ['::ffff:192.0.2.1', 'set', '192.0.2.1/32', 4, [192, 0, 2, 1]],
    ['::ffff:0:0/95', 'masked', '::fffe:0:0/95', 6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0, 0]],
  ])('%s (%s) → %s', (text, strictness, canonical, family, bytes) => {
    const parsed = parseCidr(text, strictness);
    expect(parsed.ok && { ...parsed.cidr, bytes: [...parsed.cidr.bytes] }).toEqual({ text: canonical, family, bytes, prefix: Number(canonical.split('/')[1]) });
  });

  test.each<[string, CidrStrictness]>([
    ['10.0.0.1', 'rule'],
    ['10.0.0.1', 'masked'],
    ['10.0.0.1/24', 'rule'],
    ['10.0.0.0/33', 'masked'],
    ['10.0.0.0/-1', 'masked'],
    ['10.0.0/24', 'set'],
    ['010.0.0.0/8', 'set'],
    ['fe80::1%eth0/64', 'set'],
    ['garbage', 'set'],
    ['::/129', 'rule'],
    ['', 'set'],
  ])('%s (%s) is rejected', (text, strictness) => {
    expect(parseCidr(text, strictness).ok).toBe(false);
  });
});

describe('parseCalicoPort', () => {
  test.each([
    [80, { kind: 'range', min: 80, max: 80 }],
    ['80', { kind: 'range', min: 80, max: 80 }],
    [65535, { kind: 'range', min: 65535, max: 65535 }],
    ['1:65535', { kind: 'range', min: 1, max: 65535 }],
    ['7:7', { kind: 'range', min: 7, max: 7 }],
    ['http', { kind: 'named', name: 'http' }],
    ['my_port.v-2', { kind: 'named', name: 'my_port.v-2' }],
  ])('%j', (value, port) => {
    expect(parseCalicoPort(value)).toEqual({ ok: true, port });
  });

  test.each([0, '0', 65536, '65536', '0:10', '10:0', '10:70000', -1, 1.5, '', 'a b', 'x'.repeat(129), true, null])('%j is rejected', (value) => {
    expect(parseCalicoPort(value).ok).toBe(false);
  });
});

describe('simplifyPorts (Calico SimplifyPorts)', () => {
  const r = (min: number, max = min) => ({ kind: 'range' as const, min, max });
  const n = (name: string) => ({ kind: 'named' as const, name });
  test.each([
    ['a single port is kept', [r(80)], [r(80)]],
    ['one numeric among names is kept as written', [n('b'), r(80), n('a')], [n('b'), r(80), n('a')]],
    ['adjacent ports merge, sorted, names first', [r(82), n('dns'), r(80), r(81), r(90)], [n('dns'), r(80, 82), r(90)]],
    ['overlapping ranges and duplicates merge', [r(10, 20), r(15, 30), r(30), r(31)], [r(10, 31)]],
  ])('%s', (_name, input, output) => {
    expect(simplifyPorts(input)).toEqual(output);
  });
});

describe('parseCalicoProtocol', () => {
  test.each([
    ['TCP', 6],
    ['UDPLite', 136],
    [6, 6],
    ['58', 58],
  ])('%j → %i', (value, protocol) => {
    expect(parseCalicoProtocol(value)).toEqual({ ok: true, protocol });
  });

  test.each([
    ['tcp', 'unknown protocol "tcp"; expected "TCP" (names are case-sensitive)'],
    ['GRE', 'unknown protocol "GRE"; expected TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1-255'],
    [0, 'protocol number 0 is outside 1-255'],
    ['300', 'protocol number 300 is outside 1-255'],
  ])('%j is rejected', (value, reason) => {
    expect(parseCalicoProtocol(value)).toEqual({ ok: false, reason });
  });
});
