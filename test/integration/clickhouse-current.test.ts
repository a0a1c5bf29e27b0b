/**
 * The ClickHouse module against a current ClickHouse release (26.x) in-process, through chDB's connection for
 * @clickhouse/client, while the HTTP tests run against Debian's 18.16: the SQL must work on both. chDB is 546 MB,
 * so it is no dependency of the project: install it anywhere and point FLOWAUDIT_CHDB_CONNECTION at its
 * `dist/connection/index.js` (docs/services.md) to run this file; without it the file is skipped.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResultRow } from '../../src/pipeline/result.js';
import {
  connectClickHouse,
  countResults,
  dropPartitionsOlderThan,
  insertRows,
  LATEST_SCHEMA_VERSION,
  migrate,
  sqlIdentifier,
  sqlString,
  streamResults,
  type ClickHouseConnection,
} from '../../src/sinks/clickhouse/index.js';
import { testNames } from './services.js';
import { bodyOf } from '../sinks/result-rows.js';

const CHDB_CONNECTION = process.env.FLOWAUDIT_CHDB_CONNECTION;

// vi.mock is hoisted above every declaration: it reads the variable itself.
vi.mock('@clickhouse/client', async (importOriginal) => {
  const original = await importOriginal<typeof import('@clickhouse/client')>();
  const module = process.env.FLOWAUDIT_CHDB_CONNECTION;
  if (module === undefined) return original;
  const chdb = (await import(module)) as { createChdbConnection: (o: { path: string }) => unknown };
  return {
    ...original,
    createClient: (config: Parameters<typeof original.createClient>[0]) =>
      original.createClient({ ...config, connection: chdb.createChdbConnection({ path: ':memory:' }) } as never),
  };
});

const names = testNames(import.meta.url);
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0, 5);
const row = (i: number, overrides: Partial<ResultRow> = {}): ResultRow => ({
  run_id: 'run-current',
  source: `kafka:flows/0/${i}`,
  time: T0 + i * 1000,
  src_ip: '10.0.0.1',
  src_port: i % 2 === 0 ? null : 40000,
  dst_ip: '10.0.0.2',
  dst_port: 443,
  proto: 6,
  src_namespace: 'a',
  src_name: "we'ird\\name\t\n",
  dst_namespace: 'b',
  dst_name: 'db',
  observed_action: '',
  verdict: i % 2 === 0 ? 'deny' : 'allow',
  reason: '',
  rule: '',
  proposed_verdict: '',
  proposed_rule: '',
  class: '',
  observed_mismatch: false,
  policy_version: 'v',
  bytes: 10,
  packets: 1,
  count: 1,
  src_endpoint: '',
  dst_endpoint: 'host:node-1/eth0',
  observed_rule: i % 3 === 0 ? '' : 'egress=deny@(profile)/edge#2',
  observed_rule_mismatch: i % 3 === 0 ? null : i % 3 === 1,
  ...overrides,
});

describe.skipIf(CHDB_CONNECTION === undefined)('ClickHouse module on a current release (chDB)', () => {
  let ch: ClickHouseConnection;

  beforeAll(async () => {
    ch = await connectClickHouse({ url: 'http://chdb.invalid:8123', database: names.database, user: 'default', password: '', requestTimeoutMs: 30_000 });
  });

  afterAll(async () => {
    await ch?.close();
  });

  it('is a current release', () => {
    expect(ch.server.major).toBeGreaterThanOrEqual(24);
  });

  it('migrates twice, inserts, de-duplicates a redelivered batch, drops old partitions', async () => {
    expect(await migrate(ch)).toMatchObject({ fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION });
    expect(await migrate(ch)).toMatchObject({ fromVersion: LATEST_SCHEMA_VERSION });
    const rows = Array.from({ length: 10 }, (_, i) => row(i));
    await insertRows(ch, [bodyOf(rows)]);
    await insertRows(ch, [bodyOf(rows)]);
    expect(await countResults(ch, 'run-current')).toEqual([
      { verdict: 'allow', class: '', flows: 5, bytes: 50, packets: 5 },
      { verdict: 'deny', class: '', flows: 5, bytes: 50, packets: 5 },
    ]);
    const [stored] = await ch.rows<{ src_name: string; time_ms: number; seconds: number }>(
      `SELECT src_name, time_ms, toUnixTimestamp(time) AS seconds FROM ${sqlIdentifier(names.database)}.results
       WHERE source = 'kafka:flows/0/1' LIMIT 1`,
      'query',
    );
    expect(stored).toEqual({ src_name: "we'ird\\name\t\n", time_ms: 5, seconds: Math.floor((T0 + 1000) / 1000) });

    await insertRows(ch, [bodyOf([row(100, { time: 0 })])]);
    expect(await dropPartitionsOlderThan(ch, 1, new Date(T0))).toEqual(['19700101']);
  });

  it('upgrades a version 1 table in place with the same statements as on 18.16; reports read old and new rule columns', async () => {
    const v1 = await connectClickHouse({ url: 'http://chdb.invalid:8123', database: `${names.database}_v1`, user: 'default', password: '', requestTimeoutMs: 30_000 });
    try {
      expect(await migrate(v1, { toVersion: 1 })).toMatchObject({ fromVersion: 0, toVersion: 1 });
      const table = `${sqlIdentifier(v1.database)}.results`;
      await v1.command(`INSERT INTO ${table} (run_id, source, time, verdict, rule) VALUES ('run-up', 'kafka:flows/0/1', 0, 'deny', 'r')`, 'insert');
      expect(await migrate(v1)).toMatchObject({ fromVersion: 1, toVersion: LATEST_SCHEMA_VERSION });
      expect(await migrate(v1)).toMatchObject({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION });
      await insertRows(v1, [bodyOf([row(2, { run_id: 'run-up', count: 7, src_endpoint: 'host:node-1/eth0', rule: 'tier/ns/p#0' })])]);
      const rules: string[] = [];
      for await (const block of streamResults(v1, { runId: 'run-up' })) rules.push(...block.map((r) => `${r.source} ${r.rule}`));
      expect(rules.sort()).toEqual(['kafka:flows/0/1 r', 'kafka:flows/0/2 tier/ns/p#0']);
      const stored = await v1.rows<{ source: string; count: number; src_endpoint: string }>(
        `SELECT source, count, src_endpoint FROM ${table} WHERE run_id = 'run-up' ORDER BY source`,
        'query',
      );
      expect(stored).toEqual([
        { source: 'kafka:flows/0/1', count: 1, src_endpoint: '' },
        { source: 'kafka:flows/0/2', count: 7, src_endpoint: 'host:node-1/eth0' },
      ]);
    } finally {
      await v1.close();
    }
  });

  it.each(["it's", 'back\\slash\\', 'nul\0', 'line\nbreak', '`tick`', '東京 🚦'])('round-trips %j through sqlString', async (value) => {
    const rows = await ch.rows<{ v: string }>(`SELECT ${sqlString(value)} AS v`, 'query');
    expect(rows).toEqual([{ v: value }]);
  });
});
