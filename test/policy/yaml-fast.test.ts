/**
 * The fast YAML path (js-yaml values, positions found later with yaml) against the full one (yaml for
 * everything): wherever the fast path takes a text, both must give the same documents, values, key order and
 * positions; everything else it must decline.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseDocuments } from '../../src/policy/document.js';
import { childPath, itemPath } from '../../src/policy/path.js';
import { LineIndex, type SourceDocument } from '../../src/policy/source-document.js';
import { documentRanges, parseYamlFast } from '../../src/policy/yaml-fast.js';
import { parseYamlFully } from '../../src/policy/yaml-full.js';

const fast = (text: string): SourceDocument[] | undefined => parseYamlFast('f.yaml', text, new LineIndex(text));
const full = (text: string) => parseYamlFully('f.yaml', text, new LineIndex(text));
const values = (docs: readonly SourceDocument[] | undefined) => docs?.map((d) => d.value);

function paths(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => paths(v, itemPath(path, i)))];
  if (value !== null && typeof value === 'object') return [path, ...Object.keys(value).flatMap((k) => paths((value as Record<string, unknown>)[k], childPath(path, k)))];
  return [path];
}

/** Everything a document tells the loader, in a form toEqual compares strictly (key order, -0, NaN). */
function observed(doc: SourceDocument): unknown[] {
  const out: unknown[] = [JSON.stringify(doc.value), Object.is(doc.value, -0)];
  for (const path of paths(doc.value, '')) {
    const origin = doc.origin(path);
    out.push([path, doc.position(path), doc.position(path, 'key'), doc.positionInString(path, 1), { ...origin }]);
  }
  return out;
}

