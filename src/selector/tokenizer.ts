/**
 * Selector tokens, one at a time (libcalico-go `selector/tokenizer/tokenizer.go`).
 *
 * Calico tokenizes the whole text before parsing; we hand tokens to the parser on demand, so the first error
 * reported is the leftmost one and can say what the parser expected there. Both reject exactly the same texts.
 * A character that starts no token comes out as an `unexpected` token for the same reason: the parser knows what
 * it wanted at that point. The few errors only the tokenizer can see (an unterminated string, a too-long key, a
 * malformed `has(`) are thrown here.
 */
import { SelectorParseError } from './errors.js';

/** tokenizer.go `MaxLabelLength`. */
const MAX_LABEL_LENGTH = 512;

type ValueTokenKind = 'label' | 'string' | 'has';
type OperatorWord = 'in' | 'not in' | 'contains' | 'starts with' | 'ends with';
type PlainTokenKind =
  | OperatorWord
  | '(' | ')' | '{' | '}' | ','
  | '==' | '!=' | '!' | '&&' | '||'
  | 'all' | 'global'
  | 'end'
  /** A character that begins no token here, e.g. a lone `=`, `&` or `|`, `%`, or a newline. */
  | 'unexpected';

export type Token =
  | { readonly kind: ValueTokenKind; readonly value: string; readonly offset: number }
  | { readonly kind: PlainTokenKind; readonly offset: number };

/** Word operators, recognised only right after a label; tokenizer.go tries them in this order. */
const OPERATOR_WORDS: readonly (readonly [OperatorWord, readonly string[]])[] = [
  ['contains', ['contains']],
  ['starts with', ['starts', 'with']],
  ['ends with', ['ends', 'with']],
  ['not in', ['not', 'in']],
  ['in', ['in']],
];

const PUNCTUATION: ReadonlyMap<string, PlainTokenKind> = new Map(
  (['(', ')', '{', '}', ','] as const).map((kind) => [kind, kind]),
);

/** Tried before `!`, so `!=` is one token (tokenizer.go); a lone `=`, `&` or `|` is unexpected. */
const TWO_CHARACTER_OPERATORS: ReadonlyMap<string, PlainTokenKind> = new Map(
  (['==', '!=', '&&', '||'] as const).map((kind) => [kind, kind]),
);

export class Tokenizer {
  private offset = 0;
  private previous: Token['kind'] | undefined;

  constructor(private readonly text: string) {}

  next(): Token {
    const token = this.scan();
    this.previous = token.kind;
    return token;
  }

  private scan(): Token {
    this.skipBlanks();
    const start = this.offset;
    if (start === this.text.length) return { kind: 'end', offset: start };
    const c = this.text.charAt(start);

    const punctuation = PUNCTUATION.get(c);
    if (punctuation !== undefined) return this.plain(punctuation, 1);
    const operator = TWO_CHARACTER_OPERATORS.get(this.text.slice(start, start + 2));
    if (operator !== undefined) return this.plain(operator, 2);
    if (c === '!') return this.plain('!', 1);
    if (c === '"' || c === "'") return this.stringLiteral(c);

    if (this.previous === 'label') {
      const word = this.operatorWord();
      if (word !== undefined) return word;
    } else {
      const call = this.functionCall();
      if (call !== undefined) return call;
    }
    // Otherwise a key, or a character that starts no token; right after a label the parser wants an operator.
    const key = this.labelKey();
    return key === undefined ? this.plain('unexpected', 1) : { kind: 'label', value: key, offset: start };
  }

  private plain(kind: PlainTokenKind, length: number): Token {
    const token = { kind, offset: this.offset };
    this.offset += length;
    return token;
  }

  /** No escapes: the literal ends at the next quote of its kind, whatever comes between. */
  private stringLiteral(quote: '"' | "'"): Token {
    const start = this.offset;
    const end = this.text.indexOf(quote, start + 1);
    if (end === -1) throw new SelectorParseError(this.text, start, `a closing ${quote}`, 'unterminated string');
    this.offset = end + 1;
    return { kind: 'string', value: this.text.slice(start + 1, end), offset: start };
  }

  /** `notin`, `startswith` and `endswith` are accepted: blanks between the words are optional. */
  private operatorWord(): Token | undefined {
    const start = this.offset;
    for (const [kind, words] of OPERATOR_WORDS) {
      const end = this.matchWords(words, start);
      // A word operator must end at a word boundary: in `a inx` the second word is the label `inx`.
      if (end !== undefined && !isKeyCharacter(this.text.charCodeAt(end))) {
        this.offset = end;
        return { kind, offset: start };
      }
    }
    return undefined;
  }

  private matchWords(words: readonly string[], at: number): number | undefined {
    for (const [i, word] of words.entries()) {
      if (i > 0) at = this.skipBlanksFrom(at);
      if (!this.text.startsWith(word, at)) return undefined;
      at += word.length;
    }
    return at;
  }

  /** `has(key)`, `all()`, `global()`: no blank before `(`, any blanks inside. */
  private functionCall(): Token | undefined {
    const start = this.offset;
    if (this.text.startsWith('has(', start)) {
      this.offset = this.skipBlanksFrom(start + 4);
      const key = this.labelKey();
      if (key === undefined) throw new SelectorParseError(this.text, this.offset, 'a label key');
      this.closeCall('has(');
      return { kind: 'has', value: key, offset: start };
    }
    for (const kind of ['all', 'global'] as const) {
      if (this.text.startsWith(`${kind}(`, start)) {
        this.offset = start + kind.length + 1;
        this.closeCall(`${kind}(`);
        return { kind, offset: start };
      }
    }
    return undefined;
  }

  private closeCall(opening: string): void {
    this.offset = this.skipBlanksFrom(this.offset);
    if (this.text[this.offset] !== ')') {
      throw new SelectorParseError(this.text, this.offset, `')' to close ${opening}`);
    }
    this.offset++;
  }

  /** A run of key characters, or undefined when there is none here. */
  private labelKey(): string | undefined {
    const start = this.offset;
    let end = start;
    while (isKeyCharacter(this.text.charCodeAt(end))) end++;
    if (end === start) return undefined;
    if (end - start > MAX_LABEL_LENGTH) {
      throw new SelectorParseError(
        this.text,
        start,
        `a label key of at most ${MAX_LABEL_LENGTH} characters`,
        `label key too long (${end - start} characters)`,
      );
    }
    this.offset = end;
    return this.text.slice(start, end);
  }

  private skipBlanks(): void {
    this.offset = this.skipBlanksFrom(this.offset);
  }

  /** Only space and tab are blanks (tokenizer.go `trimWhitespace`); a newline is an unexpected character. */
  private skipBlanksFrom(at: number): number {
    while (this.text[at] === ' ' || this.text[at] === '\t') at++;
    return at;
  }
}

/** `[A-Za-z0-9_./-]` (tokenizer.go `identifierChar`); NaN (past the end) is none of them. */
function isKeyCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x2f || // /
    code === 0x2d // -
  );
}
