/**
 * Laws of the selector language, checked against a reference model written independently of src/selector:
 * random selector trees are printed in random surface syntax (blanks, quotes, operator spellings, extra
 * parentheses and `!` runs), parsed, and compared with the model's own evaluation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Labels, parseSelector, SelectorParseError } from '../../src/selector/index.js';
import { parseUncached } from './helpers.js';

type Model =
  | { readonly kind: 'all' | 'global' }
  | { readonly kind: 'has'; readonly key: string }
  | {
      readonly kind: 'equals' | 'notEquals' | 'contains' | 'startsWith' | 'endsWith';
      readonly key: string;
      readonly value: string;
    }
  | { readonly kind: 'in' | 'notIn'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'not'; readonly operand: Model }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly Model[] };

/** Few keys and values, so that random labels often hit what random selectors test. */
const LABEL_KEYS = ['a', 'b', 'app.kubernetes.io/name', 'not', 'in', 'has', 'constructor', 'toString'] as const;
const LABEL_VALUES = ['', 'x', 'y', 'xy', 'yx', 'x"', "it's"] as const;

const keyArb = fc.oneof(fc.constantFrom(...LABEL_KEYS), fc.stringMatching(/^[A-Za-z0-9_./-]{1,6}$/));
/** A value cannot hold both quote kinds: no string literal could write it. */
const valueArb = fc.oneof(
  fc.constantFrom(...LABEL_VALUES),
  fc.string({ maxLength: 4 }).filter((v) => !(v.includes('"') && v.includes("'"))),
);

