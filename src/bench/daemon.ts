/**
 * The daemon end to end (Kafka → decode → evaluate current and proposed → one ClickHouse insert per batch →
 * commit), in flows/s, next to what the same machine does with the bare clients in the same run: a kafkajs
 * eachBatch consumer that only JSON.parses the same topic, and @clickhouse/client inserting the same result rows
 * (JSONEachRow), beside our own insert of them (insertResults, TabSeparated). Needs the services of
 * scripts/services.sh (or FLOWAUDIT_KAFKA_BROKERS and FLOWAUDIT_CLICKHOUSE_* pointing elsewhere); everything it
 * creates (topic, groups, database) is deleted at the end.
 *
 * Standalone: `node dist/bench/daemon.js [--flows N]` prints the results as JSON.
 */
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import { resolveDaemonConfig } from '../daemon/config.js';
import { startDaemon } from '../daemon/daemon.js';
import { Auditor } from '../pipeline/audit.js';
import { loadAuditContext } from '../pipeline/context.js';
import { resultRow } from '../pipeline/result-row.js';
import type { ResultRow } from '../pipeline/result.js';
import {
  clickHouseOptions,
  connectClickHouse,
  insertResults,
  migrate,
  sqlIdentifier,
  type ClickHouseOptions,
} from '../sinks/clickhouse/index.js';
import { connectTypedProducer, ensureTopic, kafkaClient, KafkaFlowDecoder, kafkaOptions, type KafkaOptions } from '../sources/kafka/index.js';
import type { BenchResult } from './result.js';
import { ensureWorkload } from './workload.js';

export interface DaemonBenchOptions {
  readonly flows: number;
  /** Partitions of the benchmark topic (default 4). */
  readonly partitions?: number;
  /** Defaults: FLOWAUDIT_KAFKA_* and FLOWAUDIT_CLICKHOUSE_* variables, then 127.0.0.1. */
  readonly kafka?: KafkaOptions;
  readonly clickhouse?: ClickHouseOptions;
}

/** Rows per insert of the two insert measurements: about what one Kafka batch of 1 MiB holds. */
const INSERT_BATCH = 3000;

export async function benchDaemon(options: DaemonBenchOptions): Promise<BenchResult[]> {
  const n = options.flows;
  const partitions = options.partitions ?? 4;
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const topic = `flowaudit-bench-${run}`;
  const kafkaSettings = options.kafka ?? kafkaOptions({ clientId: 'flowaudit-bench' });
  const chBase = options.clickhouse ?? clickHouseOptions();
  const ch = { ...chBase, database: `flowaudit_bench_${run}` };
  const kafka = kafkaClient(kafkaSettings);
  const w = await ensureWorkload({ namespaces: 20, pods: 2000, policies: 200, flows: n, seed: 7 });
  const lines = (await readFile(w.flows, 'utf8')).split('\n').filter((l) => l !== '');

  try {
    // The flows twice: the daemon's first pass warms the engine's caches (applicable policies per endpoint,
    // verdicts), the second is what a long-running daemon sees of traffic that repeats.
    const produceSeconds = await produceAll(kafka, topic, partitions, [...lines, ...lines]);
    const bare = await bareConsumer(kafka, topic, `${topic}-bare`, 2 * n);
    const daemon = await daemonRun({ kafka: kafkaSettings, clickhouse: ch, topic, group: `${topic}-daemon`, policies: w.policies, inventory: w.inventory, flows: n });
    const rows = await resultRows(lines, w.policies, w.inventory, topic);
    const ours = await insertOurs(ch, rows);
    const theirs = await insertBare(ch, rows);
    return [
      {
        name: 'daemon: flows/s end to end, warm (Kafka → evaluate current + staged view → ClickHouse, committed)',
        value: n / daemon.warmSeconds,
        unit: 'flows/s',
        baseline: { name: 'bare kafkajs eachBatch consumer, JSON.parse only', value: (2 * n) / bare },
        note: `second pass over ${n} flows on ${partitions} partitions, 200 policies, 2000 pods; ${daemon.inserts} inserts of ${Math.round((2 * n) / Math.max(daemon.inserts, 1))} rows on average in both passes; RSS ${daemon.rssMb.toFixed(0)} MB after the run (benchmark process)`,
      },
      {
        name: 'daemon: flows/s end to end, first pass (cold engine caches)',
        value: n / daemon.coldSeconds,
        unit: 'flows/s',
        baseline: { name: 'bare kafkajs eachBatch consumer, JSON.parse only', value: (2 * n) / bare },
        note: `from consuming to ${n} rows stored; start-up before it (policies, inventory, ClickHouse, group join) took ${daemon.startSeconds.toFixed(1)} s`,
      },
      {
        name: 'daemon: result rows/s inserted by insertResults (TabSeparated)',
        value: n / ours,
        unit: 'rows/s',
        baseline: { name: 'bare @clickhouse/client insert, JSONEachRow objects', value: n / theirs },
        note: `the same ${n} rows in inserts of ${INSERT_BATCH}`,
      },
      {
        name: 'daemon: producing the benchmark topic (typed producer, acks=all, 1000 per request)',
        value: n / produceSeconds,
        unit: 'msg/s',
        note: 'context for the figures above, not a target',
      },
    ];
  } finally {
    await cleanUp(kafka, topic, ch);
  }
}

