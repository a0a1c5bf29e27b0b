/** Shared checks for the selector tables. */
import { expect } from 'vitest';
import { canonicalText } from '../../src/selector/ast.js';
import { compileSelector } from '../../src/selector/compile.js';
import { type Labels, parseSelector, SelectorParseError } from '../../src/selector/index.js';
import { parseSelectorText } from '../../src/selector/parser.js';
import type { RejectedSelector, SelectorTest } from './data/rows.js';

interface Evaluated {
  readonly canonical: string;
  matches(labels: Labels): boolean;
}

/** Parses and compiles anew, bypassing parseSelector's interning, so a canonical text is really re-parsed. */
export function parseUncached(text: string): Evaluated {
  const node = parseSelectorText(text);
  return { canonical: canonicalText(node), matches: compileSelector(node) };
}

export function expectRowHolds(selector: Evaluated, row: SelectorTest): void {
  for (const labels of row.matches) {
    expect(selector.matches(labels), `${selector.canonical} matches ${JSON.stringify(labels)}`).toBe(true);
  }
  for (const labels of row.nonMatches) {
    expect(selector.matches(labels), `${selector.canonical} does not match ${JSON.stringify(labels)}`).toBe(false);
  }
}

/** The row holds as written, and again on its canonical text parsed from scratch (Calico's parser_test.go). */
export function expectRowHoldsBothWays(row: SelectorTest): void {
  const selector = parseSelector(row.selector);
  expectRowHolds(selector, row);
  expectRowHolds(parseUncached(selector.canonical), row);
}

export function parseError(text: string): SelectorParseError {
  try {
    parseSelector(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SelectorParseError);
    return error as SelectorParseError;
  }
  throw new Error(`selector ${JSON.stringify(text)} was accepted`);
}

export function expectRejected(row: RejectedSelector): void {
  const error = parseError(row.selector);
  expect({ column: error.column, expected: error.expected }).toEqual({ column: row.column, expected: row.expected });
}