const { model: modelArb } = fc.letrec<{ model: Model }>((tie) => ({
  model: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom({ kind: 'all' } as const, { kind: 'global' } as const),
    fc.record({ kind: fc.constant('has' as const), key: keyArb }),
    fc.record({
      kind: fc.constantFrom('equals', 'notEquals', 'contains', 'startsWith', 'endsWith'),
      key: keyArb,
      value: valueArb,
    }),
    fc.record({ kind: fc.constantFrom('in', 'notIn'), key: keyArb, values: fc.array(valueArb, { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('model') }),
    fc.record({ kind: fc.constantFrom('and', 'or'), operands: fc.array(tie('model'), { minLength: 2, maxLength: 3 }) }),
  ),
}));

const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(
  fc.constantFrom(...LABEL_KEYS),
  fc.constantFrom(...LABEL_VALUES),
  { maxKeys: 5 },
);

function evaluate(model: Model, labels: Labels): boolean {
  switch (model.kind) {
    case 'all':
    case 'global':
      return true;
    case 'not':
      return !evaluate(model.operand, labels);
    case 'and':
      return model.operands.every((operand) => evaluate(operand, labels));
    case 'or':
      return model.operands.some((operand) => evaluate(operand, labels));
    case 'has':
      return valueOf(labels, model.key) !== undefined;
    case 'equals':
      return valueOf(labels, model.key) === model.value;
    case 'notEquals':
      return valueOf(labels, model.key) !== model.value;
    case 'contains':
      return valueOf(labels, model.key)?.includes(model.value) ?? false;
    case 'startsWith':
      return valueOf(labels, model.key)?.startsWith(model.value) ?? false;
    case 'endsWith':
      return valueOf(labels, model.key)?.endsWith(model.value) ?? false;
    case 'in': {
      const value = valueOf(labels, model.key);
      return value !== undefined && model.values.includes(value);
    }
    case 'notIn': {
      const value = valueOf(labels, model.key);
      return value === undefined || !model.values.includes(value);
    }
  }
}

function valueOf(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** Writes the model as selector text, making every free choice of surface syntax at random. */
function write(model: Model, g: fc.GeneratorValue): string {
  const blank = (): string => g(fc.constantFrom, '', ' ', '\t', ' \t ');
  const someBlank = (): string => g(fc.constantFrom, ' ', '\t', '  ');
  const spelling = (...forms: string[]): string => g(fc.constantFrom, ...forms);
  const literal = (value: string): string => {
    const quote = value.includes('"') ? "'" : value.includes("'") ? '"' : spelling('"', "'");
    return quote + value + quote;
  };
  const wordOperator = (key: string, operator: string, value: string): string =>
    key + someBlank() + operator + blank() + value;

  let text: string;
  switch (model.kind) {
    case 'all':
    case 'global':
      text = `${model.kind}(${blank()})`;
      break;
    case 'has':
      text = `has(${blank()}${model.key}${blank()})`;
      break;
    case 'equals':
      text = `${model.key}${blank()}==${blank()}${literal(model.value)}`;
      break;
    case 'notEquals':
      text = `${model.key}${blank()}!=${blank()}${literal(model.value)}`;
      break;
    case 'contains':
      text = wordOperator(model.key, 'contains', literal(model.value));
      break;
    case 'startsWith':
      text = wordOperator(model.key, spelling('starts with', 'startswith', 'starts\t with'), literal(model.value));
      break;
    case 'endsWith':
      text = wordOperator(model.key, spelling('ends with', 'endswith'), literal(model.value));
      break;
    case 'in':
    case 'notIn': {
      const members = model.values.map((value) => blank() + literal(value) + blank()).join(',');
      const trailingComma = model.values.length > 0 && g(fc.boolean) ? ',' : '';
      const operator = model.kind === 'in' ? 'in' : spelling('not in', 'notin', 'not \t in');
      text = wordOperator(model.key, operator, `{${members}${trailingComma}${blank()}}`);
      break;
    }
    case 'not': {
      const operand = write(model.operand, g);
      const grouped = model.operand.kind === 'and' || model.operand.kind === 'or' ? `(${operand})` : operand;
      text = spelling('!', '!!!', '! ! !') + blank() + grouped;
      break;
    }
    case 'and':
    case 'or':
      text = model.operands
        .map((operand) => {
          const written = write(operand, g);
          // Nested junctions keep their own group, as in the model (Calico keeps `(a && b) && c` nested).
          return operand.kind === 'and' || operand.kind === 'or' ? `(${written})` : written;
        })
        .join(blank() + (model.kind === 'and' ? '&&' : '||') + blank());
      break;
  }
  return g(fc.boolean) ? `(${blank()}${text}${blank()})` : text;
}

const writtenArb = fc.tuple(modelArb, fc.gen()).map(([model, g]) => ({ model, text: write(model, g) }));

describe('selector properties', () => {
  it('matches exactly what the reference model matches', () => {
    fc.assert(
      fc.property(writtenArb, fc.array(labelsArb, { minLength: 1, maxLength: 8 }), ({ model, text }, labelSets) => {
        const selector = parseSelector(text);
        for (const labels of labelSets) expect(selector.matches(labels)).toBe(evaluate(model, labels));
      }),
      { numRuns: 500 },
    );
  });

  it('!(s) matches exactly what s does not', () => {
    fc.assert(
      fc.property(writtenArb, labelsArb, ({ text }, labels) => {
        expect(parseSelector(`!(${text})`).matches(labels)).toBe(!parseSelector(text).matches(labels));
      }),
      { numRuns: 500 },
    );
  });

  it('canonical text re-parses to the same canonical text, and to the same selector', () => {
    fc.assert(
      fc.property(writtenArb, ({ text }) => {
        const selector = parseSelector(text);
        expect(parseUncached(selector.canonical).canonical).toBe(selector.canonical);
        expect(parseSelector(selector.canonical)).toBe(selector);
      }),
      { numRuns: 500 },
    );
  });

  it('two ways of writing one selector give one selector object', () => {
    fc.assert(
      fc.property(modelArb, fc.gen(), fc.gen(), (model, g1, g2) => {
        expect(parseSelector(write(model, g1))).toBe(parseSelector(write(model, g2)));
      }),
      { numRuns: 300 },
    );
  });

  it('any text either parses to a canonical fixed point or fails with a SelectorParseError inside it', () => {
    const pieces = fc.constantFrom(
      ...['a', 'b', 'x', 'in', 'not', 'contains', 'starts', 'with', 'has(', 'all()', 'global()', '(', ')', '!'],
      ...['=', '==', '!=', '&', '&&', '||', '|', '{', '}', ',', '"', "'", ' ', '\t', '\n', ':', 'é', '😀'],
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 14 }), (parts) => {
        const text = parts.join('');
        let canonical: string;
        try {
          canonical = parseSelector(text).canonical;
        } catch (error) {
          expect(error).toBeInstanceOf(SelectorParseError);
          const { column, selector } = error as SelectorParseError;
          expect(selector).toBe(text);
          expect(column).toBeGreaterThanOrEqual(1);
          expect(column).toBeLessThanOrEqual(Array.from(text).length + 1);
          return;
        }
        expect(parseUncached(canonical).canonical).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });
});
