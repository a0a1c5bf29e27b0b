import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeWindows } from '../../src/inventory/windows.js';
import { parseInventoryArg, snapshotTimes } from '../../src/inventory/snapshot-arg.js';
import { resolve } from 'node:path';

describe('TimeWindows', () => {
  const w = TimeWindows.build([
    { start: 100, end: 200, value: 'a' },
    { start: 300, end: Infinity, value: 'c' },
    { start: 150, end: 250, value: 'b' }, // overlaps a: a is cut at 150
  ]);

  it.each([
    [99, undefined],
    [100, 'a'],
    [149, 'a'],
    [150, 'b'],
    [249, 'b'],
    [250, undefined],
    [299, undefined],
    [300, 'c'],
    [1e15, 'c'],
    [undefined, 'c'],
  ])('at(%s) = %s', (time, value) => {
    expect(w.at(time)).toBe(value);
  });

  it.each([
    [100, 200, 'a', 'held at the start'],
    [90, 120, 'a', 'the one window beginning in the interval'],
    [260, 310, 'c', 'the one window beginning in the interval, after a gap'],
    [90, 100, undefined, 'the window begins where the interval ends'],
    [250, 300, undefined, 'nothing begins before the end'],
    [50, 160, undefined, 'two windows begin in the interval'],
    [0, undefined, undefined, 'no end: at(start)'],
    [undefined, 5, 'c', 'no start: the latest binding'],
  ])('during(%s, %s) = %s: %s', (start, end, value, _why) => {
    expect(w.during(start, end)).toBe(value);
  });

  it.each([
    [90, 160, ['a', 'b']],
    [100, 150, ['a']],
    [200, 300, ['b']],
    [250, 300, []],
    [0, 1e15, ['a', 'b', 'c']],
    [160, undefined, ['b']],
    [undefined, 10, ['c']],
  ])('overlapping(%s, %s) = %j', (start, end, values) => {
    expect(w.overlapping(start, end)).toEqual(values);
  });

  it('gives its window when it has exactly one, after cuts and drops', () => {
    expect(TimeWindows.build([{ start: 5, end: 9, value: 'a' }]).only).toEqual({ start: 5, end: 9, value: 'a' });
    expect(TimeWindows.build([{ start: 5, end: 9, value: 'a' }, { start: 5, end: 7, value: 'b' }]).only).toEqual({ start: 5, end: 7, value: 'b' });
    expect(TimeWindows.build([{ start: 1, end: 9, value: 'a' }, { start: 5, end: 7, value: 'b' }]).only).toBeUndefined();
    expect(TimeWindows.build([]).only).toBeUndefined();
  });

  it('keeps the later of two windows with the same start, drops empty ones', () => {
    const same = TimeWindows.build([
      { start: -Infinity, end: Infinity, value: 'first' },
      { start: -Infinity, end: Infinity, value: 'second' },
      { start: 5, end: 5, value: 'empty' },
    ]);
    expect(same.size).toBe(1);
    expect(same.at(0)).toBe('second');
  });

  it('answers like a scan over the windows, each cut at the next start (property)', () => {
    const window = fc.record({ start: fc.integer({ min: 0, max: 100 }), len: fc.integer({ min: 0, max: 50 }) });
    fc.assert(
      fc.property(fc.array(window, { maxLength: 12 }), fc.integer({ min: -5, max: 160 }), (ws, time) => {
        const input = ws.map((x, i) => ({ start: x.start, end: x.start + x.len, value: i }));
        const sorted = [...input].sort((a, b) => a.start - b.start);
        let expected: number | undefined;
        sorted.forEach((x, i) => {
          const next = sorted[i + 1];
          const end = next !== undefined && next.start < x.end ? next.start : x.end;
          if (x.start <= time && time < end) expected = x.value;
        });
        expect(TimeWindows.build(input).at(time)).toBe(expected);
      }),
    );
  });

  it('answers during() as at() at the start, else the one window (after cuts) that begins in the interval (property)', () => {
    const window = fc.record({ start: fc.integer({ min: 0, max: 100 }), len: fc.integer({ min: 0, max: 50 }) });
    fc.assert(
      fc.property(fc.array(window, { maxLength: 12 }), fc.integer({ min: -5, max: 160 }), fc.integer({ min: 0, max: 40 }), (ws, start, len) => {
        const built = TimeWindows.build(ws.map((x, i) => ({ start: x.start, end: x.start + x.len, value: i })));
        // The windows as built (cut, emptied ones dropped), read back through at() at every instant they start.
        const kept = [...new Set(ws.map((x) => x.start))].filter((t) => built.at(t) !== undefined && built.at(t - 1) !== built.at(t));
        const beginning = kept.filter((t) => t > start && t < start + len);
        const expected = built.at(start) ?? (beginning.length === 1 ? built.at(beginning[0]!) : undefined);
        expect(built.during(start, start + len)).toBe(expected);
      }),
    );
  });
});

describe('--inventory FILE@TIME', () => {
  it.each([
    ['snap.json@2025-11-23T10:00:00Z', 'snap.json', Date.UTC(2025, 10, 23, 10)],
    ['snap.json@1763892000', 'snap.json', Date.UTC(2025, 10, 23, 10)],
    ['a@b/snap.json@1763892000000', 'a@b/snap.json', Date.UTC(2025, 10, 23, 10)],
    ['user@host.json', 'user@host.json', undefined],
    ['snap.json', 'snap.json', undefined],
    ['@1763892000', '@1763892000', undefined],
  ])('%s → %s at %s', (arg, path, time) => {
    expect(parseInventoryArg(arg)).toEqual(time === undefined ? { path } : { path, time });
  });

  it('keys snapshot times by absolute path', () => {
    const times = snapshotTimes([parseInventoryArg('a.json@1763892000'), parseInventoryArg('b.json')]);
    expect([...times]).toEqual([[resolve('a.json'), Date.UTC(2025, 10, 23, 10)]]);
  });
});
