/**
 * Reading YAML/JSON into documents with positions, and the diagnostic catalogue.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compareDiagnostics, diagnostic, DIAGNOSTIC_CATALOGUE, formatDiagnostic } from '../../src/policy/diagnostics.js';
import { parseDocuments } from '../../src/policy/document.js';
import { childPath, itemPath, splitPath } from '../../src/policy/path.js';

describe('paths', () => {
  test.each([
    ['', 'spec', 'spec', ['spec']],
    ['spec', 'ingress', 'spec.ingress', ['spec', 'ingress']],
    ['metadata.labels', 'app.kubernetes.io/name', 'metadata.labels["app.kubernetes.io/name"]', ['metadata', 'labels', 'app.kubernetes.io/name']],
    ['', 'a-b', '["a-b"]', ['a-b']],
    ['x', 'say "hi"', 'x["say \\"hi\\""]', ['x', 'say "hi"']],
  ])('childPath(%j, %j) and back', (parent, key, path, segments) => {
    expect(childPath(parent, key)).toBe(path);
    expect(splitPath(path)).toEqual(segments);
  });

  test('itemPath', () => {
    expect(itemPath('spec.ingress', 2)).toBe('spec.ingress[2]');
    expect(splitPath(itemPath(itemPath('items', 3), 0))).toEqual(['items', 3, 0]);
    expect(splitPath('')).toEqual([]);
  });
});

describe('parseDocuments', () => {
  test('positions of values and keys; a missing path reports its nearest ancestor', () => {
    const { documents } = parseDocuments('f.yaml', 'a:\n  b: [1, {c: x}]\n');
    const doc = documents[0];
    expect(doc?.value).toEqual({ a: { b: [1, { c: 'x' }] } });
    expect(doc?.position('a.b[1].c')).toEqual({ line: 2, column: 14 });
    expect(doc?.position('a.b[1].c', 'key')).toEqual({ line: 2, column: 11 });
    expect(doc?.position('a.b[1].missing.deeper')).toEqual({ line: 2, column: 10 });
    expect(doc?.position('a.b', 'key')).toEqual({ line: 2, column: 3 });
  });

  test.each([
    ['plain', 'k: ab cd\n', 3, { line: 1, column: 7 }],
    ['single-quoted', "k: 'ab cd'\n", 3, { line: 1, column: 8 }],
    ['double-quoted', 'k: "ab cd"\n', 3, { line: 1, column: 8 }],
    ['double-quoted with an escape: the start', 'k: "a\\tb"\n', 2, { line: 1, column: 4 }],
    ['folded over lines: the start', 'k: ab\n  cd\n', 3, { line: 1, column: 4 }],
  ])('positionInString: %s', (_name, text, offset, position) => {
    expect(parseDocuments('f.yaml', text).documents[0]?.positionInString('k', offset)).toEqual(position);
  });

  test('aliases resolve to their anchor value; positions stay where the alias is written', () => {
    const { documents, diagnostics } = parseDocuments('f.yaml', 'a: &x {p: 1}\nb: *x\n');
    expect(diagnostics).toEqual([]);
    expect(documents[0]?.value).toEqual({ a: { p: 1 }, b: { p: 1 } });
    expect(documents[0]?.position('b')).toEqual({ line: 2, column: 4 });
  });

  test('an alias bomb is refused as a YAML error, not expanded', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const { documents, diagnostics } = parseDocuments('bomb.yaml', lines.join('\n'));
    expect(documents).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml-syntax', 1]]);
  });

  test('unknown tags are warnings; the value is plain data', () => {
    const { documents, diagnostics } = parseDocuments('f.yaml', 'a: !Ref thing\n');
    expect(documents[0]?.value).toEqual({ a: 'thing' });
    expect(diagnostics.map((d) => [d.code, d.severity, d.line, d.column])).toEqual([['yaml-warning', 'warning', 1, 4]]);
  });
});

describe('parseDocuments: .json files (JSON.parse, positions on demand)', () => {
  const text = '{\n  "a": {"b": [1, {"c": "x y"}], "e\\u0041": "q\\"r"},\n\t"d": [[], {}, true, -1.5e3, null]\n}\n';

  test('values come from JSON.parse; positions match what the YAML path reports', () => {
    const json = parseDocuments('f.json', text).documents[0];
    const yaml = parseDocuments('f.yaml', text).documents[0];
    expect(json?.value).toEqual({ a: { b: [1, { c: 'x y' }], eA: 'q"r' }, d: [[], {}, true, -1500, null] });
    for (const path of ['', 'a', 'a.b', 'a.b[1]', 'a.b[1].c', 'a.eA', 'd', 'd[1]', 'd[3]', 'd[4]', 'a.b[7].z', 'nope']) {
      expect([path, json?.position(path)]).toEqual([path, yaml?.position(path)]);
      expect([path, json?.position(path, 'key')]).toEqual([path, yaml?.position(path, 'key')]);
    }
    expect(json?.position('a.b[1].c')).toEqual({ line: 2, column: 24 });
    expect(json?.positionInString('a.b[1].c', 2)).toEqual({ line: 2, column: 27 });
    // An escaped string has no 1:1 mapping: its start.
    expect(json?.positionInString('a.eA', 1)).toEqual(json?.position('a.eA'));
  });

  test('duplicate keys: the last wins, as JSON.parse (and kubectl) read it', () => {
    const doc = parseDocuments('f.json', '{"k": 1,\n "k": 2}').documents[0];
    expect([doc?.value, doc?.position('k')]).toEqual([{ k: 2 }, { line: 2, column: 7 }]);
  });

  test('text JSON.parse rejects goes through the YAML parser: errors with positions', () => {
    const { documents, diagnostics } = parseDocuments('f.json', '{"a": [1, 2}\n');
    expect(documents).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual(expect.arrayContaining([['yaml-syntax', 1]]));
  });
});

describe('the diagnostic catalogue', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]));

  test('docs/errors.md documents exactly the catalogue, each code under its severity', () => {
    expect(documented).toEqual(new Set(Object.keys(DIAGNOSTIC_CATALOGUE)));
    const warnings = doc.slice(doc.indexOf('## Warnings'));
    for (const [code, { severity }] of Object.entries(DIAGNOSTIC_CATALOGUE)) {
      expect([code, warnings.includes(`| \`${code}\` |`)]).toEqual([code, severity === 'warning']);
    }
  });

  test('compareDiagnostics orders by file, then line, then column', () => {
    const d = (file: string, line: number, column: number) => diagnostic('bad-port', 'x', { file, line, column, path: '' });
    const sorted = [d('b.yaml', 1, 1), d('a.yaml', 9, 2), d('a.yaml', 9, 1), d('a.yaml', 2, 5)].sort(compareDiagnostics);
    expect(sorted.map((x) => `${x.file}:${x.line}:${x.column}`)).toEqual(['a.yaml:2:5', 'a.yaml:9:1', 'a.yaml:9:2', 'b.yaml:1:1']);
  });

  test('formatDiagnostic prints file:line:column, severity, code, message and path', () => {
    const d = { severity: 'error', code: 'bad-port', message: 'port 0 is outside 1-65535', file: 'p.yaml', line: 3, column: 9, path: 'spec.ingress[0].destination.ports[0]' } as const;
    expect(formatDiagnostic(d)).toBe('p.yaml:3:9: error bad-port: port 0 is outside 1-65535 (at spec.ingress[0].destination.ports[0])');
    expect(formatDiagnostic({ ...d, path: '' })).toBe('p.yaml:3:9: error bad-port: port 0 is outside 1-65535');
  });
});

describe('law: JsonLocator finds what the YAML parser finds', () => {
  test('for any JSON value, every path has the same position (value and key) on both paths', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const json = parseDocuments('v.json', text).documents[0];
        const yaml = parseDocuments('v.yaml', text).documents[0];
        expect(json?.value).toEqual(yaml?.value);
        for (const path of paths(value, '')) {
          expect(json?.position(path)).toEqual(yaml?.position(path));
          expect(json?.position(path, 'key')).toEqual(yaml?.position(path, 'key'));
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a __proto__ key is data, not a prototype', () => {
    const doc = parseDocuments('p.yaml', '__proto__: {polluted: true}\n').documents[0];
    expect(Object.getPrototypeOf(doc?.value)).toBe(Object.prototype);
    expect(Object.keys(doc?.value as object)).toEqual(['__proto__']);
  });
});

function paths(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => paths(v, itemPath(path, i)))];
  if (value !== null && typeof value === 'object') return [path, ...Object.entries(value).flatMap(([k, v]) => paths(v, childPath(path, k)))];
  return [path];
}
