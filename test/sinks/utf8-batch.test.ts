import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Batch } from '../../src/sinks/utf8-batch.js';

describe('Utf8Batch', () => {
  it('gives back exactly the UTF-8 of what was added (text or bytes), in order, growing past its first buffer', () => {
    const piece = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.constant('x'.repeat(300_000)), fc.constant('é€😀'.repeat(70_000)));
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 20 }), { maxLength: 5 }), (batches) => {
        const rows = new Utf8Batch();
        for (const batch of batches) {
          // Even pieces go in as text, odd ones already encoded.
          batch.forEach((text, i) => (i % 2 === 0 ? rows.add(text) : rows.addBytes(Buffer.from(text))));
          expect(rows.take().toString('utf8')).toBe(Buffer.from(batch.join('')).toString('utf8'));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('starts each batch at the beginning of the same buffer', () => {
    const rows = new Utf8Batch();
    rows.add('first row\n');
    const first = rows.take();
    rows.add('second\n');
    const second = rows.take();
    expect(second.toString()).toBe('second\n');
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset);
  });
});
