/**
 * The fast path for YAML files: js-yaml reads values several times faster than eemeli/yaml builds its node tree,
 * and positions are found later, per document, only when asked for (documentLocator). It takes only text on
 * which both parsers agree, value for value, and declines everything else, to parseYamlFully, whose values and
 * diagnostics are then exactly what they were before the fast path existed:
 * - text js-yaml rejects (syntax errors, duplicate keys, nesting deeper than 100, non-printable characters);
 * - text with the constructs listed in DECLINED_TEXT (directives, explicit keys, tabs, ...);
 * - tags: yaml warns about unknown ones, and reads known ones its own way;
 * - collections used as keys, which the two parsers turn into different strings;
 * - aliases that could expand past yaml's limit (yaml-aliases.ts; other aliases become copies, as in yaml).
 * Plain scalars resolve as yaml's core schema does (yaml-core-schema.ts). test/policy/yaml-fast.test.ts checks
 * the agreement on the fixtures and on generated and edited text.
 */
import { load, type LoadOptions, type State, YAMLException } from 'js-yaml';
import { unshareAliases } from './yaml-aliases.js';
import { documentLocator } from './yaml-full.js';
import { CORE_SCALAR_TAG, YAML_CORE_SCHEMA } from './yaml-core-schema.js';
import { type LineIndex, SourceDocument } from './source-document.js';

/**
 * Text the fast path leaves to yaml, each found by fuzzing the two parsers against each other
 * (test/policy/yaml-fast.test.ts keeps a row for each):
 */