/** The fast path declines the text, or agrees with the full path on every document and position. */
function expectAgreement(text: string): 'declined' | 'taken' {
  const documents = fast(text);
  if (documents === undefined) return 'declined';
  const reference = full(text);
  expect(reference.diagnostics).toEqual([]);
  expect(documents.map(observed)).toEqual(reference.documents.map(observed));
  // JSON.stringify hides -0 and NaN and key types; compare the values themselves too.
  expect(values(documents)).toStrictEqual(values(reference.documents));
  return 'taken';
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const FIXTURES = yamlFiles('fixtures');

describe('fixtures', () => {
  test.each(FIXTURES)('%s: both paths agree', (file) => {
    expectAgreement(readFileSync(file, 'utf8'));
  });

  test('the fast path takes every well-formed fixture (so the agreement above is not vacuous)', () => {
    const declined = FIXTURES.filter((file) => fast(readFileSync(file, 'utf8')) === undefined);
    expect(declined).toEqual(['fixtures/policy/broken/syntax.yaml']);
  });
});

describe('plain scalars resolve as yaml 1.2 core (not YAML 1.1, not js-yaml core)', () => {
  test.each([
    ['on', 'on'],
    ['yes', 'yes'],
    ['No', 'No'],
    ['True', true],
    ['TRUE', true],
    ['tRue', 'tRue'],
    ['false', false],
    ['~', null],
    ['Null', null],
    ['nULL', 'nULL'],
    ['0o17', 15],
    ['0O17', '0O17'],
    ['017', 17],
    ['0x1F', 31],
    ['-0x1F', '-0x1F'],
    ['0b101', '0b101'],
    ['1_000', '1_000'],
    ['+1', 1],
    ['-0', -0],
    ['1e3', 1000],
    ['1E+3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['10.50', 10.5],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['.NaN', NaN],
    ['nan', 'nan'],
    ['2025-01-01', '2025-01-01'],
    ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'],
    ['12:30', '12:30'],
    ['9007199254740993', 9007199254740992],
  ])('%s', (source, value) => {
    const text = `v: ${source}\n`;
    expect(values(fast(text))).toStrictEqual([{ v: value }]);
    expect(expectAgreement(text)).toBe('taken');
  });

  test('quoted scalars stay strings; keys are strings of the resolved value', () => {
    const text = 'a: "1"\nb: \'true\'\n1.0: x\n0x10: y\n~: z\n';
    expect(values(fast(text))).toStrictEqual([{ '1': 'x', a: '1', b: 'true', '16': 'y', null: 'z' }]);
    expectAgreement(text);
  });
});

describe('what the fast path declines, and why', () => {
  // Each row: text, and what yaml's path makes of it (a value, or the first diagnostic) that js-yaml would not.
  test.each([
    ['a directive', '%YAML 1.2\n---\na: 1\n', [{ a: 1 }]],
    ['an explicit key', '? a\n: 1\n', [{ a: 1 }]],
    ['a sequence as key', '[a, b]: 1\n', [{ '["a","b"]': 1 }]],
    ['a mapping as key inside a flow mapping', '{ {a: b} }\n', [{ '{"a":"b"}': null }]],
    ['a sequence as key inside a flow mapping', '{x: 1, [a, b]}\n', [{ x: 1, '["a","b"]': null }]],
    ['a lone CR line break', 'a: 1\rb: 2\n', 'Nested mappings are not allowed in compact mappings'],
    ['a tab in a block scalar', 'a: |-\n    x\n  \t\n', 'Block scalar lines must not be less indented than their first line'],
    ['a byte order mark after a comment', '# c\n\uFEFFb: 2\n', [{ b: 2 }]],
    ['an empty compact nested sequence item', '- -\n- x\n', [[[null], 'x']]],
    ['an empty nested sequence item', 'a:\n  -\n    -\n  - x\n', [{ a: [[null], 'x'] }]],
    ['a comment glued to a bracket', 'a: [b]#c\n', 'Comments must be separated from other tokens by white space characters'],
    ['a comment glued to a quote', 'a: "b"#c\n', 'Comments must be separated from other tokens by white space characters'],
    ['a document marker glued to text', '---# c\na: 1\n', 'Implicit keys need to be on a single line'],
    ['a block collection on the --- line', '--- a: 1\n', 'Block collection cannot start on same line with directives-end marker'],
    ['a tag', 'a: !!str 1\n', [{ a: '1' }]],
    ['an unknown tag', 'a: !Ref x\n', 'Unresolved tag: !Ref'],
    ['an anchored compact mapping', 'k: &a x: y\n', 'Nested mappings are not allowed in compact mappings'],
    // Found by the law below (an `&` dropped into the demo's monitoring.yaml): yaml warns, js-yaml says nothing.
    ['an anchor name ending in a colon', 'a: { b: c, &d: e }\n', 'Anchor ending in : is ambiguous'],
    ['one anchor name on a node and a node inside it', 'a: &x\n  b: &x {c: 1}\nd: *x\n', [{ a: { b: { c: 1 } }, d: { c: 1 } }]],
    ['an alias inside the node it names', 'a: &x\n  b: *x\n', 'alias *x is inside the node it names'],
    ['a duplicate key', 'a: 1\na: 2\n', 'Map keys must be unique'],
  ])('%s', (_name, text, yamlReads) => {
    expect(fast(text)).toBeUndefined();
    const reference = full(text);
    if (typeof yamlReads === 'string') expect(reference.diagnostics[0]?.message).toContain(yamlReads);
    else expect([reference.diagnostics, values(reference.documents)]).toStrictEqual([[], yamlReads]);
    // parseDocuments, the one entry point, gives what the full path gives.
    const entry = parseDocuments('f.yaml', text);
    expect([entry.diagnostics, values(entry.documents)]).toStrictEqual([reference.diagnostics, values(reference.documents)]);
  });

  test('an alias bomb is declined, and yaml reports it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const text = `${lines.join('\n')}\n`;
    expect(fast(text)).toBeUndefined();
    expect(full(text).diagnostics.map((d) => d.message)).toEqual(['document expands more than 100000 nodes through aliases']);
  });
});

describe('anchors and aliases', () => {
  test('aliases become copies, as on yaml’s path: equal values, no shared objects', () => {
    const text = 'a: &x {p: [1, {q: 2}]}\nb: *x\nc: [*x, &y 5, *y]\n';
    const docs = fast(text);
    expect(values(docs)).toStrictEqual([{ a: { p: [1, { q: 2 }] }, b: { p: [1, { q: 2 }] }, c: [{ p: [1, { q: 2 }] }, 5, 5] }]);
    const v = docs?.[0]?.value as { a: unknown; b: unknown; c: unknown[] };
    expect([v.a === v.b, v.a === v.c[0], v.b === v.c[0]]).toEqual([false, false, false]);
    expectAgreement(text);
  });

  test('an alias of a key with integer-like neighbours still copies, whichever the walk meets first', () => {
    expectAgreement('b: &x {k: v}\n1: *x\n2: [*x]\n');
  });

  test('aliases below the expansion limit are taken', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 3; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(expectAgreement(`${lines.join('\n')}\n`)).toBe('taken');
  });
});

describe('documents of a stream', () => {
  test.each([
    ['one document', 'a: 1\n', [[0, 5]]],
    ['markers, comments and an empty document', '# c\n---\na: 1\n--- \n---\nb: 2\n', [[0, 4], [4, 13], [13, 18], [18, 27]]],
    ['--- inside a line or glued to text is no marker', 'a: x---\nb: ---x\n', [[0, 16]]],
    ['a CRLF marker line', 'a: 1\r\n---\r\nb: 2\r\n', [[0, 6], [6, 17]]],
  ])('%s', (_name, text, ranges) => {
    expect(documentRanges(text)).toEqual(ranges);
    expectAgreement(text);
  });

  test('empty documents (comments only, ---, null) are left out on both paths', () => {
    const text = '# c\n---\n---\nnull\n---\n~\n---\na: 1\n...\n';
    expect(values(fast(text))).toEqual([{ a: 1 }]);
    expectAgreement(text);
  });
});

