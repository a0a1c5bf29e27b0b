/**
 * ClickHouse away for about 30 s while flows keep arriving. The shared server is not stopped (other test files
 * use it): the daemon reaches it through a TCP proxy this test closes (refusing connections, cutting open ones)
 * and opens again on the same port. The daemon must keep its batch, stop fetching, keep its group membership,
 * and store every flow once ClickHouse is back, with its memory flat meanwhile.
 */
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClickHouse, sqlIdentifier, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { kafkaClient } from '../../src/sources/kafka/index.js';
import { DaemonProcess, goodDemoLines, produce, scrape, storedCounts, TcpProxy, total, waitFor } from './daemon-harness.js';
import { clickHouseTestOptions, kafkaTestOptions, testNames } from './services.js';

const names = testNames(import.meta.url);
const topic = names.topic('flows');
const group = names.topic('group');
const runId = `daemon:${group}`;
const OUTAGE_MS = 30_000;

let kafka: Kafka;
let ch: ClickHouseConnection;
const proxy = new TcpProxy();
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  kafka = kafkaClient(kafkaTestOptions('flowaudit-outage-test'));
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
  await proxy.open();
});

afterAll(async () => {
  daemon?.kill('SIGKILL');
  await proxy.close();
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
});

describe('ClickHouse unavailable for 30 s', () => {
  it('loses no flow, holds its memory, and catches up when ClickHouse is back', { timeout: 180_000 }, async () => {
    const lines = goodDemoLines();
    const chunk = Array.from({ length: 10 }, () => lines).flat(); // 3,210 flows
    await produce(kafka, topic, chunk, { partitions: 2 });
    daemon = new DaemonProcess({
      topic,
      group,
      database: names.database,
      clickhouseUrl: proxy.url,
      extra: { 'clickhouse-timeout-ms': 3000, 'retry-max-ms': 2000 },
    });
    const port = await daemon.ready();
    await waitFor('the first flows stored', async () => (await storedCounts(ch, runId)).final >= chunk.length);
    const baseline = daemon.rss();
    const before = await scrape(port);

    await proxy.close();
    const down = Date.now();
    let produced = chunk.length;
    let maxRss = baseline;
    let sawRetrying = false;
    while (Date.now() - down < OUTAGE_MS) {
      await produce(kafka, topic, chunk, { partitions: 2 });
      produced += chunk.length;
      maxRss = Math.max(maxRss, daemon.rss());
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { healthy: boolean; clickhouse: string };
      expect(health.healthy).toBe(true);
      sawRetrying ||= health.clickhouse === 'retrying';
      await new Promise((r) => setTimeout(r, 700));
    }
    const during = await scrape(port);
    await proxy.open();
    const up = Date.now();

    // Nothing was stored, nothing dropped, and no more than the batches in hand were taken from Kafka.
    expect(total(during, 'flowaudit_results_inserted_total')).toBe(total(before, 'flowaudit_results_inserted_total'));
    expect(total(during, 'flowaudit_clickhouse_retries_total')).toBeGreaterThan(3);
    expect(sawRetrying).toBe(true);
    const consumedInOutage = total(during, 'flowaudit_messages_consumed_total') - total(before, 'flowaudit_messages_consumed_total');
    expect(consumedInOutage).toBeLessThan(produced / 4);

    await waitFor(`${produced} rows after the outage`, async () => (await storedCounts(ch, runId)).final >= produced, 90_000);
    const caughtUp = (Date.now() - up) / 1000;
    const counts = await storedCounts(ch, runId);
    expect([counts.final, counts.sources]).toEqual([produced, produced]);
    const growthMb = (maxRss - baseline) / 2 ** 20;
    console.info(
      `outage test: ${produced} flows, ${produced - chunk.length} produced in a ${OUTAGE_MS / 1000} s outage; ` +
        `${consumedInOutage} records taken from Kafka meanwhile; RSS ${(baseline / 2 ** 20).toFixed(0)} MB before, ` +
        `${(maxRss / 2 ** 20).toFixed(0)} MB at most during the outage; caught up ${caughtUp.toFixed(1)} s after ClickHouse came back`,
    );
    expect(growthMb).toBeLessThan(64);

    daemon.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
