/** Row shapes shared by the selector tables, and the parser's "expected …" texts (part of our error contract). */
import type { Labels } from '../../../src/selector/index.js';

export interface SelectorTest {
  readonly selector: string;
  readonly matches: readonly Labels[];
  readonly nonMatches: readonly Labels[];
}

export interface RejectedSelector {
  readonly selector: string;
  /** 1-based column the error names. */
  readonly column: number;
  /** What the error says was expected at that column. */
  readonly expected: string;
}

export interface CanonicalisationTest {
  readonly input: string;
  readonly canonical: string;
}

export const EXPECTED = {
  operation: `a label, has(key), all(), global(), '!' or '('`,
  operatorAfter: (key: string) =>
    `an operator after label ${JSON.stringify(key)} (==, !=, in, not in, contains, starts with, ends with)`,
  string: 'a quoted string',
  set: 'a set literal such as {"a", "b"}',
  setMember: `a quoted string or '}'`,
  setSeparator: `',' or '}'`,
  afterNested: `'&&', '||' or ')'`,
  afterSelector: `'&&', '||' or the end of the selector`,
  closing: (quote: '"' | "'") => `a closing ${quote}`,
  labelKey: 'a label key',
  shortLabelKey: 'a label key of at most 512 characters',
  closingParen: (opening: 'has(' | 'all(' | 'global(') => `')' to close ${opening}`,
} as const;
