import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRow } from '../../src/pipeline/result.js';
import {
  ClickHouseSinkError,
  connectClickHouse,
  countResults,
  dropPartitionsOlderThan,
  insertOutcomes,
  insertRows,
  LATEST_SCHEMA_VERSION,
  migrate,
  sqlIdentifier,
  sqlString,
  streamResults,
  type ClickHouseConnection,
} from '../../src/sinks/clickhouse/index.js';
import { reportRowFromResult } from '../../src/pipeline/result-row.js';
import { clickHouseTestOptions, testNames } from './services.js';
import { bodyOf } from '../sinks/result-rows.js';
import { ruleId } from '../../src/sinks/clickhouse/rule-ids.js';
import { batchOf, demoLines, demoState } from '../daemon/helpers.js';
import { KafkaFlowDecoder } from '../../src/sources/kafka/messages.js';

const names = testNames(import.meta.url);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0, 123);

function row(i: number, overrides: Partial<ResultRow> = {}): ResultRow {
  return {
    run_id: 'run-a',
    source: `kafka:flows/0/${i}`,
    time: T0 + i * 1000,
    src_ip: `10.0.0.${i % 250}`,
    src_port: 40000 + (i % 1000),
    dst_ip: '10.0.1.10',
    dst_port: 6379,
    proto: 6,
    src_namespace: 'production',
    src_name: `web-${i % 7}`,
    dst_namespace: 'production',
    dst_name: 'db-0',
    observed_action: 'allow',
    verdict: i % 3 === 0 ? 'deny' : 'allow',
    reason: '',
    rule: 'default/production/default.allow-tcp-6379/ingress/0',
    proposed_verdict: 'allow',
    proposed_rule: '',
    class: i % 3 === 0 ? 'would-allow' : 'unchanged-allow',
    observed_mismatch: i % 3 === 0,
    policy_version: 'sha256:abc',
    bytes: 100 + i,
    packets: 1 + (i % 5),
    count: 1 + (i % 2),
    src_endpoint: `pod:production/web-${i % 7}`,
    dst_endpoint: 'pod:production/db-0',
    observed_rule: i % 4 === 0 ? 'ingress=allow@default/production/default.allow-tcp-6379#1' : '',
    observed_rule_mismatch: i % 4 === 0 ? i % 8 === 0 : null,
    ...overrides,
  };
}

const HOSTILE = [
  "it's",
  'back\\slash',
  'trailing backslash\\',
  "\\'",
  'line\nbreak\r\nand\ttab',
  'nul\0inside',
  '`backtick`',
  '"double"',
  'unicode: é ß 東京 🚦',
  "'; DROP TABLE x; --",
  '\\N',
  '',
];

let ch: ClickHouseConnection;

beforeAll(async () => {
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
});

