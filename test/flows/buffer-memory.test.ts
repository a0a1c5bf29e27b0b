import { describe, expect, it } from 'vitest';
import { BufferMemory } from '../../src/flows/buffer-memory.js';

describe('BufferMemory', () => {
  it('views the range of each Buffer it is given, wherever the Buffer lies in its memory', () => {
    const views = new BufferMemory();
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
    const v = new BufferMemory().view(chunk, 1, 4);
    chunk[1] = 0x27;
    expect(Buffer.from(v).toString()).toBe(`'a"`);
  });

  it('tells where each Buffer starts in the memory it shares with others (the records of a Kafka fetch)', () => {
    const fetch = Buffer.from('{"a":1}{"b":2}');
    const [first, second] = [fetch.subarray(0, 7), fetch.subarray(7)];
    const m = new BufferMemory();
    m.locate(second);
    expect(m.memory).toBe(fetch.buffer);
    expect(m.offset).toBe(fetch.byteOffset + 7);
    m.locate(first);
    expect(m.memory).toBe(fetch.buffer);
    expect(m.offset).toBe(fetch.byteOffset);
  });
});
