import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeerSides } from '../../src/engine/peer-sides.js';

describe('PeerSides', () => {
  it('answers a slot with the side last set for it, or nothing; never another slot\'s side', () => {
    const op = fc.record({ slot: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3_000_000 })), side: fc.integer({ min: -5, max: 1000 }), set: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new PeerSides();
        const last = new Map<number, number>();
        for (const o of ops) {
          if (o.set) {
            table.set(o.slot, o.side);
            last.set(o.slot, o.side);
          }
          const got = table.get(o.slot);
          if (got !== undefined) expect(got).toBe(last.get(o.slot));
          if (o.set) expect(got).toBe(o.side);
        }
      }),
    );
  });
});
