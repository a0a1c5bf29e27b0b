import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord, SourcePosition } from '../../src/flows/record.js';
import { Auditor } from '../../src/pipeline/audit.js';
import { loadAuditContext } from '../../src/pipeline/context.js';
import type { Outcome } from '../../src/pipeline/outcome.js';
import { ResultRowsWriter, ROW_COLUMNS } from '../../src/sinks/clickhouse/rows.js';
import { tsvString } from '../../src/sinks/clickhouse/tsv.js';
import { ruleId } from '../../src/sinks/clickhouse/rule-ids.js';
import { RESULT_COLUMNS, RULE_TEXT_COLUMNS } from '../../src/sinks/clickhouse/schema.js';
import { ruleColumn } from '../../src/pipeline/output-row.js';
import { KafkaFlowDecoder } from '../../src/sources/kafka/messages.js';
import { batchOf, DEMO, demoLines, PARITY, parityLines } from '../daemon/helpers.js';
import { bodyFields, expectedRow, readBody, untsv } from './result-rows.js';

const STAMP = { runId: 'daemon:group-1', policyVersion: 'sha256:abc' };

/** The demo flows and the parity flows (host endpoints, synthetic pods, several connections) as audited. */
let outcomes: Outcome[];
beforeAll(async () => {
  const ctx = await loadAuditContext({
    policies: [...DEMO.policies],
    proposal: { kind: 'change', paths: [...DEMO.change] },
    inventory: [...DEMO.inventory, PARITY.inventory],
  });
  const decoded = new KafkaFlowDecoder({ format: 'canonical' }).decode(batchOf([...demoLines(), ...parityLines()], { topic: 'flows', partition: 3, first: 100 }));
  outcomes = new Auditor(ctx.views, ctx.inventory).auditBatch(decoded.flows);
});

function write(list: readonly Outcome[], stamp = STAMP) {
  const writer = new ResultRowsWriter(stamp);
  const refused = writer.add(list);
  return { refused, body: writer.finish() };
}

/** An outcome with its record (or position) changed, the rest shared. */
function patched(o: Outcome, record: Partial<FlowRecord>, pos?: SourcePosition): Outcome {
  return { ...o, flow: { ...o.flow, record: { ...o.flow.record, ...record }, pos: pos ?? o.flow.pos } };
}

