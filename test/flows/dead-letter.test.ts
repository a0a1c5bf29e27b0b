import { describe, expect, it } from 'vitest';
import { deadLetter, ReasonCounts, truncateUtf8 } from '../../src/flows/dead-letter.js';
import { DecodeFailure } from '../../src/flows/decode-result.js';

describe('dead letters', () => {
  it('keep at most 4 KiB of the raw line, never cutting a UTF-8 character', () => {
    const pos = { kind: 'file', file: 'f', line: 3 } as const;
    const raw = `${'a'.repeat(4095)}é${'b'.repeat(100)}`;
    const letter = deadLetter(pos, new DecodeFailure('invalid-json', 'bad'), raw);
    expect(letter).toMatchObject({ pos, reason: 'invalid-json', message: 'bad' });
    expect(letter.raw).toBe('a'.repeat(4095)); // é would straddle byte 4096
    expect(Buffer.byteLength(letter.raw)).toBeLessThanOrEqual(4096);
  });

  it.each([
    ['short', 10, 'short'],
    ['éééé', 5, 'éé'],
    ['☕☕', 4, '☕'],
    ['abc', 0, ''],
  ])('truncateUtf8(%j, %i) = %j', (text, max, expected) => {
    expect(truncateUtf8(text, max)).toBe(expected);
  });

  it('are counted per reason', () => {
    const counts = new ReasonCounts<string>();
    counts.add('invalid-json');
    counts.add('missing-field', 2);
    counts.add('invalid-json');
    expect(counts.toJSON()).toEqual({ 'invalid-json': 2, 'missing-field': 2 });
    expect(counts.total).toBe(4);
    expect(counts.get('line-too-long')).toBe(0);
  });
});
