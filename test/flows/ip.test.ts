import { describe, expect, it } from 'vitest';
import { ipv4Number, ipv4NumberOfBytes } from '../../src/flows/ip.js';

describe('ipv4Number and ipv4NumberOfBytes', () => {
  it.each([
    ['10.0.0.1', 0x0a000001],
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['198.18.207.74', 0xc612cf4a],
    ['010.0.0.1', -1],
    ['10.0.0', -1],
    ['10.0.0.1.2', -1],
    ['10.0.0.256', -1],
    ['10..0.1', -1],
    ['fd00::1', -1],
    ['', -1],
    // Characters whose low byte is a digit or a dot: not an address, whatever a byte of them would say.
    ['10.0.0\u012e1', -1],
    ['10.0.0.\u0131', -1],
  ])('read %s as %d', (text, expected) => {
    expect(ipv4Number(text)).toBe(expected);
    const bytes = Buffer.from(`"${text}"`);
    expect(ipv4NumberOfBytes(bytes, 1, bytes.length - 1)).toBe(expected);
  });

  it('read 100,000 drawn texts of 3 to 5 groups of 0 to 4 digits as the definition says, most of them addresses', () => {
    // The definition, written another way: four groups of 1-3 digits without a leading zero, each at most 255.
    const reference = (text: string): number => {
      if (!/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(text)) return -1;
      const octets = text.split('.').map(Number);
      return octets.some((o) => o > 255) ? -1 : octets.reduce((a, o) => a * 256 + o, 0);
    };
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let addresses = 0;
    // Disagreements are gathered and compared once: 200,000 expect() calls took over 5 s on a busy CI machine.
    const wrong: [string, number, number, number][] = [];
    for (let n = 0; n < 100_000; n++) {
      const groups = Array.from({ length: next() < 0.8 ? 4 : 3 + Math.floor(next() * 3) }, () =>
        next() < 0.7 ? String(Math.floor(next() * 256)) : String(Math.floor(next() * 10_000)).padStart(Math.floor(next() * 5), '0'),
      );
      const text = groups.join('.');
      const expected = reference(text);
      if (expected >= 0) addresses++;
      const fromText = ipv4Number(text);
      const fromBytes = ipv4NumberOfBytes(Buffer.from(text), 0, text.length);
      if (fromText !== expected || fromBytes !== expected) wrong.push([text, expected, fromText, fromBytes]);
    }
    expect(wrong).toEqual([]);
    expect(addresses).toBeGreaterThan(20_000);
  });
});