const DECLINED_TEXT: readonly RegExp[] = [
  // a directive line;
  /^%/m,
  // an explicit key (`? `), or a flow collection used as a key;
  /(?:^|[\s,[{])\?(?:[ \t\r\n]|$)/m,
  /[\]}][ \t]*:/,
  // a line break that is a lone CR (js-yaml reads some as line breaks, some as content);
  /\r(?!\n)/,
  // a tab (yaml refuses some in block scalars that js-yaml takes);
  /\t/,
  // a byte order mark after the start (yaml drops one before a document's content, js-yaml keeps it as text);
  /[\s\S]\uFEFF/,
  // an empty sequence item (`-` ending a line: js-yaml puts the next, less indented item inside its sequence);
  /(?:^|[ \t])-[ \t]*(?:#.*)?$/m,
  // a comment glued to a quote or bracket (yaml: "Comments must be separated from other tokens by white space");
  /["'\]}]#/,
  // a document marker glued to text (`---#`, `----`), or content on the `---` line.
  /^(?:---|\.\.\.)[^ \t\r\n]/m,
  /^---[ \t]+[^ \t\r\n#]/m,
];

class Declined extends Error {}

/** js-yaml's parser state also holds the node's tag and anchor, which its type declarations leave out. */
interface NodeState extends State {
  readonly tag: string | null;
  readonly anchor: string | null;
}

/** Reads one document with js-yaml, refusing the nodes the two parsers read differently. */
class DocumentReader {
  /** Where each node now open starts, outermost first (offsets in js-yaml's copy of the text). */
  private readonly starts: number[] = [];
  /** Anchor name → where its `&` is written: js-yaml reports some nodes twice, from nested calls. */
  private readonly anchors = new Map<string, number>();

  private readonly options: LoadOptions = {
    schema: YAML_CORE_SCHEMA,
    listener: (event, state) => {
      if (event === 'open') this.starts.push(state.position);
      else this.close(state as NodeState);
    },
    onWarning: () => {
      throw new Declined();
    },
  };

  /** The document's value; undefined for an empty document. Throws Declined or js-yaml's YAMLException. */
  read(source: string): unknown {
    const value = load(source, this.options);
    if (this.anchors.size === 0) return value;
    const tree = unshareAliases(value, occurrences(source, '*'));
    if (tree === undefined) throw new Declined();
    return tree;
  }

  private close(state: NodeState): void {
    const start = this.starts.pop() as number;
    const { tag, anchor, kind, input } = state;
    // A node without a tag has none (collections, quoted scalars), `?` (a plain string) or the core scalar tag (a
    // plain null, boolean or number); any other tag was written in the text.
    if (tag !== null && tag !== '?' && tag !== CORE_SCALAR_TAG) throw new Declined();
    const isCollection = kind === 'mapping' || kind === 'sequence';
    if (anchor !== null) {
      // `&d: e` names its anchor `d:` for both parsers, and yaml warns that it is ambiguous: left to yaml to say.
      if (anchor.endsWith(':')) throw new Declined();
      const at = contentStart(input, start);
      // yaml resolves an alias to the anchor written last before it, js-yaml to the node completed last: they
      // differ when one anchor name marks a node and a node inside it.
      if ((this.anchors.get(anchor) ?? at) !== at) throw new Declined();
      this.anchors.set(anchor, at);
      // An anchored block collection starts on a later line, and an anchored key is rare enough to leave to yaml
      // (`k: &a x: y` is an error for yaml, a mapping for js-yaml).
      if (isCollection ? !collectionAfterAnchor(input, at) : input[nextContent(input, state.position)] === ':') throw new Declined();
    }
    // A collection inside a flow mapping that no `:` introduces is a key (`{ {a: 1} }`, `{x: 1, [a]}`). The node
    // that encloses it may start at the same offset: js-yaml first tries a flow collection as a block mapping's key.
    const parent = this.starts[this.starts.length - 1];
    if (isCollection && parent !== undefined) {
      const from = contentStart(input, parent);
      const at = contentStart(input, start);
      if (from < at && input[from] === '{' && input[previousContent(input, at)] !== ':') throw new Declined();
    }
  }
}

/** Whether the anchor at `i` (`&name`) is followed by a flow collection or by the end of its line. */
function collectionAfterAnchor(input: string, i: number): boolean {
  if (input[i] !== '&') return false;
  let j = i + 1;
  while (j < input.length && !' \t\r\n'.includes(input[j] as string)) j++;
  const next = input[nextContent(input, j)];
  return next === undefined || next === '{' || next === '[' || next === '#' || next === '\r' || next === '\n';
}

function occurrences(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) n++;
  return n;
}

/** The first offset from `i` that is neither white space nor inside a comment. */
function contentStart(input: string, i: number): number {
  let j = i;
  for (;;) {
    const c = input[j];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') j++;
    else if (c === '#') while (j < input.length && input[j] !== '\n') j++;
    else return j;
  }
}

/** The first offset from `i` that is not a space or tab. */
function nextContent(input: string, i: number): number {
  let j = i;
  while (input[j] === ' ' || input[j] === '\t') j++;
  return j;
}

/** The last offset before `i` that is not white space. */
function previousContent(input: string, i: number): number {
  let j = i - 1;
  while (j >= 0 && (input[j] === ' ' || input[j] === '\t' || input[j] === '\r' || input[j] === '\n')) j--;
  return j;
}

/**
 * The documents of a YAML file, or undefined when the fast path declines it. Documents that are empty (only
 * comments, `---`, or `null`) are left out, as yaml's path does.
 */
export function parseYamlFast(file: string, text: string, lines: LineIndex): SourceDocument[] | undefined {
  if (DECLINED_TEXT.some((pattern) => pattern.test(text))) return undefined;
  const documents: SourceDocument[] = [];
  try {
    for (const [start, end] of documentRanges(text)) {
      const value = new DocumentReader().read(text.slice(start, end));
      if (value === undefined || value === null) continue;
      documents.push(new SourceDocument(file, value, documentLocator(text, start, end, 0), lines));
    }
  } catch (e) {
    if (e instanceof Declined || e instanceof YAMLException) return undefined;
    throw e;
  }
  return documents;
}

/**
 * Where each document is written: the text is cut before every `---` that starts a line and is followed by a
 * space, a tab, a line break or the end (YAML 1.2 `c-directives-end`; no scalar may hold such a line, so every
 * one starts a document). A piece that still holds two documents (after `...`, or lines broken by a lone CR)
 * makes js-yaml's `load` throw, and the file goes to yaml.
 */
export function documentRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  for (let line = 0; line >= 0 && line < text.length; line = nextLine(text, line)) {
    if (line > start && isDocumentStart(text, line)) {
      ranges.push([start, line]);
      start = line;
    }
  }
  ranges.push([start, text.length]);
  return ranges;
}

function nextLine(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline < 0 ? -1 : newline + 1;
}

function isDocumentStart(text: string, line: number): boolean {
  if (!text.startsWith('---', line)) return false;
  const after = text[line + 3];
  return after === undefined || after === ' ' || after === '\t' || after === '\r' || after === '\n';
}
