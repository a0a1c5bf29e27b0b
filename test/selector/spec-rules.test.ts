import { describe, expect, it } from 'vitest';
import { ALL_SELECTOR, parseSelector, SelectorParseError } from '../../src/selector/index.js';
import { SPEC_CANONICALISATION_TESTS, SPEC_REJECTED_SELECTORS, SPEC_SELECTOR_TESTS } from './data/spec-rules.js';
import { expectRejected, expectRowHoldsBothWays, parseError, parseUncached } from './helpers.js';

describe('policy-semantics.md §2: what selectors match', () => {
  it.each(SPEC_SELECTOR_TESTS)('$rule: $selector', (row) => expectRowHoldsBothWays(row));
});

describe('policy-semantics.md §2: what is an error', () => {
  it.each(SPEC_REJECTED_SELECTORS)('$rule: $selector', (row) => expectRejected(row));
});

describe('policy-semantics.md §2: canonical form', () => {
  it.each(SPEC_CANONICALISATION_TESTS)('$input → $canonical', ({ input, canonical }) => {
    expect(parseSelector(input).canonical).toBe(canonical);
    expect(parseUncached(canonical).canonical).toBe(canonical);
  });
});

describe('error messages', () => {
  const AFTER_SELECTOR = `'&&', '||' or the end of the selector`;
  it.each([
    ['a ==', 'selector "a ==": column 5: expected a quoted string'],
    ['a == "x', 'selector "a == \\"x": column 6: unterminated string, expected a closing "'],
    ['has(a)\n', `selector "has(a)\\n": column 7: unexpected character U+000A, expected ${AFTER_SELECTOR}`],
    ['a == "b" %', `selector "a == \\"b\\" %": column 10: unexpected character '%', expected ${AFTER_SELECTOR}`],
    [
      'x b',
      'selector "x b": column 3: ' +
        'expected an operator after label "x" (==, !=, in, not in, contains, starts with, ends with)',
    ],
    ['has(x', `selector "has(x": column 6: expected ')' to close has(`],
    [
      `${'k'.repeat(600)}==""`,
      `selector "${'k'.repeat(600)}==\\"\\"": column 1: label key too long (600 characters), ` +
        'expected a label key of at most 512 characters',
    ],
  ])('%j', (text, message) => {
    expect(parseError(text).message).toBe(message);
  });

  it('is an Error that keeps the selector text', () => {
    const error = parseError('a ==');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SelectorParseError');
    expect(error.selector).toBe('a ==');
  });
});

describe('isAll and isGlobal', () => {
  it.each([
    ['', true, false],
    ['all()', true, false],
    [' ( all( ) ) ', true, false],
    ['!!all()', true, false],
    ['global()', false, true],
    [' global( ) ', false, true],
    ['(global())', false, true],
    ['all() && all()', false, false],
    ['global() && has(a)', false, false],
    ['!global()', false, false],
    ['has(a)', false, false],
  ])('%j: isAll %s, isGlobal %s', (text, isAll, isGlobal) => {
    const selector = parseSelector(text);
    expect({ isAll: selector.isAll, isGlobal: selector.isGlobal }).toEqual({ isAll, isGlobal });
  });
});

describe('interning', () => {
  it('gives one object per canonical text', () => {
    expect(parseSelector('')).toBe(ALL_SELECTOR);
    expect(parseSelector(' all( ) ')).toBe(ALL_SELECTOR);
    expect(parseSelector(`a=='x'&&b in {'2','1','2'}`)).toBe(parseSelector('(a == "x" && b in {"1", "2"})'));
    expect(parseSelector('has(a)')).not.toBe(parseSelector('has(b)'));
  });

  it('keeps written nesting apart, as Calico does', () => {
    expect(parseSelector('(has(a) && has(b)) && has(c)')).not.toBe(parseSelector('has(a) && has(b) && has(c)'));
  });

  it('hands out frozen selectors', () => {
    expect(Object.isFrozen(parseSelector('has(a)'))).toBe(true);
  });

  it('does not remember failures', () => {
    expect(() => parseSelector('a ==')).toThrow(SelectorParseError);
    expect(() => parseSelector('a ==')).toThrow(SelectorParseError);
  });
});
