import { describe, expect, it } from 'vitest';
import { parseSelector } from '../../src/selector/index.js';
import { type Token, Tokenizer } from '../../src/selector/tokenizer.js';
import { BAD_SELECTORS, CANONICALISATION_TESTS, SELECTOR_TESTS, TOKENIZER_TESTS } from './data/calico-tables.js';
import { expectRejected, expectRowHoldsBothWays, parseError, parseUncached } from './helpers.js';

describe('Calico selectorTests', () => {
  it.each(SELECTOR_TESTS)('$selector', (row) => expectRowHoldsBothWays(row));
});

describe('Calico badSelectors', () => {
  it.each(BAD_SELECTORS)('rejects $selector at column $column', (row) => expectRejected(row));
});

describe('Calico canonicalisationTests', () => {
  it.each(CANONICALISATION_TESTS)('$input → $canonical', ({ input, canonical }) => {
    const selector = parseSelector(input);
    expect(selector.canonical).toBe(canonical);
    expect(parseUncached(canonical).canonical).toBe(canonical);
    expect(parseSelector(canonical)).toBe(selector);
  });
});

describe('Calico tokenTests', () => {
  it.each(TOKENIZER_TESTS)('$input', (row) => {
    if ('tokens' in row) {
      expect(tokenize(row.input)).toEqual(row.tokens);
    } else {
      expect(parseError(row.input).column).toBe(row.rejectedAtColumn);
    }
  });
});

/** Tokens as the table writes them: `kind`, or `kind:value` for labels, strings and has(). */
function tokenize(text: string): string[] {
  const tokenizer = new Tokenizer(text);
  const tokens: string[] = [];
  let token: Token;
  do {
    token = tokenizer.next();
    tokens.push('value' in token ? `${token.kind}:${token.value}` : token.kind);
  } while (token.kind !== 'end');
  return tokens;
}
