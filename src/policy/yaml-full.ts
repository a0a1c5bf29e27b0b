/**
 * YAML through eemeli/yaml, which keeps every node's range (`src/nodes/types.ts`) and collects every error and
 * warning with its offset. It reads the files the fast path (yaml-fast.ts) declines, so that their values and
 * diagnostics are yaml's, and it finds the positions of every YAML document, when one is asked for.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node } from 'yaml';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { type LineIndex, type Locate, type Located, SourceDocument } from './source-document.js';

/** Alias expansions allowed per document: enough for real manifests, too few for a "billion laughs". */
export const MAX_ALIAS_NODES = 100_000;

const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: true } as const;

/** Parses every document of a file; documents with syntax errors are reported and left out. */
export function parseYamlFully(file: string, text: string, lines: LineIndex): { documents: SourceDocument[]; diagnostics: Diagnostic[] } {
  const parsed = parseAllDocuments(text, PARSE_OPTIONS);
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
  // The loader asks for positions (diagnostics) while it reads this file: let them use this parse.
  const tree = remember(text, 0, text.length, text, parsed);
  /** The index of `doc` among the documents with content (ParsedText.docs). */
  let index = -1;
  for (const doc of parsed) {
    if (doc.contents !== null) index++;
    for (const w of doc.warnings) report('yaml-warning', w.message, w.pos[0]);
    for (const e of doc.errors) report('yaml-syntax', e.message, e.pos[0]);
    if (doc.errors.length > 0 || doc.contents === null) continue;
    try {
      const value = new ValueBuilder(tree.aliases[index] as AliasTargets).value(doc.contents, false);
      // A document holding only comments or `---` is empty, not a resource.
      if (value === null) continue;
      documents.push(new SourceDocument(file, value, documentLocator(text, 0, text.length, index), lines));
    } catch (e) {
      if (!(e instanceof AliasError)) throw e;
      report('yaml-syntax', e.message, doc.contents.range?.[0] ?? 0);
    }
  }
  return { documents, diagnostics };
}

/**
 * Positions in document `index` (counting documents with content) of the YAML written at `text[start, end)`: a
 * whole file (parseYamlFully), or one fast-path document, which yaml parses alone when a position is first asked
 * for (a document's node ranges do not depend on the documents before it; directives, which would, send the file
 * to parseYamlFully).
 */
export function documentLocator(text: string, start: number, end: number, index: number): Locate {
  return (segments) => {
    const tree = parsedAt(text, start, end);
    const doc = tree.docs[index];
    if (doc === undefined) throw new Error(`no YAML document ${index} at offsets ${start}-${end}`);
    const found = yamlLocator(doc, tree.source, tree.aliases[index] as AliasTargets)(segments);
    return {
      start: start + found.start,
      keyStart: found.keyStart === undefined ? undefined : start + found.keyStart,
      exact: found.exact,
      stringStart: found.stringStart === undefined ? undefined : start + found.stringStart,
    };
  };
}

interface ParsedText {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** `text[start, end)`, which the node ranges count from. */
  readonly source: string;
  /** The documents that have content, each with its alias targets. */
  readonly docs: readonly Document.Parsed[];
  readonly aliases: readonly AliasTargets[];
}

/**
 * The text last parsed for positions. A resource's diagnostics and origins ask for many positions in one document
 * in a row; keeping one parse, not one per document asked, keeps the trees of a file from all staying in memory
 * (origins live as long as the policies that hold them).
 */
let lastParsed: ParsedText | undefined;

function parsedAt(text: string, start: number, end: number): ParsedText {
  const last = lastParsed;
  if (last !== undefined && last.start === start && last.end === end && last.text === text) return last;
  const source = text.slice(start, end);
  const parsed = parseAllDocuments(source, PARSE_OPTIONS);
  return remember(text, start, end, source, 'empty' in parsed ? [] : parsed);
}

function remember(text: string, start: number, end: number, source: string, parsed: readonly Document.Parsed[]): ParsedText {
  const docs = parsed.filter((d) => d.contents !== null);
  lastParsed = { text, start, end, source, docs, aliases: docs.map((d) => new AliasTargets(d)) };
  return lastParsed;
}

/** Positions in a YAML document, from the ranges its nodes keep. */
function yamlLocator(doc: Document.Parsed, text: string, aliases: AliasTargets): Locate {
  return (segments): Located => {
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

/** An alias the document cannot be expanded through: too many nodes, or inside the node it names. */
class AliasError extends Error {}

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
  /** The collections being built, from the root down: an alias of one of them would expand forever. */
  private readonly open = new Set<Node>();

  constructor(private readonly aliases: AliasTargets) {}

  value(node: Node, insideAlias: boolean): unknown {
    if (insideAlias && ++this.aliasNodes > MAX_ALIAS_NODES) throw new AliasError(`document expands more than ${MAX_ALIAS_NODES} nodes through aliases`);
    if (isAlias(node)) {
      const target = this.aliases.target(node);
      if (target !== undefined && this.open.has(target)) throw new AliasError(`alias *${node.source} is inside the node it names`);
      return target === undefined ? null : this.value(target, true);
    }
    if (isMap(node) || isSeq(node)) {
      this.open.add(node);
      const value = this.collection(node, insideAlias);
      this.open.delete(node);
      return value;
    }
    if (isScalar(node)) return node.value;
    return null;
  }

  private collection(node: Node, insideAlias: boolean): unknown {
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
    return null;
  }
}

function keyName(key: Node | null): string {
  return isScalar(key) ? String(key.value) : String(key);
}
