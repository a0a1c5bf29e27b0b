/**
 * A selector that Calico would reject (libcalico-go `selector.Validate` fails on exactly the same texts).
 * Calico's own errors carry no position; ours name the column and what the parser expected there, so a
 * policy file can point at the offending character.
 */
export class SelectorParseError extends Error {
  override readonly name = 'SelectorParseError';
  /** The selector text as given. */
  readonly selector: string;
  /** 1-based column in `selector`, counted in characters (code points); `length + 1` means "at the end". */
  readonly column: number;
  /** What would have been accepted at `column`, e.g. `a quoted string`. */
  readonly expected: string;

  /**
   * @param offset UTF-16 offset into `selector` where the problem is.
   * @param problem What was wrong, when "expected …" alone would not say it (e.g. `unterminated string`).
   */
  constructor(selector: string, offset: number, expected: string, problem?: string) {
    const column = columnAt(selector, offset);
    const reason = problem === undefined ? `expected ${expected}` : `${problem}, expected ${expected}`;
    super(`selector ${JSON.stringify(selector)}: column ${column}: ${reason}`);
    this.selector = selector;
    this.column = column;
    this.expected = expected;
  }
}

function columnAt(text: string, offset: number): number {
  // Array.from walks code points, so a character outside the BMP counts once.
  return Array.from(text.slice(0, offset)).length + 1;
}
