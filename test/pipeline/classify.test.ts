import { describe, expect, it } from 'vitest';
import { actionDrift, classify, countComparison, newComparisons, observedMismatch } from '../../src/pipeline/classify.js';

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

describe('observedMismatch and actionDrift', () => {
  it.each([
    ['allow', 'allow', false, false],
    ['allow', 'deny', true, true],
    ['deny', 'allow', true, true],
    ['deny', 'unknown', false, undefined],
    [undefined, 'deny', false, undefined],
  ] as const)('observed %s, verdict %s → %s (compared: %s)', (observed, verdict, mismatch, drift) => {
    expect(observedMismatch(observed, verdict)).toBe(mismatch);
    expect(actionDrift(observed, verdict)).toBe(drift);
  });

  it('counts compared flows and those that differ, and leaves out what was not compared', () => {
    const c = newComparisons();
    for (const differs of [true, false, undefined, true]) countComparison(c, differs);
    expect(c).toEqual({ compared: 3, differ: 2 });
  });
});
