import { describe, expect, it } from 'vitest';
import { RangeViews } from '../../src/sinks/range-views.js';

describe('RangeViews', () => {
  it('views the range of each Buffer it is given, wherever the Buffer lies in its memory', () => {
    const views = new RangeViews();
    const memory = Buffer.from('..{"a":1}\n{"b":2}\n');
    const chunk = memory.subarray(2); // a Buffer that starts inside its memory, as pooled and sliced ones do
    const other = Buffer.from('xyz');
    const text = (v: Uint8Array) => Buffer.from(v).toString();
    expect(text(views.view(chunk, 0, 7))).toBe('{"a":1}');
    expect(text(views.view(chunk, 8, 15))).toBe('{"b":2}');
    expect(text(views.view(other, 1, 3))).toBe('yz');
    expect(text(views.view(chunk, 8, 15))).toBe('{"b":2}');
  });

  it('shares the memory, copying nothing', () => {
    const chunk = Buffer.from('{"a":1}');
    const v = new RangeViews().view(chunk, 1, 4);
    chunk[1] = 0x27;
    expect(Buffer.from(v).toString()).toBe(`'a"`);
  });
});
