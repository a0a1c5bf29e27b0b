/**
 * The selector syntax tree (libcalico-go `selector/parser/ast.go`) and its canonical text.
 *
 * Nodes are built only through the constructors below, which keep the tree canonical: set members sorted and
 * deduplicated, no `!` directly under another `!`. Calico's `String()` prints `!(!has(a))` as `!!has(a)`, which
 * re-parses (by `!` parity) to `has(a)`; collapsing double negation here makes the printed text a fixed point,
 * equal to what Calico prints once its own output is parsed again.
 */

export type LabelTest = 'equals' | 'notEquals' | 'contains' | 'startsWith' | 'endsWith';
export type SetTest = 'in' | 'notIn';

export interface AllNode {
  readonly kind: 'all';
}
/** Matches every label set; only its meaning inside a rule's namespaceSelector is special (see types.ts). */
export interface GlobalNode {
  readonly kind: 'global';
}
export interface HasNode {
  readonly kind: 'has';
  readonly key: string;
}
export interface LabelTestNode {
  readonly kind: LabelTest;
  readonly key: string;
  readonly value: string;
}
export interface SetTestNode {
  readonly kind: SetTest;
  readonly key: string;
  /** Sorted by code point (Go's bytewise UTF-8 order), no duplicates. */
  readonly values: readonly string[];
}
export interface NotNode {
  readonly kind: 'not';
  readonly operand: Exclude<SelectorNode, NotNode>;
}
export interface JunctionNode {
  readonly kind: 'and' | 'or';
  /** Kept as written: `(a && b) && c` stays nested, as Calico keeps and prints it. */
  readonly operands: readonly [SelectorNode, SelectorNode, ...SelectorNode[]];
}

export type SelectorNode = AllNode | GlobalNode | HasNode | LabelTestNode | SetTestNode | NotNode | JunctionNode;

export const ALL_NODE: AllNode = { kind: 'all' };
export const GLOBAL_NODE: GlobalNode = { kind: 'global' };

export function hasNode(key: string): HasNode {
  return { kind: 'has', key };
}

export function labelTestNode(kind: LabelTest, key: string, value: string): LabelTestNode {
  return { kind, key, value };
}

export function setTestNode(kind: SetTest, key: string, values: readonly string[]): SetTestNode {
  const sorted = [...values].sort(compareCodePoints);
  return { kind, key, values: sorted.filter((value, i) => i === 0 || value !== sorted[i - 1]) };
}

/** `!` of a `!` is its operand again (see above: keeps the printed text a fixed point). */
export function notNode(operand: SelectorNode): SelectorNode {
  return operand.kind === 'not' ? operand.operand : { kind: 'not', operand };
}

/** One operand stands for itself, as in Calico's parser (a lone term gets no And/Or wrapper). */
export function junctionNode(
  kind: JunctionNode['kind'],
  operands: readonly [SelectorNode, ...SelectorNode[]],
): SelectorNode {
  const [first, second, ...rest] = operands;
  return second === undefined ? first : { kind, operands: [first, second, ...rest] };
}

const LABEL_TEST_OPERATORS: Readonly<Record<LabelTest, string>> = {
  equals: ' == ',
  notEquals: ' != ',
  contains: ' contains ',
  startsWith: ' starts with ',
  endsWith: ' ends with ',
};

/** Calico's `Selector.String()`: the cache key and identity of a selector. */
export function canonicalText(node: SelectorNode): string {
  switch (node.kind) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${node.key})`;
    case 'equals':
    case 'notEquals':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return node.key + LABEL_TEST_OPERATORS[node.kind] + quoted(node.value);
    case 'in':
    case 'notIn':
      return `${node.key} ${node.kind === 'in' ? 'in' : 'not in'} {${node.values.map(quoted).join(', ')}}`;
    case 'not':
      return `!${canonicalText(node.operand)}`;
    case 'and':
    case 'or':
      return `(${node.operands.map(canonicalText).join(node.kind === 'and' ? ' && ' : ' || ')})`;
  }
}

/** The label keys a selector reads, each once, in the order it names them; none for `all()` and `global()`. */
export function labelKeys(node: SelectorNode): string[] {
  const keys = new Set<string>();
  const walk = (n: SelectorNode): void => {
    switch (n.kind) {
      case 'all':
      case 'global':
        return;
      case 'not':
        return walk(n.operand);
      case 'and':
      case 'or':
        return n.operands.forEach(walk);
      default:
        keys.add(n.key);
    }
  };
  walk(node);
  return [...keys];
}

/** Strings have no escapes, so a value holding `"` can only be written in single quotes (ast.go does the same). */
function quoted(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** Go sorts strings by UTF-8 bytes, i.e. by code point; JS `<` compares UTF-16 units, which differs above U+D7FF. */
function compareCodePoints(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (U+D800–DFFF) encode code points above U+FFFF, so they must rank after U+E000–FFFF. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}
