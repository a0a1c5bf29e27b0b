/**
 * Two daemons of one consumer group on a 4-partition topic share the work: every flow stored, none by both.
 */
import { Writable } from 'node:stream';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../../src/daemon/daemon.js';
import { connectClickHouse, sqlIdentifier, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { ensureTopic, kafkaClient } from '../../src/sources/kafka/index.js';
import { daemonConfig, goodDemoLines, produce, scrape, storedCounts, total, waitFor } from './daemon-harness.js';
import { clickHouseTestOptions, kafkaTestOptions, testNames } from './services.js';

const names = testNames(import.meta.url);
const topic = names.topic('flows');
const group = names.topic('group');
const runId = `daemon:${group}`;

let kafka: Kafka;
let ch: ClickHouseConnection;
const daemons: DaemonHandle[] = [];

beforeAll(async () => {
  kafka = kafkaClient(kafkaTestOptions('flowaudit-group-test'));
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
});

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
});

describe('two daemons in one group', () => {
  it('process every flow of a 4-partition topic between them, none twice', async () => {
    await ensureTopic(kafka, { topic, partitions: 4 });
    const logs: string[][] = [[], []];
    const ports: number[] = [];
    for (const log of logs) {
      const sink = new Writable({ write: (chunk, _enc, done) => done(void log.push(String(chunk))) });
      const d = startDaemon(daemonConfig({ topic, group, database: names.database, extra: { 'log-level': 'info' } }), { stderr: sink });
      daemons.push(d);
      ports.push((await d.ready).metricsPort);
    }
    // Both members in the group, two partitions each, before anything is produced: no rebalance mid-stream.
    const assigned = (log: string[]) => log.filter((l) => l.includes('"msg":"partitions assigned"')).map((l) => (JSON.parse(l) as { partitions: number[] }).partitions);
    await waitFor('both daemons to own two partitions', () => logs.every((l) => assigned(l).at(-1)?.length === 2), 60_000);
    expect([...assigned(logs[0]!).at(-1)!, ...assigned(logs[1]!).at(-1)!].sort()).toEqual([0, 1, 2, 3]);

    const lines = Array.from({ length: 25 }, () => goodDemoLines()).flat();
    await produce(kafka, topic, lines, { partitions: 4 });
    await waitFor(`${lines.length} rows`, async () => (await storedCounts(ch, runId)).final >= lines.length);

    const inserted = await Promise.all(ports.map(async (p) => total(await scrape(p), 'flowaudit_results_inserted_total')));
    expect(inserted.every((n) => n > 0)).toBe(true);
    expect(inserted[0]! + inserted[1]!).toBe(lines.length);
    const counts = await storedCounts(ch, runId);
    expect([counts.final, counts.sources]).toEqual([lines.length, lines.length]);
  });
});
