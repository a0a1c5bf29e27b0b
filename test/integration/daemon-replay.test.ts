/**
 * `replay --kafka` over a time window of a topic, into ClickHouse and into a file, against a file replay of the
 * same records; `report --clickhouse-url` by run and by flow time; `db migrate`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClickHouse, sqlIdentifier, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { kafkaClient } from '../../src/sources/kafka/index.js';
import { runCapture } from '../cli/harness.js';
import { DAEMON_ENV, DEMO, demoLines, produce, storedCounts } from './daemon-harness.js';
import { clickHouseTestOptions, CLICKHOUSE_URL, CLICKHOUSE_USER, KAFKA_BROKERS, kafkaTestOptions, testNames } from './services.js';

const names = testNames(import.meta.url);
const topic = names.topic('flows');
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const CH = ['--clickhouse-url', CLICKHOUSE_URL, '--clickhouse-user', CLICKHOUSE_USER, '--clickhouse-database', names.database];
const POLICY = ['--policies', DEMO.policies, '--change', DEMO.change, '--inventory', DEMO.inventory];
const iso = (ms: number) => new Date(ms).toISOString();

let kafka: Kafka;
let ch: ClickHouseConnection;
let dir: string;

beforeAll(async () => {
  kafka = kafkaClient(kafkaTestOptions('flowaudit-replay-test'));
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
  dir = await mkdtemp(join(tmpdir(), 'flowaudit-kafka-replay-'));
  // Record i is stamped T0 + i s, so [T0 + 100 s, T0 + 200 s) holds records 100..199 of the demo file: 98 flows
  // and the demo's two bad lines (175 and 177).
  await produce(kafka, topic, demoLines(), { partitions: 2, timestamp: (i) => T0 + i * 1000 });
});

afterAll(async () => {
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('replay --kafka', () => {
  const window = ['--kafka', '--brokers', KAFKA_BROKERS[0]!, '--topic', topic, '--since', iso(T0 + 100_000), '--until', iso(T0 + 200_000)];

  it('stores the records of the time window under a printed run id, and reports them as file mode does', async () => {
    const r = await runCapture(['replay', ...window, ...POLICY, ...CH, '--dead-letters', join(dir, 'stored.dead-letters.jsonl')], DAEMON_ENV);
    expect(r.code).toBe(0);
    const runId = r.stdout.trim();
    expect(runId).toMatch(/^replay:/);
    expect(r.stderr).toMatch(/replayed 98 flows.*2 dead letters/);
    expect(await storedCounts(ch, runId)).toEqual({ final: 98, raw: 98, sources: 98 });

    const file = join(dir, 'window.jsonl');
    await writeFile(file, `${demoLines().slice(100, 200).join('\n')}\n`);
    const results = join(dir, 'window-results.jsonl');
    const fileReplay = ['replay', '--flows', file, ...POLICY, '--out', results, '--dead-letters', join(dir, 'file.dead-letters.jsonl')];
    expect((await runCapture([...fileReplay, '--coverage', join(dir, 'file-replay-coverage.csv')])).code).toBe(0);
    const fromFile = await runCapture(['report', '--results', results, '-o', 'json']);
    const stored = await runCapture(['report', ...CH, '--run', runId, '-o', 'json'], DAEMON_ENV);
    expect(stored.code).toBe(0);
    expect(stored.stdout).toBe(fromFile.stdout);

    // Rule coverage from the stored rows (rule texts by id) equals coverage from the file's rows.
    const coverage = ['--policies', DEMO.policies, '--change', DEMO.change];
    const coveredFile = await runCapture(['report', '--results', results, ...coverage, '--coverage', join(dir, 'file-coverage.csv')]);
    const coveredStore = await runCapture(['report', ...CH, '--run', runId, ...coverage, '--coverage', join(dir, 'stored-coverage.csv')], DAEMON_ENV);
    expect([coveredFile.code, coveredStore.code]).toEqual([0, 0]);
    const fromStore = await readFile(join(dir, 'stored-coverage.csv'), 'utf8');
    expect(fromStore).toBe(await readFile(join(dir, 'file-coverage.csv'), 'utf8'));
    expect(fromStore).toMatch(/^current,default,backend\/knp\.default\.api-allow-ingress,ingress,0,Allow,[1-9]/m);

    // By flow time: the demo's flows of 06:00-12:00 among them.
    const times = (await readFile(results, 'utf8')).trim().split('\n').map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
    const from = Date.UTC(2026, 2, 2, 6);
    const to = Date.UTC(2026, 2, 2, 12);
    const inWindow = times.filter((t) => t >= from && t < to).length;
    expect(inWindow).toBeGreaterThan(0);
    const byTime = await runCapture(['report', ...CH, '--run', runId, '--since', iso(from), '--until', iso(to), '-o', 'json'], DAEMON_ENV);
    expect((JSON.parse(byTime.stdout) as { totals: { rows: number } }).totals.rows).toBe(inWindow);
  });

  it('writes the same result rows (and rule coverage) as a file replay of the same records, dead letters at Kafka positions', async () => {
    const out = join(dir, 'kafka-results.jsonl');
    const r = await runCapture(['replay', ...window, ...POLICY, '--out', out, '--coverage', join(dir, 'kafka-coverage.csv')]);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'kafka-coverage.csv'), 'utf8')).toBe(await readFile(join(dir, 'file-replay-coverage.csv'), 'utf8'));
    const fromKafka = (await readFile(out, 'utf8')).trim().split('\n').sort();
    const fromFile = (await readFile(join(dir, 'window-results.jsonl'), 'utf8')).trim().split('\n').sort();
    expect(fromKafka).toHaveLength(98);
    expect(fromKafka).toEqual(fromFile);
    const dead = (await readFile(join(dir, 'kafka-results.dead-letters.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { pos: { kind: string; topic: string } });
    expect(dead.map((d) => [d.pos.kind, d.pos.topic])).toEqual([['kafka', topic], ['kafka', topic]]);
  });

  it('reads to the end of the topic without --until', async () => {
    const out = join(dir, 'tail.jsonl');
    const r = await runCapture(['replay', '--kafka', '--brokers', KAFKA_BROKERS[0]!, '--topic', topic, '--since', iso(T0 + 300_000), ...POLICY, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/replayed 23 flows/);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(23);
  });
});

describe('db migrate', () => {
  it('creates the tables once and is a no-op after', async () => {
    const database = `${names.database}_db`;
    const args = ['db', 'migrate', '--clickhouse-url', CLICKHOUSE_URL, '--clickhouse-user', CLICKHOUSE_USER, '--clickhouse-database', database, '--retention-days', '30'];
    try {
      const first = await runCapture(args, DAEMON_ENV);
      expect([first.code, first.stdout]).toEqual([0, `${database}: schema version 0 → 4\n`]);
      const again = await runCapture(args, DAEMON_ENV);
      expect([again.code, again.stdout]).toEqual([0, `${database}: schema version 4, up to date\n`]);
    } finally {
      await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(database)}`, 'migrate');
    }
  });

  it('exits 1 with the server’s reason when the password is wrong', async () => {
    const r = await runCapture(['db', 'migrate', '--clickhouse-url', CLICKHOUSE_URL, '--clickhouse-user', CLICKHOUSE_USER], { FLOWAUDIT_CLICKHOUSE_PASSWORD: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ClickHouse connect failed/);
  });
});
