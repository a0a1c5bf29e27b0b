import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoTimeReader, parseTime, parseUtcTime } from '../../src/flows/time.js';

/** Date.parse is the reference: the fast path must read every text it takes exactly as Date.parse does. */
describe('parseUtcTime: the fast path for toISOString-shaped times', () => {
  it.each([
    ['2025-11-23T10:00:00.000Z', Date.UTC(2025, 10, 23, 10)],
    ['2025-11-23T10:00:00Z', Date.UTC(2025, 10, 23, 10)],
    ['2024-02-29T23:59:59.999Z', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
    ['1970-01-01T00:00:00.000Z', 0],
    ['9999-12-31T23:59:59.999Z', Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
  ])('%s → %i', (text, ms) => {
    expect(parseUtcTime(text)).toBe(ms);
    expect(parseTime(text)).toBe(ms);
  });

  it.each([
    '2025-02-29T00:00:00.000Z', // not a leap year: Date.parse rolls it over to March 1
    '2025-04-31T00:00:00.000Z',
    '2025-13-01T00:00:00.000Z',
    '2025-00-10T00:00:00.000Z',
    '2025-01-00T00:00:00.000Z',
    '2025-01-01T24:00:00.000Z', // end of day: Date.parse reads it as the next midnight
    '2025-01-01T23:60:00.000Z',
    '2025-01-01T23:59:60.000Z',
    '1969-12-31T23:59:59.999Z',
    '2025-01-01T10:00:00.5Z',
    '2025-01-01t10:00:00.000z',
    '2025-01-01 10:00:00.000Z',
    '2025-01-01T10:00:00.000+00:00',
    '2025-1-01T10:00:00.0000Z',
    '2025-01-01T10:00:00,000Z',
    '２０２５-01-01T10:00:00.000Z',
  ])('leaves %s to Date.parse, and parseTime answers as Date.parse does', (text) => {
    expect(parseUtcTime(text)).toBeUndefined();
    const reference = Date.parse(text);
    const shaped = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(text);
    expect(parseTime(text)).toBe(shaped && Number.isFinite(reference) ? reference : undefined);
  });

  it('agrees with Date.parse on every toISOString text, in any order of days (the day cache)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const ms of times) {
          const text = new Date(ms).toISOString();
          expect(parseUtcTime(text)).toBe(ms);
          expect(parseUtcTime(text.slice(0, 19) + 'Z')).toBe(ms - (ms % 1000));
        }
      }),
    );
  });
});

/** The byte reader keeps the last minute it read: what it answers must not depend on the times before. */
describe('IsoTimeReader: toISOString times read from bytes', () => {
  /** Each text at an odd offset of one Buffer, as lines of a chunk lie (the words read are unaligned). */
  function readAll(texts: readonly string[]): (number | undefined)[] {
    const bytes = Buffer.from(` ${texts.join(' ')}`, 'latin1');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const reader = new IsoTimeReader();
    let at = 1;
    return texts.map((t) => {
      const ms = reader.read(bytes, view, 0, at);
      at += t.length + 1;
      return ms;
    });
  }

  it('agrees with parseUtcTime on times that share minutes and times that do not', () => {
    const minute = fc.integer({ min: 0, max: Math.floor(Date.UTC(9999, 11, 31, 23, 59) / 60_000) });
    // Times in three minutes, in any order: runs in one minute, and changes of minute back and forth.
    const time = fc.tuple(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 59_999 }));
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 30 }), fc.array(minute, { minLength: 3, maxLength: 3 }), (times, minutes) => {
        const texts = times.map(([m, rest]) => new Date(minutes[m]! * 60_000 + rest).toISOString());
        expect(readAll(texts)).toEqual(texts.map((t) => parseUtcTime(t)));
      }),
    );
  });

  it.each([
    '2025-11-23T10:00:60.000Z',
    '2025-11-23T10:00:6a.000Z',
    '2025-11-23T10:00:05,000Z',
    '2025-11-23T10:00:05.00xZ',
    '2025-11-23T10:00:05.000z',
    '2025-11-23T10:00-05.000Z',
  ])('refuses %s after a time in the same minute', (bad) => {
    expect(readAll(['2025-11-23T10:00:01.000Z', bad, '2025-11-23T10:00:02.500Z'])).toEqual([Date.UTC(2025, 10, 23, 10, 0, 1), undefined, Date.UTC(2025, 10, 23, 10, 0, 2, 500)]);
  });

  it('refuses a time whose minute is no time, after one whose minute was', () => {
    expect(readAll(['2025-11-23T10:00:01.000Z', '2025-11-23T24:00:01.000Z', '2025-02-29T10:00:01.000Z'])).toEqual([Date.UTC(2025, 10, 23, 10, 0, 1), undefined, undefined]);
  });
});
