/**
 * insertRows (pre-built TabSeparated) against the bare @clickhouse/client JSONEachRow insert of the same rows,
 * 100k rows per call, about what the daemon puts in one insert. Writing rows from outcomes is measured by the
 * daemon benchmark (src/bench/daemon.ts). Run: npx vitest bench --run --project integration
 * test/integration/clickhouse-insert.bench.ts (needs scripts/services.sh up).
 */
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import type { ResultRow } from '../../src/pipeline/result.js';
import { connectClickHouse, insertRows, migrate, sqlIdentifier, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { bodyOf } from '../sinks/result-rows.js';
import { CLICKHOUSE_PASSWORD, CLICKHOUSE_URL, CLICKHOUSE_USER, clickHouseTestOptions, testNames } from './services.js';

const ROWS = 100_000;
const names = testNames(import.meta.url);
const T0 = Date.UTC(2026, 10, 20);
const rows: ResultRow[] = Array.from({ length: ROWS }, (_, i) => ({
  run_id: 'bench',
  source: `kafka:flows/${i % 4}/${i}`,
  time: T0 + i * 37,
  src_ip: `10.1.${(i >> 8) & 255}.${i & 255}`,
  src_port: 30000 + (i % 30000),
  dst_ip: '10.2.0.10',
  dst_port: 6379,
  proto: 6,
  src_namespace: 'production',
  src_name: `web-7d4f-${i % 50}`,
  dst_namespace: 'production',
  dst_name: 'db-0',
  observed_action: 'allow',
  verdict: i % 10 === 0 ? 'deny' : 'allow',
  reason: '',
  rule: 'default|production/default.allow-tcp-6379|ingress|0',
  proposed_verdict: 'allow',
  proposed_rule: 'default|production/default.allow-tcp-6379|ingress|0',
  class: i % 10 === 0 ? 'would-allow' : 'unchanged-allow',
  observed_mismatch: false,
  policy_version: 'sha256:0f3c',
  bytes: 1000 + i,
  packets: 10,
  count: 1,
  src_endpoint: `pod:production/web-7d4f-${i % 50}`,
  dst_endpoint: 'pod:production/db-0',
  observed_rule: '',
  observed_rule_mismatch: null,
}));

let ch: ClickHouseConnection;
const bare = createClient({ url: CLICKHOUSE_URL, username: CLICKHOUSE_USER, password: CLICKHOUSE_PASSWORD, log: { level: ClickHouseLogLevel.OFF } });
const table = `${sqlIdentifier(names.database)}.results`;

beforeAll(async () => {
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
  await migrate(ch);
});

afterAll(async () => {
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.close();
  await bare.close();
});

describe(`insert ${ROWS} result rows`, () => {
  const body = bodyOf(rows);
  bench('insertRows: TabSeparated, as rows.ts writes it', async () => {
    await insertRows(ch, [body]);
  }, { iterations: 5, time: 0, warmupIterations: 1 });

  bench('bare client: JSONEachRow of the same rows', async () => {
    await bare.insert({
      table,
      format: 'JSONEachRow',
      values: rows.map(({ time, ...rest }) => ({ ...rest, time: Math.floor(time / 1000), time_ms: time % 1000 })),
    });
  }, { iterations: 5, time: 0, warmupIterations: 1 });
});
