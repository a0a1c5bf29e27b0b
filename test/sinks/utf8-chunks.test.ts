import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Chunks } from '../../src/sinks/utf8-chunks.js';

describe('Utf8Chunks', () => {
  it('gives back exactly the UTF-8 of what was added (text or bytes), in order, across chunk boundaries', () => {
    const piece = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.constant('x'.repeat(300_000)), fc.constant('é€😀'.repeat(70_000)));
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 20 }), { maxLength: 5 }), (batches) => {
        const chunks = new Utf8Chunks();
        for (const batch of batches) {
          // Odd pieces go in as text, even ones already encoded.
          batch.forEach((text, i) => (i % 2 === 0 ? chunks.add(text) : chunks.addBytes(Buffer.from(text))));
          expect(Buffer.concat(chunks.take()).toString('utf8')).toBe(Buffer.from(batch.join('')).toString('utf8'));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('never writes into a buffer it has handed out', () => {
    const chunks = new Utf8Chunks();
    chunks.add('first row\n');
    const [taken] = chunks.take();
    chunks.add('second row\n');
    chunks.take();
    expect(taken!.toString()).toBe('first row\n');
  });
});
