/**
 * Selector text → canonical syntax tree (libcalico-go `selector/parser/parser.go`).
 *
 *   selector  := blank* | or
 *   or        := and ('||' and)*
 *   and       := operation ('&&' operation)*
 *   operation := '!'* ( has(key) | all() | global() | '(' or ')'
 *                     | key ('==' | '!=' | contains | starts with | ends with) string
 *                     | key (in | not in) '{' (string (',' string)* ','?)? '}' )
 *
 * A run of `!` binds to the one operation after it and cancels by parity, as in parser.go.
 */
import {
  ALL_NODE,
  GLOBAL_NODE,
  type LabelTest,
  type SelectorNode,
  type SetTest,
  hasNode,
  junctionNode,
  labelTestNode,
  notNode,
  setTestNode,
} from './ast.js';
import { SelectorParseError } from './errors.js';
import { type Token, Tokenizer } from './tokenizer.js';

/** What each place in the grammar accepts, as error messages name it. */
const EXPECTED = {
  operation: `a label, has(key), all(), global(), '!' or '('`,
  operator: (key: string) =>
    `an operator after label ${JSON.stringify(key)} (==, !=, in, not in, contains, starts with, ends with)`,
  string: 'a quoted string',
  set: `a set literal such as {"a", "b"}`,
  setMember: `a quoted string or '}'`,
  setSeparator: `',' or '}'`,
  afterNested: `'&&', '||' or ')'`,
  afterSelector: `'&&', '||' or the end of the selector`,
} as const;

const LABEL_TESTS: Partial<Record<Token['kind'], LabelTest>> = {
  '==': 'equals',
  '!=': 'notEquals',
  contains: 'contains',
  'starts with': 'startsWith',
  'ends with': 'endsWith',
};

const SET_TESTS: Partial<Record<Token['kind'], SetTest>> = {
  in: 'in',
  'not in': 'notIn',
};

/** Parses a selector; the empty (or all-blank) text is `all()`. Throws SelectorParseError. */
export function parseSelectorText(text: string): SelectorNode {
  return new Parser(text).parseSelector();
}

class Parser {
  private readonly tokens: Tokenizer;
  private token: Token;

  constructor(private readonly text: string) {
    this.tokens = new Tokenizer(text);
    this.token = this.tokens.next();
  }

  parseSelector(): SelectorNode {
    if (this.at('end')) return ALL_NODE;
    const node = this.parseOr();
    if (!this.at('end')) this.fail(EXPECTED.afterSelector);
    return node;
  }

  private parseOr(): SelectorNode {
    const operands: [SelectorNode, ...SelectorNode[]] = [this.parseAnd()];
    while (this.accept('||')) operands.push(this.parseAnd());
    return junctionNode('or', operands);
  }

  private parseAnd(): SelectorNode {
    const operands: [SelectorNode, ...SelectorNode[]] = [this.parseOperation()];
    while (this.accept('&&')) operands.push(this.parseOperation());
    return junctionNode('and', operands);
  }

  private parseOperation(): SelectorNode {
    let negated = false;
    while (this.accept('!')) negated = !negated;
    const operation = this.parseUnnegated();
    return negated ? notNode(operation) : operation;
  }

  private parseUnnegated(): SelectorNode {
    const token = this.token;
    switch (token.kind) {
      case 'has':
        this.advance();
        return hasNode(token.value);
      case 'all':
        this.advance();
        return ALL_NODE;
      case 'global':
        this.advance();
        return GLOBAL_NODE;
      case '(': {
        this.advance();
        const nested = this.parseOr();
        if (!this.accept(')')) this.fail(EXPECTED.afterNested);
        return nested;
      }
      case 'label':
        this.advance();
        return this.parseLabelOperation(token.value);
      default:
        return this.fail(EXPECTED.operation);
    }
  }

  private parseLabelOperation(key: string): SelectorNode {
    const labelTest = LABEL_TESTS[this.token.kind];
    if (labelTest !== undefined) {
      this.advance();
      return labelTestNode(labelTest, key, this.expectString(EXPECTED.string));
    }
    const setTest = SET_TESTS[this.token.kind];
    if (setTest !== undefined) {
      this.advance();
      return setTestNode(setTest, key, this.parseSet());
    }
    return this.fail(EXPECTED.operator(key));
  }

  /** `{}` is the empty set and a trailing comma is fine, but `{,}` and a missing comma are not (parser.go). */
  private parseSet(): string[] {
    if (!this.accept('{')) this.fail(EXPECTED.set);
    const values: string[] = [];
    while (!this.accept('}')) {
      values.push(this.expectString(EXPECTED.setMember));
      if (this.accept('}')) break;
      if (!this.accept(',')) this.fail(EXPECTED.setSeparator);
    }
    return values;
  }

  private expectString(expected: string): string {
    const token = this.token;
    if (token.kind !== 'string') return this.fail(expected);
    this.advance();
    return token.value;
  }

  private at(kind: Token['kind']): boolean {
    return this.token.kind === kind;
  }

  private accept(kind: Token['kind']): boolean {
    if (!this.at(kind)) return false;
    this.advance();
    return true;
  }

  private advance(): void {
    this.token = this.tokens.next();
  }

  private fail(expected: string): never {
    const { offset, kind } = this.token;
    const problem = kind === 'unexpected' ? `unexpected character ${describeCharacter(this.text, offset)}` : undefined;
    throw new SelectorParseError(this.text, offset, expected, problem);
  }
}

/** Printable ASCII as itself; anything else (newline, NBSP, …) by code point, since it may be invisible. */
function describeCharacter(text: string, offset: number): string {
  const codePoint = text.codePointAt(offset) ?? 0;
  return codePoint > 0x20 && codePoint < 0x7f
    ? `'${String.fromCodePoint(codePoint)}'`
    : `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