describe('origins: line and column looked up when read', () => {
  test('equal to position(), and plain data to JSON and spread', () => {
    const text = 'a: 1\n---\nb:\n  c: [x, y]\n';
    const doc = fast(text)?.[1];
    const origin = doc?.origin('b.c[1]');
    expect(origin).toEqual({ file: 'f.yaml', line: 4, column: 10 });
    expect(JSON.parse(JSON.stringify(origin))).toEqual({ file: 'f.yaml', line: 4, column: 10 });
    expect({ ...origin }).toEqual({ file: 'f.yaml', line: 4, column: 10 });
  });
});

// Texts like the fixtures, with up to three random edits at the characters YAML cares about: most break the text
// (both paths then go through yaml), the rest must read alike.
const EDITS = [':', '-', ' ', '\t', '\n', '#', "'", '"', '[', ']', '{', '}', ',', '|', '>', '!', '&', '*', '?', '%', '\\', '0', '.', '~', '---', '...', '\r', '- ', ': ', '&a ', '*a', '\uFEFF', '\u2028'];

describe('law: on any text the fast path takes, both paths agree', () => {
  test('edited fixtures', () => {
    const sources = FIXTURES.map((file) => readFileSync(file, 'utf8'));
    const edit = fc.record({ at: fc.nat(), kind: fc.nat(2), token: fc.constantFrom(...EDITS), length: fc.integer({ min: 1, max: 3 }) });
    let taken = 0;
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.array(edit, { minLength: 1, maxLength: 3 }), (source, edits) => {
        let text = source;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          if (e.kind === 0) text = text.slice(0, at) + e.token + text.slice(at);
          else if (e.kind === 1) text = text.slice(0, at) + text.slice(at + e.length);
          else text = text.slice(0, at) + text.slice(text.lastIndexOf('\n', at) + 1, at) + text.slice(at);
        }
        if (expectAgreement(text) === 'taken') taken++;
      }),
      { numRuns: 150 },
    );
    expect(taken).toBeGreaterThan(15);
  }, 60_000);

  test('generated block and flow YAML', () => {
    const plain = fc.constantFrom('a', 'on', 'true', 'null', '~', '0', '-0', '0o17', '0x1F', '-0x1F', '1e3', '.5', '.inf', '.NaN', '2025-01-01', '12:30', 'a b', 'a#b', 'x:y', 'é', 'has(app) && !has(x)', "app == 'a'");
    const quoted = fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s));
    const single = fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/'/g, "''")}'`);
    const scalar = fc.oneof(plain, quoted, single);
    const key = fc.oneof(fc.constantFrom('a', 'b', 'spec', 'x y', '1', '__proto__', 'é', '<<'), quoted);
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        scalar.map((text): Tree => ({ kind: 'scalar', text })),
        fc.array(scalar, { maxLength: 3 }).map((items): Tree => ({ kind: 'flow', items })),
        fc.uniqueArray(fc.tuple(key, tie('tree')), { maxLength: 3, selector: ([k]) => k }).map((entries): Tree => ({ kind: 'map', entries })),
        fc.array(tie('tree'), { maxLength: 3 }).map((items): Tree => ({ kind: 'seq', items })),
      ),
    }));
    let taken = 0;
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), (docs) => {
        if (expectAgreement(docs.map((d) => `---\nroot:${render(d, '  ')}\n`).join('')) === 'taken') taken++;
      }),
      { numRuns: 300 },
    );
    expect(taken).toBeGreaterThan(100);
  }, 60_000);
});

type Tree =
  | { kind: 'scalar'; text: string }
  | { kind: 'flow'; items: string[] }
  | { kind: 'map'; entries: [string, Tree][] }
  | { kind: 'seq'; items: Tree[] };

/** A node as it follows `key:` or `-`: on the same line (scalars, flow) or on the lines below, one level deeper. */
function render(t: Tree, indent: string): string {
  switch (t.kind) {
    case 'scalar':
      return ` ${t.text}`;
    case 'flow':
      return ` [${t.items.join(', ')}]`;
    case 'map':
      return t.entries.length === 0 ? ' {}' : t.entries.map(([k, v]) => `\n${indent}${k}:${render(v, `${indent}  `)}`).join('');
    case 'seq':
      // `- key: value` and `- - item`: a nested block starts on the item's line (compact form).
      return t.items.length === 0 ? ' []' : t.items.map((v) => `\n${indent}-${render(v, `${indent}  `).replace(/^\n */, ' ')}`).join('');
  }
}
