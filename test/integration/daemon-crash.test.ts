/**
 * `node bin/flowaudit daemon` killed with SIGKILL while flows keep arriving, then started again: every flow is
 * stored and counted exactly once (uncommitted batches come again; the results table collapses their copies).
 */
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClickHouse, sqlIdentifier, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { kafkaClient } from '../../src/sources/kafka/index.js';
import { DaemonProcess, goodDemoLines, produce, scrape, storedCounts, total, waitFor } from './daemon-harness.js';
import { clickHouseTestOptions, kafkaTestOptions, testNames } from './services.js';

const names = testNames(import.meta.url);
const topic = names.topic('flows');
const group = names.topic('group');
const runId = `daemon:${group}`;
// A short session: the killed member's partitions move to the restarted one after 8 s instead of 30.
const settings = { topic, group, database: names.database, extra: { 'session-timeout-ms': 8000 } };

let kafka: Kafka;
let ch: ClickHouseConnection;
const children: DaemonProcess[] = [];

beforeAll(async () => {
  kafka = kafkaClient(kafkaTestOptions('flowaudit-crash-test'));
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
});

describe('a daemon killed mid-stream and restarted', () => {
  it('stores every flow, each counted once', async () => {
    const lines = goodDemoLines();
    const chunk = Array.from({ length: 20 }, () => lines).flat(); // 6,420 flows
    const chunks = 6;
    const expected = chunk.length * chunks;

    await produce(kafka, topic, chunk, { partitions: 3 });
    const first = new DaemonProcess(settings);
    children.push(first);
    await first.ready();
    // Keep producing while the first daemon works; kill it once part of the stream is stored.
    const producing = (async () => {
      for (let i = 1; i < chunks; i++) {
        await produce(kafka, topic, chunk, { partitions: 3 });
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await waitFor('some rows stored', async () => (await storedCounts(ch, runId)).final >= chunk.length);
    first.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const atKill = await storedCounts(ch, runId);
    expect(atKill.final).toBeLessThan(expected);

    await producing;
    const second = new DaemonProcess(settings);
    children.push(second);
    await second.ready();
    await waitFor(`${expected} rows`, async () => (await storedCounts(ch, runId)).final >= expected, 90_000);
    // Give a redelivered batch time to show up as a duplicate row, if any were to count twice.
    await new Promise((r) => setTimeout(r, 2000));
    const counts = await storedCounts(ch, runId);
    expect(counts.final).toBe(expected);
    expect(counts.sources).toBe(expected);
    expect(counts.raw).toBeGreaterThanOrEqual(expected);
    console.info(`crash test: ${expected} flows, ${atKill.final} stored at the kill, ${counts.raw - expected} redelivered rows not merged yet`);

    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.log.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('counts a whole topic delivered again (group offsets reset) once', async () => {
    const before = await storedCounts(ch, runId);
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: group, topic, earliest: true });
    await admin.disconnect();
    const third = new DaemonProcess(settings);
    children.push(third);
    const port = await third.ready();
    // Raw row counts cannot show the copies: ReplacingMergeTree merges them away in the background.
    await waitFor('every record inserted a second time', async () => total(await scrape(port), 'flowaudit_results_inserted_total') >= before.final, 60_000);
    expect(total(await scrape(port), 'flowaudit_results_inserted_total')).toBe(before.final);
    const after = await storedCounts(ch, runId);
    expect([after.final, after.sources]).toEqual([before.final, before.final]);
    third.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });
});
