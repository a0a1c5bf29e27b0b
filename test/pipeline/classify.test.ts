import { describe, expect, it } from 'vitest';
import { classify, observedMismatch } from '../../src/pipeline/classify.js';

describe('classify', () => {
  it.each([
    ['allow', 'allow', 'unchanged-allow'],
    ['deny', 'deny', 'unchanged-deny'],
    ['allow', 'deny', 'would-block'],
    ['deny', 'allow', 'would-allow'],
    ['unknown', 'allow', 'unknown'],
    ['deny', 'unknown', 'unknown'],
  ] as const)('%s now, %s proposed → %s', (current, proposed, cls) => {
    expect(classify(current, proposed)).toBe(cls);
  });
});

describe('observedMismatch', () => {
  it.each([
    ['allow', 'allow', false],
    ['allow', 'deny', true],
    ['deny', 'allow', true],
    ['deny', 'unknown', false],
    [undefined, 'deny', false],
  ] as const)('observed %s, verdict %s → %s', (observed, verdict, mismatch) => {
    expect(observedMismatch(observed, verdict)).toBe(mismatch);
  });
});
