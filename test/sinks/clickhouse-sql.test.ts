import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlIdentifier, sqlString } from '../../src/sinks/clickhouse/sql.js';

/**
 * What ClickHouse's lexer reads back from a quoted token (`readQuotedString`/`readBackQuotedString`, escapes of
 * `parseComplexEscapeSequence`), limited to the escapes sqlString emits: anything else fails the test.
 */
function unquote(token: string, quote: "'" | '`'): string {
  expect(token.startsWith(quote) && token.endsWith(quote) && token.length >= 2).toBe(true);
  const body = token.slice(1, -1);
  const simple: Record<string, string> = { '\\': '\\', "'": "'", '`': '`', '0': '\0', n: '\n', r: '\r', t: '\t' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === quote) throw new Error(`unescaped ${quote} at ${i} would end the token early`);
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    const decoded = next === undefined ? undefined : simple[next];
    if (decoded === undefined) throw new Error(`escape \\${next ?? ''} is not one sqlString emits`);
    out += decoded;
  }
  return out;
}

describe('sqlString', () => {
  it.each([
    ['', "''"],
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['a\\b', "'a\\\\b'"],
    ['trailing\\', "'trailing\\\\'"],
    ["\\'", "'\\\\\\''"],
    ['line\nbreak', "'line\\nbreak'"],
    ['cr\r', "'cr\\r'"],
    ['tab\t', "'tab\\t'"],
    ['nul\0', "'nul\\0'"],
    ['`tick`', "'\\`tick\\`'"],
    ['"double"', '\'"double"\''],
    ['東京 🚦 é', "'東京 🚦 é'"],
    ["'; DROP TABLE t; --", "'\\'; DROP TABLE t; --'"],
  ])('%j → %s', (value, literal) => {
    expect(sqlString(value)).toBe(literal);
    expect(unquote(literal, "'")).toBe(value);
  });

  it('reads back as the same string for any well-formed input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary-ascii' }), (unicode, ascii) => {
        for (const value of [unicode, ascii, unicode + ascii]) expect(unquote(sqlString(value), "'")).toBe(value);
      }),
    );
  });

  it('never lets the string end its literal early', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("'", '\\', 'a', '\n', '`', '\0') }), (value) => {
        expect(() => unquote(sqlString(value), "'")).not.toThrow();
      }),
    );
  });

  it.each(['\uD800', 'a\uDC00b', '\uDBFF'])('refuses the unpaired surrogate in %j', (value) => {
    expect(() => sqlString(value)).toThrow(RangeError);
  });

  it('accepts paired surrogates', () => {
    expect(sqlString('\uD83D\uDEA6')).toBe("'🚦'");
  });
});

describe('sqlIdentifier', () => {
  it.each([
    ['results', '`results`'],
    ['flowaudit-prod', '`flowaudit-prod`'],
    ['we`ird', '`we\\`ird`'],
    ['back\\slash', '`back\\\\slash`'],
    ["quote'", "`quote\\'`"],
    ['new\nline', '`new\\nline`'],
  ])('%j → %s', (name, quoted) => {
    expect(sqlIdentifier(name)).toBe(quoted);
    expect(unquote(quoted, '`')).toBe(name);
  });

  it('reads back as the same name for any well-formed input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\0')), (name) => {
        expect(unquote(sqlIdentifier(name), '`')).toBe(name);
      }),
    );
  });

  it.each([[''], ['a\0b'], ['\uD800']])('refuses %j', (name) => {
    expect(() => sqlIdentifier(name)).toThrow(RangeError);
  });
});
