import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4Number } from '../../src/flows/ip.js';
import { IPv4Table } from '../../src/inventory/ipv4-table.js';

describe('ipv4Number', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.0.0.1', 0x0a000001],
    ['192.168.1.254', 0xc0a801fe],
    ['255.255.255.255', 0xffffffff],
  ])('%s → %i', (text, n) => expect(ipv4Number(text)).toBe(n));

  it.each(['', '10.0.0', '10.0.0.1.2', '10.0.0.256', '010.0.0.1', '10..0.1', '.10.0.0.1', '10.0.0.1.', 'fd00::1', '::ffff:10.0.0.1', '10.0.0.1/32', ' 10.0.0.1', '10.0.0.a'])(
    'refuses %j',
    (text) => expect(ipv4Number(text)).toBe(-1),
  );

  it('reads every address written in dotted decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(ipv4Number([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'))).toBe(n);
      }),
    );
  });
});

describe('IPv4Table', () => {
  it('answers as a Map over any sequence of sets, gets and clears (growth included)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 0xffffffff }), value: fc.integer() }),
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 40 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new IPv4Table<number>(4);
        const reference = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            table.set(o.key, o.value);
            reference.set(o.key, o.value);
          } else if (o.kind === 'clear') {
            table.clear();
            reference.clear();
          }
          expect(table.size).toBe(reference.size);
          if (o.kind !== 'clear') expect(table.get(o.key)).toBe(reference.get(o.key));
        }
        for (const [k, v] of reference) expect(table.get(k)).toBe(v);
      }),
    );
  });

  it('numbers addresses from 0 in the order they were first set, through growth and until a clear', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 200 }), (keys) => {
        const table = new IPv4Table<string>(4);
        const order = new Map<number, number>();
        for (const k of keys) {
          if (!order.has(k)) order.set(k, order.size);
          expect(table.set(k, `v${k}`)).toBe(order.get(k));
        }
        for (const [k, index] of order) {
          expect(table.indexOf(k)).toBe(index);
          expect(table.at(index)).toBe(`v${k}`);
        }
        const absent = keys.length === 0 ? 7 : (Math.max(...keys) + 1) % 2 ** 32;
        if (!order.has(absent)) expect(table.indexOf(absent)).toBe(-1);
        table.clear();
        if (keys.length > 0) expect(table.indexOf(keys[0]!)).toBe(-1);
      }),
    );
  });
});
