import { describe, expect, it } from 'vitest';
import { KeyCounts } from '../../src/pipeline/key-counts.js';

describe('KeyCounts', () => {
  it('counts each key, and lists the counted ones in the order of the set', () => {
    const c = new KeyCounts(['allow', 'deny', 'unknown'] as const);
    c.add('deny');
    c.add('allow');
    c.add('deny');
    expect([...c]).toEqual([
      ['allow', 1],
      ['deny', 2],
    ]);
  });

  it('refuses a key outside the set rather than losing its count', () => {
    const c = new KeyCounts<string>(['a', 'b']);
    expect(() => c.add('c')).toThrow(/c is none of a, b/);
  });
});
