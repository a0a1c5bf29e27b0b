/**
 * The YAML 1.2 core schema as eemeli/yaml resolves plain scalars (`src/schema/core/`: null, bool, int, float tags,
 * tried in that order), for js-yaml. js-yaml's own core schema differs: it reads `0b1`, `-0x1F` and `+0o7` as
 * numbers, where yaml (and the YAML 1.2 spec) keeps them strings. Both parsers must give the same values, so
 * the fast path uses these tests, copied from yaml's definitions, and yaml's conversions.
 */
import { FAILSAFE_SCHEMA, Type } from 'js-yaml';

/** [test, value] in yaml's order: the first test that matches decides. */
const CORE_SCALARS: readonly (readonly [RegExp, (source: string) => unknown])[] = [
  [/^(?:~|[Nn]ull|NULL)?$/, () => null],
  [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'],
  [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
  [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
  [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
  [/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) => (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)],
];

/** First characters a non-string plain scalar can have (every test above starts with one of them). */
const FIRST_CHARS = new Set('~nNtTfF0123456789+-.');

function coreScalar(source: string): ((source: string) => unknown) | undefined {
  if (source !== '' && !FIRST_CHARS.has(source[0] as string)) return undefined;
  return CORE_SCALARS.find(([test]) => test.test(source))?.[1];
}

/**
 * The tag js-yaml gives a plain scalar resolved here. No tag written in YAML can equal it (tags have no spaces),
 * so a node carrying it was resolved implicitly, never tagged explicitly.
 */
export const CORE_SCALAR_TAG = 'implicit core scalar';

/**
 * One implicit type for every non-string core scalar: js-yaml tries implicit types in turn on each plain scalar,
 * and one type with a first-character check costs one call for the common case, a plain string.
 */
const CORE_SCALAR_TYPE = new Type(CORE_SCALAR_TAG, {
  kind: 'scalar',
  resolve: (source: string) => coreScalar(source) !== undefined,
  construct: (source: string) => (coreScalar(source) as (s: string) => unknown)(source),
});

/** Failsafe (strings, sequences, mappings) plus yaml's core scalars; no timestamps, no merge keys, no `!!binary`. */
export const YAML_CORE_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [CORE_SCALAR_TYPE] });
