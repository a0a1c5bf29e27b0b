/**
 * Calico's own answers as data: texts run through libcalico-go's parser (see `source` in the data file). Every
 * text must be accepted or rejected as Calico does, match the same label sets, and print Calico's canonical text,
 * except where Calico prints `!!`: its text is then no fixed point, and ours is what it re-parses to.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Labels, parseSelector, SelectorParseError } from '../../src/selector/index.js';
import { parseError, parseUncached } from './helpers.js';

interface OracleData {
  readonly source: string;
  readonly labelSets: readonly Labels[];
  readonly rows: readonly (
    | { readonly selector: string; readonly canonical: string; readonly matches: string }
    | { readonly selector: string; readonly rejected: true }
  )[];
}

const oracle = JSON.parse(
  readFileSync(new URL('./data/calico-oracle.json', import.meta.url), 'utf8'),
) as OracleData;

describe('agreement with Calico on a random sample', () => {
  it.each(oracle.rows)('$selector', (row) => {
    if ('rejected' in row) {
      expect(parseError(row.selector)).toBeInstanceOf(SelectorParseError);
      return;
    }
    const selector = parseSelector(row.selector);
    const matches = oracle.labelSets.map((labels) => (selector.matches(labels) ? '1' : '0')).join('');
    expect(matches).toBe(row.matches);
    const calicoCanonical = row.canonical.includes('!!') ? parseUncached(row.canonical).canonical : row.canonical;
    expect(selector.canonical).toBe(calicoCanonical);
  });
});
