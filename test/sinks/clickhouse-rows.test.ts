import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../../src/pipeline/result.js';
import { encodeResultRow, encodeResultRows, tsvString } from '../../src/sinks/clickhouse/rows.js';
import { RESULT_COLUMNS } from '../../src/sinks/clickhouse/schema.js';

const ROW: ResultRow = {
  run_id: 'run-1',
  source: 'file:flows.jsonl:7',
  time: Date.UTC(2026, 10, 20, 12, 0, 0, 45),
  src_ip: '10.1.0.11',
  src_port: 43512,
  dst_ip: '10.1.0.10',
  dst_port: null,
  proto: 6,
  src_namespace: 'production',
  src_name: 'web-7d4f-x2',
  dst_namespace: 'production',
  dst_name: 'db-0',
  observed_action: '',
  verdict: 'unknown',
  reason: 'needs-ip',
  rule: 'r',
  proposed_verdict: '',
  proposed_rule: '',
  class: '',
  observed_mismatch: true,
  policy_version: 'v1',
  bytes: 6000,
  packets: 21,
  count: 3,
  src_endpoint: 'synthetic:production/web-7d4f-x2#0',
  dst_endpoint: '',
};

/** ClickHouse's reading of one TabSeparated field (`readEscapedString`) for the escapes tsvString emits. */
function untsv(field: string): string {
  const escapes: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0' };
  return field.replace(/\\(.)/g, (_, ch: string) => {
    const decoded = escapes[ch];
    if (decoded === undefined) throw new Error(`unexpected escape \\${ch}`);
    return decoded;
  });
}

function fields(line: string): Record<string, string> {
  expect(line.endsWith('\n')).toBe(true);
  const values = line.slice(0, -1).split('\t');
  expect(values).toHaveLength(RESULT_COLUMNS.length);
  return Object.fromEntries(RESULT_COLUMNS.map(([name], i) => [name, values[i]!]));
}

describe('encodeResultRow', () => {
  it('writes every column in RESULT_COLUMNS order', () => {
    expect(fields(encodeResultRow(ROW))).toEqual({
      run_id: 'run-1',
      source: 'file:flows.jsonl:7',
      time: String(Math.floor(ROW.time / 1000)),
      time_ms: '45',
      src_ip: '10.1.0.11',
      src_port: '43512',
      dst_ip: '10.1.0.10',
      dst_port: '\\N',
      proto: '6',
      src_namespace: 'production',
      src_name: 'web-7d4f-x2',
      dst_namespace: 'production',
      dst_name: 'db-0',
      observed_action: '',
      verdict: 'unknown',
      reason: 'needs-ip',
      rule: 'r',
      proposed_verdict: '',
      proposed_rule: '',
      class: '',
      observed_mismatch: '1',
      policy_version: 'v1',
      bytes: '6000',
      packets: '21',
      count: '3',
      src_endpoint: 'synthetic:production/web-7d4f-x2#0',
      dst_endpoint: '',
    });
  });

  it.each([
    [0, '0000000000', '0'],
    [999, '0000000000', '999'],
    [Date.UTC(2001, 0, 1), '0978307200', '0'],
    [Date.UTC(2026, 0, 1, 0, 0, 1, 1), '1767225601', '1'],
  ])('writes time %d as ten-digit seconds %s and ms %s', (time, seconds, ms) => {
    const row = fields(encodeResultRow({ ...ROW, time }));
    expect([row.time, row.time_ms]).toEqual([seconds, ms]);
  });

  it.each([
    ['time', { time: -1 }],
    ['time', { time: 1.5 }],
    ['bytes', { bytes: -1 }],
    ['packets', { packets: Number.NaN }],
    ['src_port', { src_port: 2.5 }],
    ['proto', { proto: -6 }],
    ['proto', { proto: 256 }],
    ['dst_port', { dst_port: 65536 }],
    ['count', { count: -1 }],
    ['count', { count: 2 ** 32 }],
  ] as const)('refuses an impossible %s', (field, patch) => {
    expect(() => encodeResultRow({ ...ROW, ...patch })).toThrow(new RegExp(`file:flows.jsonl:7: ${field}`));
  });

  it('keeps any string intact through TabSeparated escaping', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '\0', 'x', 'N') }), (a, b) => {
        const row = fields(encodeResultRow({ ...ROW, src_name: a, rule: b, reason: a + b, dst_endpoint: b }));
        expect([untsv(row.src_name!), untsv(row.rule!), untsv(row.reason!), untsv(row.dst_endpoint!)]).toEqual([a, b, a + b, b]);
      }),
    );
  });

  it('never writes a field that reads as NULL or spans lines', () => {
    expect(tsvString('\\N')).toBe('\\\\N');
    expect(tsvString('a\nb')).not.toContain('\n');
  });

  it('joins rows into one body, one line each, in chunks that split only between rows', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ ...ROW, source: `file:flows.jsonl:${i}`, src_name: 'é'.repeat(i % 40) }));
    const chunks = encodeResultRows(rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.toString('utf8').endsWith('\n')).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(rows.map(encodeResultRow).join(''));
    expect(encodeResultRows([])).toEqual([]);
  });
});
