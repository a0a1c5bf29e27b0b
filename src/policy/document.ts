/**
 * Stage 1 of policy loading: text → documents whose values are plain data and whose every field can be traced
 * back to a line and column. YAML keeps every node's range (eemeli/yaml `src/nodes/types.ts`); positions are
 * looked up from those ranges when a diagnostic or an origin needs one. A `.json` file that JSON.parse accepts
 * skips the YAML parser (far slower on large `kubectl -o json` dumps) and is located by JsonLocator; any other
 * JSON goes through the YAML parser, which reports syntax errors with their position.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node } from 'yaml';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { JsonLocator } from './json-locator.js';
import { splitPath } from './path.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Alias expansions allowed per document: enough for real manifests, too few for a "billion laughs". */
const MAX_ALIAS_NODES = 100_000;

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

type Locate = (segments: readonly (string | number)[]) => Located;

/** One document of a file: its plain value and the source position of every field in it. */
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
    const found = this.locate(splitPath(path));
    return this.lines.position(part === 'key' && found.keyStart !== undefined ? found.keyStart : found.start);
  }

  /**
   * Where character `offset` (UTF-16) of the string at `path` was written: exact for strings on one line without
   * escapes, else the string's start (the message still names the offset).
   */
  positionInString(path: string, offset: number): Position {
    const found = this.locate(splitPath(path));
    return this.lines.position(found.exact && found.stringStart !== undefined ? found.stringStart + offset : found.start);
  }
}

/** Line starts of a text, for offset → line and column (1-based; columns count UTF-16 units). */
class LineIndex {
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

/** Positions in a YAML document, from the ranges its nodes keep. */
function yamlLocator(doc: Document.Parsed, text: string, aliases: AliasTargets): Locate {
  return (segments) => {
    let node: Node | undefined = doc.contents ?? undefined;
    let key: Node | undefined;
    let exact = true;
    for (const segment of segments) {
      const here = node === undefined ? undefined : aliases.target(node);
      let next: { node: Node; key?: Node } | undefined;
      if (typeof segment === 'number' && isSeq(here)) {
        const item = here.items[segment] as Node | null | undefined;
        if (item != null) next = { node: item };
      } else if (typeof segment === 'string' && isMap(here)) {
        const pair = here.items.find((p) => keyName(p.key as Node | null) === segment);
        // `key:` with nothing after it: the key is the only position there is.
        if (pair !== undefined) next = { node: (pair.value as Node | null) ?? (pair.key as Node), key: pair.key as Node };
      }
      if (next === undefined) {
        exact = false;
        break;
      }
      node = next.node;
      key = next.key;
    }
    return { start: node?.range?.[0] ?? 0, keyStart: key?.range?.[0], exact, stringStart: exact ? stringStart(node, text) : undefined };
  };
}

/** Plain and quoted scalars whose source is exactly their value (no escapes, no folding) map 1:1. */
function stringStart(node: Node | undefined, text: string): number | undefined {
  if (!isScalar(node) || node.range == null || typeof node.value !== 'string') return undefined;
  const [start, end] = node.range;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  const source = text.slice(start, end);
  return (quoted ? source.slice(1, -1) : source) === node.value ? start + (quoted ? 1 : 0) : undefined;
}

/** Parses every document of a file; documents with syntax errors are reported and left out. */
export function parseDocuments(file: string, text: string): { documents: SourceDocument[]; diagnostics: Diagnostic[] } {
  const lines = new LineIndex(text);
  if (file.toLowerCase().endsWith('.json')) {
    const json = parseJson(text);
    if (json !== undefined) {
      const locator = new JsonLocator(text);
      const documents = json.value === null ? [] : [new SourceDocument(file, json.value, (s) => locator.locate(s), lines)];
      return { documents, diagnostics: [] };
    }
  }
  const parsed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const report = (code: 'yaml-syntax' | 'yaml-warning', message: string, offset: number): void => {
    diagnostics.push(diagnostic(code, message, { file, ...lines.position(offset), path: '' }));
  };
  if ('empty' in parsed) {
    // A stream without documents still carries stream-level errors (e.g. a stray `...`).
    for (const e of parsed.errors) report('yaml-syntax', e.message, e.pos[0]);
    return { documents, diagnostics };
  }
  for (const doc of parsed) {
    for (const w of doc.warnings) report('yaml-warning', w.message, w.pos[0]);
    if (doc.errors.length > 0) {
      for (const e of doc.errors) report('yaml-syntax', e.message, e.pos[0]);
      continue;
    }
    if (doc.contents === null) continue;
    const aliases = new AliasTargets(doc);
    try {
      const value = new ValueBuilder(aliases).value(doc.contents, false);
      // A document holding only comments or `---` is empty, not a resource.
      if (value === null) continue;
      documents.push(new SourceDocument(file, value, yamlLocator(doc, text, aliases), lines));
    } catch (e) {
      if (!(e instanceof AliasLimitError)) throw e;
      report('yaml-syntax', e.message, doc.contents.range?.[0] ?? 0);
    }
  }
  return { documents, diagnostics };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

class AliasLimitError extends Error {
  constructor() {
    super(`document expands more than ${MAX_ALIAS_NODES} nodes through aliases`);
  }
}

/** Resolves alias nodes once each (yaml's Alias.resolve searches the whole document). */
class AliasTargets {
  private readonly targets = new Map<Node, Node | undefined>();

  constructor(private readonly doc: Document.Parsed) {}

  /** The node itself, or the node an alias points at. */
  target(node: Node): Node | undefined {
    if (!isAlias(node)) return node;
    if (!this.targets.has(node)) this.targets.set(node, node.resolve(this.doc) as Node | undefined);
    return this.targets.get(node);
  }
}

/** The plain value of a document, expanding aliases up to MAX_ALIAS_NODES. */
class ValueBuilder {
  private aliasNodes = 0;

  constructor(private readonly aliases: AliasTargets) {}

  value(node: Node, insideAlias: boolean): unknown {
    if (insideAlias && ++this.aliasNodes > MAX_ALIAS_NODES) throw new AliasLimitError();
    if (isAlias(node)) {
      const target = this.aliases.target(node);
      return target === undefined ? null : this.value(target, true);
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const valueNode = pair.value as Node | null;
        const value = valueNode === null ? null : this.value(valueNode, insideAlias);
        // defineProperty, so a `__proto__` key is data (as in JSON.parse), never the object's prototype.
        Object.defineProperty(out, keyName(pair.key as Node | null), { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item) => (item === null ? null : this.value(item as Node, insideAlias)));
    }
    if (isScalar(node)) return node.value;
    return null;
  }
}

function keyName(key: Node | null): string {
  return isScalar(key) ? String(key.value) : String(key);
}