async function produceAll(kafka: Kafka, topic: string, partitions: number, lines: readonly string[]): Promise<number> {
  await ensureTopic(kafka, { topic, partitions });
  const producer = await connectTypedProducer<string>(kafka, { serialize: (v) => v });
  const started = performance.now();
  // Four requests in flight, as docs/services.md measured the producer.
  const slices = 4;
  const per = Math.ceil(lines.length / slices);
  await Promise.all(
    Array.from({ length: slices }, (_, s) =>
      producer.send(topic, lines.slice(s * per, (s + 1) * per).map((value, i) => ({ value, partition: (s * per + i) % partitions }))),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return seconds;
}

/** Seconds for a fresh group to eachBatch through `n` records, JSON.parsing each. */
async function bareConsumer(kafka: Kafka, topic: string, groupId: string, n: number): Promise<number> {
  const consumer = kafka.consumer({ groupId, maxBytes: 10 << 20, maxWaitTimeInMs: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  const started = performance.now();
  let seconds = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if ((JSON.parse(m.value!.toString('utf8')) as { proto?: unknown }).proto !== undefined) seen++;
          if (seen >= n) {
            seconds = (performance.now() - started) / 1000;
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seconds;
}

interface DaemonRun {
  readonly kafka: KafkaOptions;
  readonly clickhouse: ClickHouseOptions;
  readonly topic: string;
  readonly group: string;
  readonly policies: string;
  readonly inventory: string;
  readonly flows: number;
}

async function daemonRun(r: DaemonRun): Promise<{ startSeconds: number; coldSeconds: number; warmSeconds: number; inserts: number; rssMb: number }> {
  const config = {
    ...resolveDaemonConfig(
      { topic: r.topic, group: r.group, policies: [r.policies], inventory: [r.inventory], staged: true, 'metrics-host': '127.0.0.1', 'metrics-port': 0, 'log-level': 'warn' },
      // FLOWAUDIT_CONCURRENCY and the like tune the run as they tune a daemon.
      process.env,
    ),
    kafka: r.kafka,
    clickhouse: r.clickhouse,
  };
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const started = performance.now();
  const daemon = startDaemon(config, { stderr: sink });
  try {
    const { metricsPort } = await daemon.ready;
    const consuming = performance.now();
    const counters = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return { inserted: value('flowaudit_results_inserted_total'), batches: value('flowaudit_batch_duration_seconds_count') };
    };
    const until = async (rows: number) => {
      let c = await counters();
      while (c.inserted < rows) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        c = await counters();
      }
      return c;
    };
    await until(r.flows);
    const firstPass = performance.now();
    const c = await until(2 * r.flows);
    const end = performance.now();
    return {
      startSeconds: (consuming - started) / 1000,
      coldSeconds: (firstPass - consuming) / 1000,
      warmSeconds: (end - firstPass) / 1000,
      inserts: c.batches,
      rssMb: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    await daemon.stop();
  }
}

/** The rows the daemon stores for these lines, made outside any timing. */
async function resultRows(lines: readonly string[], policies: string, inventory: string, topic: string): Promise<ResultRow[]> {
  const ctx = await loadAuditContext({ policies: [policies], proposal: { kind: 'staged' }, inventory: [inventory] });
  const auditor = new Auditor(ctx.views, ctx.inventory);
  const decoder = new KafkaFlowDecoder({ format: 'canonical' });
  const decoded = decoder.decode({
    topic,
    partition: 0,
    records: lines.map((l, i) => ({ offset: String(i), key: null, value: Buffer.from(l) })),
    highWatermark: String(lines.length),
  });
  return auditor.auditBatch(decoded.flows).map((o) => resultRow(o, { runId: 'bench', policyVersion: ctx.policyVersion }));
}

async function insertOurs(options: ClickHouseOptions, rows: readonly ResultRow[]): Promise<number> {
  const connection = await connectClickHouse(options);
  try {
    await migrate(connection);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += INSERT_BATCH) await insertResults(connection, rows.slice(i, i + INSERT_BATCH));
    return (performance.now() - started) / 1000;
  } finally {
    await connection.close();
  }
}

/** The bare client, objects in JSONEachRow, into a table of the same shape (`time` as epoch seconds). */
async function insertBare(options: ClickHouseOptions, rows: readonly ResultRow[]): Promise<number> {
  const client = createClient({ url: options.url, username: options.user, password: options.password, request_timeout: options.requestTimeoutMs });
  const table = `${sqlIdentifier(options.database)}.${sqlIdentifier('bare_results')}`;
  try {
    await client.command({ query: `CREATE TABLE ${table} AS ${sqlIdentifier(options.database)}.${sqlIdentifier('results')}` });
    const started = performance.now();
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const values = rows.slice(i, i + INSERT_BATCH).map((r) => ({
        ...r,
        time: Math.floor(r.time / 1000),
        time_ms: r.time % 1000,
        observed_mismatch: r.observed_mismatch ? 1 : 0,
      }));
      await client.insert({ table, values, format: 'JSONEachRow' });
    }
    return (performance.now() - started) / 1000;
  } finally {
    await client.close();
  }
}

async function cleanUp(kafka: Kafka, topic: string, ch: ClickHouseOptions): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([`${topic}-bare`, `${topic}-daemon`]).catch(() => undefined);
  await admin.disconnect();
  const connection = await connectClickHouse(ch).catch(() => undefined);
  await connection?.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(ch.database)}`, 'migrate');
  await connection?.close();
}
