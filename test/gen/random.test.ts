import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32 } from '../../src/gen/random.js';

const draws = (seed: number, n: number): number[] => {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('mulberry32', () => {
  it('repeats its sequence for a seed and differs for another', () => {
    expect(draws(1, 100)).toEqual(draws(1, 100));
    expect(draws(1, 100)).not.toEqual(draws(2, 100));
  });

  it('matches the reference sequence', () => {
    // First outputs of the reference C implementation (uint32 state += 0x6D2B79F5; ...) for seed 0.
    expect(draws(0, 3).map((x) => Math.round(x * 4294967296))).toEqual([1144304738, 1416247, 958946056]);
  });

  it('draws in [0, 1) and integers within inclusive bounds, reaching both', () => {
    const rng = mulberry32(9);
    const ints = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      ints.add(rng.int(3, 6));
    }
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });

  it('refuses to pick from nothing', () => {
    expect(() => mulberry32(1).pick([])).toThrow(RangeError);
  });
});

describe('deriveSeed', () => {
  it('gives each stream of a seed its own sequence, the same every time', () => {
    expect(deriveSeed(5, 'flows')).toBe(deriveSeed(5, 'flows'));
    expect(new Set([deriveSeed(5, 'flows'), deriveSeed(5, 'cluster'), deriveSeed(6, 'flows')]).size).toBe(3);
  });
});
