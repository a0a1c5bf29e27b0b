/**
 * The Calico selector language: text → syntax tree → canonical text and compiled predicate.
 *
 * Selectors are interned: every text is parsed once, and texts with the same canonical form (`""`, `all()`,
 * ` ( all() ) `) share one Selector object, compiled once (libcalico-go `selector.Normalise` / `UniqueID`).
 */
import { canonicalText, labelKeys } from './ast.js';
import { compileSelector } from './compile.js';
import { parseSelectorText } from './parser.js';
import type { Selector } from './types.js';

export type { Labels, Selector } from './types.js';
export { SelectorParseError } from './errors.js';

const byText = new Map<string, Selector>();
const byCanonicalText = new Map<string, Selector>();

/** Parses (or finds) the selector written as `text`. Throws SelectorParseError where Calico would reject it. */
export function parseSelector(text: string): Selector {
  const known = byText.get(text);
  if (known !== undefined) return known;
  const node = parseSelectorText(text);
  const canonical = canonicalText(node);
  let selector = byCanonicalText.get(canonical);
  if (selector === undefined) {
    selector = Object.freeze({
      canonical,
      isAll: canonical === 'all()',
      isGlobal: canonical === 'global()',
      labelKeys: Object.freeze(labelKeys(node)),
      matches: compileSelector(node),
    });
    byCanonicalText.set(canonical, selector);
  }
  byText.set(text, selector);
  return selector;
}

/** The selector that matches everything; also what `""` and an omitted policy selector mean. */
export const ALL_SELECTOR: Selector = parseSelector('all()');