afterAll(async () => {
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(`${names.database}_v1`)}`, 'migrate');
  await ch.close();
});

describe('ClickHouse service', () => {
  it('answers, with a version flowaudit supports', () => {
    expect(ch.server.major).toBeGreaterThanOrEqual(18);
    expect(ch.server.text).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects a wrong password as not retriable', async () => {
    const error = await connectClickHouse({ ...clickHouseTestOptions(names.database), password: 'wrong' }).catch((e) => e);
    expect(error).toBeInstanceOf(ClickHouseSinkError);
    expect(error.retriable).toBe(false);
    // 18.x: WRONG_PASSWORD (193); current releases: AUTHENTICATION_FAILED (516).
    expect(['193', '516']).toContain(error.code);
  });

  it('reports an unreachable server as retriable', async () => {
    const error = await connectClickHouse({ ...clickHouseTestOptions(names.database), url: 'http://127.0.0.1:1' }).catch((e) => e);
    expect(error).toBeInstanceOf(ClickHouseSinkError);
    expect(error.retriable).toBe(true);
    expect(error.code).toBe('ECONNREFUSED');
  });
});

describe('sqlString and sqlIdentifier against the real parser', () => {
  it.each(HOSTILE)('round-trips %j as a literal', async (value) => {
    const rows = await ch.rows<{ v: string; n: string }>(`SELECT ${sqlString(value)} AS v, length(${sqlString(value)}) AS n`, 'query');
    expect(rows).toEqual([{ v: value, n: String(Buffer.byteLength(value)) }]);
  });

  it.each(HOSTILE.filter((value) => value !== '' && !value.includes('\0')))('round-trips %j as a column name', async (name) => {
    const rows = await ch.rows<Record<string, number>>(`SELECT 1 AS ${sqlIdentifier(name)}`, 'query');
    expect(Object.keys(rows[0] ?? {})).toEqual([name]);
  });
});

describe('results table', () => {
  it('migrates idempotently and records the version once', async () => {
    const first = await migrate(ch);
    const second = await migrate(ch);
    expect(first).toMatchObject({ fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION });
    expect(second).toMatchObject({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION });
    const versions = await ch.rows<{ version: number }>(
      `SELECT version FROM ${sqlIdentifier(names.database)}.schema_version ORDER BY version`,
      'query',
    );
    expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3, 4]);
    expect(LATEST_SCHEMA_VERSION).toBe(4);
  });

  it('upgrades a version 1 table in place: old rows read count 1, no endpoints and their own rule text, new rows keep theirs', async () => {
    const v1 = await connectClickHouse(clickHouseTestOptions(`${names.database}_v1`));
    try {
      expect(await migrate(v1, { toVersion: 1 })).toMatchObject({ fromVersion: 0, toVersion: 1 });
      const table = `${sqlIdentifier(v1.database)}.results`;
      // A row as flowaudit with schema version 1 wrote it: its columns only.
      await v1.command(
        `INSERT INTO ${table} (run_id, source, time, time_ms, src_ip, dst_ip, dst_port, proto, src_namespace, src_name, verdict, rule, bytes, packets)
         VALUES ('run-up', 'kafka:flows/0/1', '2026-11-20 12:00:00', 5, '10.0.0.11', '10.0.1.10', 6379, 6, '', 'node-1-eth0', 'deny', 'r', 60, 1)`,
        'insert',
      );
      // A report reads the table as it is, before any migration: what migrating gives the rows it stored.
      const before: ResultRow[] = [];
      for await (const block of streamResults(v1, { runId: 'run-up' })) before.push(...block);
      expect(before.map((r) => [r.source, r.count, r.src_endpoint, r.rule, r.proposed_rule, r.observed_rule, r.observed_rule_mismatch])).toEqual([
        ['kafka:flows/0/1', 1, '', 'r', '', '', null],
      ]);
      expect(await migrate(v1)).toMatchObject({ fromVersion: 1, toVersion: 4 });
      expect(await migrate(v1)).toMatchObject({ fromVersion: 4, toVersion: 4 });
      const columns = await v1.rows<{ name: string; type: string; default_expression: string }>(
        `SELECT name, type, default_expression FROM system.columns
         WHERE database = ${sqlString(v1.database)} AND table = 'results' AND name IN ('count', 'src_endpoint', 'dst_endpoint')`,
        'query',
      );
      expect(columns.map((c) => [c.name, c.type, c.default_expression.replace(/^CAST\((.*), 'UInt32'\)$/, '$1')])).toEqual([
        ['count', 'UInt32', '1'],
        ['src_endpoint', 'String', "''"],
        ['dst_endpoint', 'String', "''"],
      ]);

      await insertRows(v1, [bodyOf([row(2, { run_id: 'run-up', count: 7, src_endpoint: 'host:node-1/eth0', dst_endpoint: '' })])]);
      const stored: ResultRow[] = [];
      for await (const block of streamResults(v1, { runId: 'run-up' })) stored.push(...block);
      stored.sort((a, b) => a.source.localeCompare(b.source));
      expect(stored.map((r) => [r.source, r.count, r.src_endpoint, r.dst_endpoint, r.rule, r.observed_rule, r.observed_rule_mismatch])).toEqual([
        ['kafka:flows/0/1', 1, '', '', 'r', '', null],
        ['kafka:flows/0/2', 7, 'host:node-1/eth0', '', row(2).rule, '', null],
      ]);
      const versions = await v1.rows<{ version: number }>(`SELECT version FROM ${sqlIdentifier(v1.database)}.schema_version ORDER BY version`, 'query');
      expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3, 4]);
      expect(stored.map(reportRowFromResult).map((r) => [r.src, r.flows])).toEqual([
        ['10.0.0.11', 1],
        ['node-1/eth0', 7],
      ]);
    } finally {
      await v1.close();
    }
  });

  it('stores N rows as N rows, fields intact', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(i, { run_id: 'run-n' }));
    await insertRows(ch, [bodyOf(rows)]);
    const [count] = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM ${sqlIdentifier(names.database)}.results WHERE run_id = 'run-n'`,
      'query',
    );
    expect(count?.n).toBe('1000');
    const [stored] = await ch.rows<Record<string, unknown>>(
      `SELECT toUnixTimestamp(time) AS seconds, time_ms, src_port, dst_port, verdict, class, observed_mismatch
       FROM ${sqlIdentifier(names.database)}.results WHERE run_id = 'run-n' AND source = 'kafka:flows/0/3'`,
      'query',
    );
    expect(stored).toEqual({
      seconds: Math.floor((T0 + 3000) / 1000),
      time_ms: 123,
      src_port: 40003,
      dst_port: 6379,
      verdict: 'deny',
      class: 'would-allow',
      observed_mismatch: 1,
    });
    // The rule a log names, and its comparison: agreeing, differing, and not compared (NULL) read back as written.
    const read: ResultRow[] = [];
    for await (const block of streamResults(ch, { runId: 'run-n' })) read.push(...block);
    const drift = (i: number) => read.find((r) => r.source === `kafka:flows/0/${i}`);
    expect([0, 4, 5].map((i) => [drift(i)?.observed_rule, drift(i)?.observed_rule_mismatch])).toEqual([
      [row(0).observed_rule, true],
      [row(4).observed_rule, false],
      ['', null],
    ]);
  });

  it('keeps nulls, empty enums, time 0 and hostile strings', async () => {
    const rows = HOSTILE.map((value, i) =>
      row(i, {
        run_id: 'run-hostile',
        src_name: value,
        rule: value,
        src_port: null,
        dst_port: null,
        observed_action: '',
        proposed_verdict: '',
        class: '',
        time: i === 0 ? 0 : T0,
      }),
    );
    await insertRows(ch, [bodyOf(rows)]);
    const stored = await ch.rows<{ source: string; src_name: string; src_port: null; class: string; seconds: number }>(
      `SELECT source, src_name, src_port, class, toUnixTimestamp(time) AS seconds
       FROM ${sqlIdentifier(names.database)}.results WHERE run_id = 'run-hostile' ORDER BY source`,
      'query',
    );
    const rules = new Map<string, string>();
    for await (const block of streamResults(ch, { runId: 'run-hostile' })) for (const r of block) rules.set(r.source, r.rule);
    const bySource = new Map(stored.map((s) => [s.source, s]));
    HOSTILE.forEach((value, i) => {
      expect(bySource.get(`kafka:flows/0/${i}`)).toEqual({
        source: `kafka:flows/0/${i}`,
        src_name: value,
        src_port: null,
        class: '',
        seconds: i === 0 ? 0 : Math.floor(T0 / 1000),
      });
      // Rule texts travel through the rules table.
      expect(rules.get(`kafka:flows/0/${i}`)).toBe(value);
    });
  });

  it('keeps each rule text once in the rules table, and a report names a row whose rule has no text', async () => {
    const texts = ['tier-a/ns/p#0', 'tier-a/ns/p#1', 'tier-b/ns/q#0'];
    // Rows from 20 on alone name the third text: the insert of two bodies below must store the texts of both.
    const rule = (i: number, shift: number) => texts[i < 20 ? (i + shift) % 2 : 2]!;
    const rows = Array.from({ length: 30 }, (_, i) => row(i, { run_id: 'run-rules', rule: rule(i, 0), proposed_rule: rule(i, 1) }));
    await insertRows(ch, [bodyOf(rows.slice(0, 20)), bodyOf(rows.slice(20))]);
    const named = async () => {
      const stored: ResultRow[] = [];
      for await (const block of streamResults(ch, { runId: 'run-rules' })) stored.push(...block);
      return stored.map((r) => [r.source, r.rule, r.proposed_rule]).sort();
    };
    const expected = rows.map((r) => [r.source, r.rule, r.proposed_rule]).sort();
    expect(await named()).toEqual(expected);
    await insertRows(ch, [bodyOf(rows)]);
    // Another process (its own connection) sends the texts again: the table keeps one of each once merged.
    const other = await connectClickHouse(clickHouseTestOptions(names.database));
    try {
      await insertRows(other, [bodyOf(rows.slice(0, 3))]);
    } finally {
      await other.close();
    }
    const table = `${sqlIdentifier(names.database)}.rules`;
    const held = await ch.rows<{ rule_id: string; rule: string }>(`SELECT rule_id, rule FROM ${table} FINAL WHERE rule LIKE 'tier-%' ORDER BY rule`, 'query');
    expect(held).toEqual(texts.map((text) => ({ rule_id: ruleId(text), rule: text })));
    expect(await named()).toEqual(expected);

    await ch.command(
      `INSERT INTO ${sqlIdentifier(names.database)}.results (run_id, source, time, time_ms, src_ip, dst_ip, proto, verdict, rule_id, policy_version, bytes, packets)
       VALUES ('run-lost-rule', 'kafka:flows/9/9', '2026-11-20 12:00:00', 0, '10.0.0.1', '10.0.0.2', 6, 'allow', 42, 'v', 1, 1)`,
      'insert',
    );
    const read = async () => {
      for await (const _ of streamResults(ch, { runId: 'run-lost-rule' }));
    };
    await expect(read()).rejects.toThrow(/result kafka:flows\/9\/9 names rule 42, which the rules table does not hold/);
  });

  it('counts a redelivered batch once in the report, before and after merges', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(i, { run_id: 'run-redelivered' }));
    await insertRows(ch, [bodyOf(rows)]);
    await insertRows(ch, [bodyOf(rows)]);
    const expected = [
      { verdict: 'allow', class: 'unchanged-allow', rows: rows.filter((r) => r.verdict === 'allow') },
      { verdict: 'deny', class: 'would-allow', rows: rows.filter((r) => r.verdict === 'deny') },
    ].map(({ verdict, class: cls, rows: group }) => ({
      verdict,
      class: cls,
      flows: group.reduce((sum, r) => sum + r.count, 0),
      bytes: group.reduce((sum, r) => sum + r.bytes, 0),
      packets: group.reduce((sum, r) => sum + r.packets, 0),
    }));
    expect(await countResults(ch, 'run-redelivered')).toEqual(expected);

    // OPTIMIZE does nothing, without an error, when a background merge holds the parts at that moment: asked again
    // until the duplicates are merged away (once is enough on a quiet server).
    let stored: string | undefined;
    for (let attempt = 0; attempt < 20 && stored !== '300'; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      await ch.command(`OPTIMIZE TABLE ${sqlIdentifier(names.database)}.results FINAL`, 'query');
      const [row] = await ch.rows<{ n: string }>(
        `SELECT count() AS n FROM ${sqlIdentifier(names.database)}.results WHERE run_id = 'run-redelivered'`,
        'query',
      );
      stored = row?.n;
    }
    expect(stored).toBe('300');
    expect(await countResults(ch, 'run-redelivered')).toEqual(expected);
  });

  it('refuses outcomes with an impossible number before sending anything (replay into ClickHouse)', async () => {
    const { auditor } = await demoState();
    const decoded = new KafkaFlowDecoder({ format: 'canonical' }).decode(batchOf(demoLines().slice(0, 3)));
    const outcomes = auditor.auditBatch(decoded.flows);
    const bad = { ...outcomes[1]!, flow: { ...outcomes[1]!.flow, record: { ...outcomes[1]!.flow.record, bytes: -1 } } };
    await expect(insertOutcomes(ch, [outcomes[0]!, bad], { runId: 'run-bad', policyVersion: 'v' })).rejects.toThrow(
      /^result kafka:flows\/0\/1: bytes must be an integer from 0/,
    );
    const [stored] = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM ${sqlIdentifier(names.database)}.results WHERE run_id = 'run-bad'`,
      'query',
    );
    expect(stored?.n).toBe('0');
    await insertOutcomes(ch, outcomes, { runId: 'run-good', policyVersion: 'v' });
    expect((await countResults(ch, 'run-good')).reduce((n, c) => n + c.flows, 0)).toBe(3);
  });

  it('drops whole days older than the retention, and only those', async () => {
    const now = new Date(T0 + 10 * DAY);
    const days = [0, 7, 8, 9, 10].map((d) => row(d, { run_id: 'run-retention', time: T0 + d * DAY }));
    await insertRows(ch, [bodyOf(days)]);
    const dropped = await dropPartitionsOlderThan(ch, 2, now);
    // Cut-off: day 8 (now - 2 days); earlier partitions of every run go: day 0 (20261120), day 7 (20261127).
    expect(dropped).toEqual(expect.arrayContaining(['20261120', '20261127']));
    expect(dropped.every((id) => id < '20261128')).toBe(true);
    const left = await ch.rows<{ d: string }>(
      `SELECT toString(toDate(time)) AS d FROM ${sqlIdentifier(names.database)}.results
       WHERE run_id = 'run-retention' ORDER BY d`,
      'query',
    );
    expect(left.map((l) => l.d)).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
  });

  it('classifies a missing database as not retriable', async () => {
    const other = await connectClickHouse(clickHouseTestOptions(`${names.database}_missing`));
    try {
      const error = await insertRows(other, [bodyOf([row(1)])]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClickHouseSinkError);
      expect(error).toMatchObject({ retriable: false, code: '81', operation: 'insert' });
    } finally {
      await other.close();
    }
  });
});
