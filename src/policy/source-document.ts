/**
 * One document of a policy or inventory file: its plain value, and where each of its fields was written. Positions
 * are looked up only when a diagnostic or an origin's line and column is read: finding them costs a parse with
 * node ranges (YAML) or a scan (JSON), which most documents never need.
 */
import type { Origin } from './model.js';
import { splitPath } from './path.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a path leads in the source text (UTF-16 offsets). */
export interface Located {
  /** The value, or the deepest ancestor found when `exact` is false. */
  readonly start: number;
  /** The key that introduced it, inside a mapping. */
  readonly keyStart?: number | undefined;
  readonly exact: boolean;
  /** For a string written so that its characters map 1:1 onto the source: the offset of its first character. */
  readonly stringStart?: number | undefined;
}

export type Locate = (segments: readonly (string | number)[]) => Located;

export class SourceDocument {
  constructor(
    readonly file: string,
    readonly value: unknown,
    private readonly locate: Locate,
    private readonly lines: LineIndex,
  ) {}

  /**
   * Where `path` was written: its value, or its key with `part: 'key'`. A path that is absent (a missing
   * required field) reports the nearest ancestor that exists.
   */
  position(path: string, part: 'key' | 'value' = 'value'): Position {
    return positionOf(this.locate, this.lines, path, part);
  }

  /**
   * Where character `offset` (UTF-16) of the string at `path` was written: exact for strings on one line without
   * escapes, else the string's start (the message still names the offset).
   */
  positionInString(path: string, offset: number): Position {
    const found = this.locate(splitPath(path));
    return this.lines.position(found.exact && found.stringStart !== undefined ? found.stringStart + offset : found.start);
  }

  /**
   * `position(path)` as an Origin whose line and column are looked up when first read: policies, rules and
   * inventory resources each carry one, and only diagnostics and traces ever read them. The origin keeps the
   * locator and the file's text alive, not the document's value.
   */
  origin(path: string): Origin {
    const { file, locate, lines } = this;
    let at: Position | undefined;
    const where = (): Position => (at ??= positionOf(locate, lines, path, 'value'));
    return {
      file,
      get line() {
        return where().line;
      },
      get column() {
        return where().column;
      },
    };
  }
}

function positionOf(locate: Locate, lines: LineIndex, path: string, part: 'key' | 'value'): Position {
  const found = locate(splitPath(path));
  return lines.position(part === 'key' && found.keyStart !== undefined ? found.keyStart : found.start);
}

/** Line starts of a text, for offset → line and column (1-based; columns count UTF-16 units); built on first use. */
export class LineIndex {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  position(offset: number): Position {
    const starts = (this.starts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