describe('ResultRowsWriter', () => {
  it('writes every column of the table, each once, but the rule texts rows stored before schema 3 hold', () => {
    const texts: readonly string[] = RULE_TEXT_COLUMNS;
    expect([...ROW_COLUMNS].sort()).toEqual(RESULT_COLUMNS.map(([name]) => name).filter((name) => !texts.includes(name)).sort());
  });

  it('names rules by the id of their text and lists exactly the texts its rows name, also when bodies are written in turns', () => {
    const [a, b] = [new ResultRowsWriter(STAMP), new ResultRowsWriter(STAMP)];
    // Interleaved, as the daemon writes the next body while one waits for its insert.
    for (let i = 0; i < outcomes.length; i += 5) {
      a.add(outcomes.slice(i, i + 5));
      b.add(outcomes.slice(i, i + 5).reverse());
    }
    const named = new Set(outcomes.flatMap((o) => [ruleColumn(o.current), ...(o.proposed ? [ruleColumn(o.proposed)] : [])]));
    expect(named.size).toBeGreaterThan(3);
    for (const body of [a.finish(), b.finish()]) {
      expect(new Set(body.rules.values())).toEqual(named);
      for (const [id, text] of body.rules) expect(id).toBe(ruleId(text));
      // readBody resolves every id through the body's list (and checks it).
      expect(readBody(body).map((r) => r.rule).sort()).toEqual(outcomes.map((o) => ruleColumn(o.current)).sort());
    }
    const fields = bodyFields(write(outcomes.slice(0, 1)).body)[0]!;
    expect(fields.rule_id).toBe(ruleId(ruleColumn(outcomes[0]!.current)));
    expect(fields.rule_id).toMatch(/^[1-9]\d*$/);
    expect(BigInt(fields.rule_id) < 2n ** 64n).toBe(true);
  });

  it('stores for every outcome the row its fields define (pods, host endpoints, synthetic pods, addresses)', () => {
    const { refused, body } = write(outcomes);
    expect(refused).toEqual([]);
    expect(body.rows).toBe(outcomes.length);
    expect(readBody(body)).toEqual(outcomes.map((o) => expectedRow(o, STAMP)));
    // The cases the shared pieces stand for are all there.
    const rows = readBody(body);
    expect(rows.some((r) => r.src_endpoint.startsWith('host:'))).toBe(true);
    expect(rows.some((r) => r.src_endpoint.startsWith('synthetic:'))).toBe(true);
    expect(rows.some((r) => r.src_endpoint === '' && r.src_ip !== '')).toBe(true);
    expect(new Set(rows.map((r) => r.class)).size).toBeGreaterThan(2);
  });

  it.each([
    ['a line of a multi-record message', { kind: 'kafka', topic: 'flows', partition: 0, offset: '7', line: 3 }, 'kafka:flows/0/7#3'],
    ['a 64-bit offset', { kind: 'kafka', topic: 'flows', partition: 2, offset: '9007199254740993' }, 'kafka:flows/2/9007199254740993'],
    ['a file line', { kind: 'file', file: 'logs/a b.jsonl', line: 12 }, 'file:logs/a b.jsonl:12'],
    ['a file name TabSeparated escapes', { kind: 'file', file: 'logs/a\tb\\c.jsonl', line: 1 }, 'file:logs/a\tb\\c.jsonl:1'],
  ] as const)('writes the source of %s', (_, pos, source) => {
    const [row] = readBody(write([patched(outcomes[0]!, {}, pos)]).body);
    expect(row!.source).toBe(source);
  });

  it('leaves the proposal columns empty without a proposed view', () => {
    const o = { ...outcomes[1]!, proposed: undefined, cls: undefined };
    expect(readBody(write([o]).body)[0]).toMatchObject({ proposed_verdict: '', proposed_rule: '', class: '' });
  });

  it.each([
    [0, '0000000000', '0'],
    [999, '0000000000', '999'],
    [Date.UTC(2001, 0, 1), '0978307200', '0'],
    [Date.UTC(2026, 0, 1, 0, 0, 1, 1), '1767225601', '1'],
    [undefined, '0000000000', '0'],
    [-5000, '0000000000', '0'],
  ])('writes time %s as ten-digit seconds %s and ms %s', (time, seconds, ms) => {
    const [fields] = bodyFields(write([patched(outcomes[0]!, { time })]).body);
    expect([fields!.time, fields!.time_ms]).toEqual([seconds, ms]);
  });

  it('writes absent ports as NULL and numbers of every size in full', () => {
    const o = patched(outcomes[0]!, { src_port: undefined, dst_port: 0, proto: 255, bytes: Number.MAX_SAFE_INTEGER, packets: 2 ** 31, count: 4_294_967_295 });
    const [fields] = bodyFields(write([o]).body);
    expect(fields).toMatchObject({ src_port: '\\N', dst_port: '0', proto: '255', bytes: '9007199254740991', packets: '2147483648', count: '4294967295' });
  });

  it('writes any number the table holds exactly', () => {
    fc.assert(
      fc.property(
        fc.record({
          time: fc.integer({ min: 0, max: Date.UTC(2105, 0, 1) }),
          bytes: fc.maxSafeNat(),
          packets: fc.oneof(fc.nat(1000), fc.maxSafeNat()),
          count: fc.nat(4_294_967_295),
          src_port: fc.nat(65535),
          proto: fc.nat(255),
        }),
        (numbers) => {
          const [row] = readBody(write([patched(outcomes[0]!, numbers)]).body);
          expect(row).toMatchObject(numbers);
        },
      ),
    );
  });

  it.each([
    ['time', { time: 1.5 }],
    ['time', { time: Number.POSITIVE_INFINITY }],
    ['bytes', { bytes: -1 }],
    ['packets', { packets: Number.NaN }],
    ['src_port', { src_port: 2.5 }],
    ['proto', { proto: -6 }],
    ['proto', { proto: 256 }],
    ['dst_port', { dst_port: 65536 }],
    ['count', { count: -1 }],
    ['count', { count: 2 ** 32 }],
  ] as const)('refuses an impossible %s, naming the record, and writes the other rows', (field, patch) => {
    const list = [outcomes[0]!, patched(outcomes[1]!, patch), outcomes[2]!];
    const { refused, body } = write(list);
    expect(refused).toEqual([{ index: 1, message: expect.stringMatching(new RegExp(`^result kafka:flows/3/101: ${field} must be`)) }]);
    expect(readBody(body).map((r) => r.source)).toEqual(['kafka:flows/3/100', 'kafka:flows/3/102']);
    expect(body.rows).toBe(2);
  });

  it('escapes what the log says of a side that is no endpoint, and addresses no decoder would pass', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '\0', 'x', 'N', 'é', '🚦') }), fc.string(), (a, b) => {
        // The first demo flow's source is an Internet address: its namespace and name columns are the log's.
        const o = patched(outcomes[0]!, { src_namespace: a, src_name: b, dst_ip: `10.0.0.1${a}` });
        const [row] = readBody(write([o]).body);
        expect([row!.src_namespace, row!.src_name, row!.dst_ip]).toEqual([a, b, `10.0.0.1${a}`]);
      }),
    );
  });

  it('keeps any string intact through TabSeparated escaping', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '\0', 'x', 'N') }), (a, b) => {
        expect(untsv(tsvString(a + b))).toBe(a + b);
        expect(tsvString(a + b)).not.toMatch(/[\t\n\r\0]/);
      }),
    );
    expect(tsvString('\\N')).toBe('\\\\N');
  });

  it('splits a large body between rows only, into chunks of about a megabyte', () => {
    const many = Array.from({ length: 6000 }, (_, i) => patched(outcomes[i % outcomes.length]!, {}, { kind: 'kafka', topic: 'flows', partition: 1, offset: String(i) }));
    const { body } = write(many);
    expect(body.chunks.length).toBeGreaterThan(1);
    for (const chunk of body.chunks) {
      expect(chunk.toString('utf8').endsWith('\n')).toBe(true);
      expect(chunk.length).toBeLessThan(1.1 * 2 ** 20);
    }
    expect(readBody(body)).toEqual(many.map((o) => expectedRow(o, STAMP)));
  });

  it('writes slices added one after the other as one body, with refusals counted per slice', () => {
    const writer = new ResultRowsWriter(STAMP);
    expect(writer.add(outcomes.slice(0, 10))).toEqual([]);
    expect(writer.add([outcomes[10]!, patched(outcomes[11]!, { bytes: -1 })]).map((r) => r.index)).toEqual([1]);
    const body = writer.finish();
    expect(body.rows).toBe(11);
    expect(readBody(body)).toEqual(outcomes.slice(0, 11).map((o) => expectedRow(o, STAMP)));
    expect(new ResultRowsWriter(STAMP).finish()).toEqual({ chunks: [], rows: 0, rules: new Map() });
  });

  it('writes the run stamp of each writer, escaped', () => {
    const stamp = { runId: 'run\twith tab', policyVersion: 'v\\1' };
    expect(readBody(write(outcomes.slice(0, 2), stamp).body).map((r) => [r.run_id, r.policy_version])).toEqual([
      ['run\twith tab', 'v\\1'],
      ['run\twith tab', 'v\\1'],
    ]);
  });
});
