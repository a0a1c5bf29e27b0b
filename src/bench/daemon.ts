/**
 * The daemon end to end (Kafka → decode → evaluate current and proposed → one ClickHouse insert per batch →
 * commit), in flows/s, next to what the same machine does with the bare clients in the same run: a kafkajs
 * eachBatch consumer that only JSON.parses the same topic, and @clickhouse/client inserting the same result rows
 * (JSONEachRow), beside our own insert of them (insertOutcomes, TabSeparated). Needs the services of
 * scripts/services.sh (or FLOWAUDIT_KAFKA_BROKERS and FLOWAUDIT_CLICKHOUSE_* pointing elsewhere); everything it
 * creates (topic, groups, database) is deleted at the end.
 *
 * Alone: `node dist/bench/main.js --suites daemon --out FILE`.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import { resolveDaemonConfig } from '../daemon/config.js';
import { startDaemon } from '../daemon/daemon.js';
import { Auditor } from '../pipeline/audit.js';
import { loadAuditContext } from '../pipeline/context.js';
import type { Outcome } from '../pipeline/outcome.js';
import type { RunStamp } from '../pipeline/result-row.js';
import {
  clickHouseOptions,
  connectClickHouse,
  insertOutcomes,
  migrate,
  sqlIdentifier,
  type ClickHouseOptions,
} from '../sinks/clickhouse/index.js';
import { ResultRowsWriter, ROW_COLUMNS } from '../sinks/clickhouse/rows.js';
import { RESULT_COLUMNS } from '../sinks/clickhouse/schema.js';
import { connectTypedProducer, ensureTopic, kafkaClient, KafkaFlowDecoder, kafkaOptions, type KafkaOptions } from '../sources/kafka/index.js';
import { median, thousands, type BenchResult } from './result.js';
import { ensureWorkload, type WorkloadDir } from './workload.js';

export interface DaemonBenchOptions {
  readonly flows: number;
  /** Partitions of the benchmark topic (default 4). */
  readonly partitions?: number;
  /** Defaults: FLOWAUDIT_KAFKA_* and FLOWAUDIT_CLICKHOUSE_* variables, then 127.0.0.1. */
  readonly kafka?: KafkaOptions;
  readonly clickhouse?: ClickHouseOptions;
}

/** Times the workload's flows are produced: a first pass that warms the daemon's caches, then the measured two. */
const PASSES = 3;
/**
 * Rounds of (bare consumer, daemon), each a fresh group over the whole topic: the figures are the medians. On two
 * shared cores one run of either moves by a third from run to run; alternating them spreads that over both.
 */
const ROUNDS = 3;
const BARE = 'bare kafkajs eachBatch consumer, JSON.parse only (same records, steady state)';

/** Rows per insert of the two insert measurements: what the daemon puts in one (--insert-rows' default). */
const INSERT_BATCH = 50_000;

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
  const policies = await withStagedChange(w);
  const readLines = async () => (await readFile(w.flows, 'utf8')).split('\n').filter((l) => l !== '');

  try {
    // The flows three times: the daemon's first pass warms the engine's caches (applicable policies per endpoint,
    // verdicts), the next two are what a long-running daemon sees of traffic that repeats. Both consumers are
    // measured over those two passes, in the steady state (group joined, first fetches done): a window of 2N
    // records, long enough for a dozen inserts. The lines are not kept while the consumers run: both measure a
    // process holding only what they hold.
    const produceSeconds = await produceAll(kafka, topic, partitions, await readLines(), PASSES);
    const rounds: { bare: number; daemon: DaemonFigures }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const bareRate = await bareConsumer(kafka, topic, `${topic}-bare-${r}`, n, PASSES * n);
      const figures = await daemonRun({ kafka: kafkaSettings, clickhouse: ch, topic, group: `${topic}-daemon-${r}`, policies, inventory: w.inventory, flows: n });
      rounds.push({ bare: bareRate, daemon: figures });
    }
    const bare = median(rounds.map((r) => r.bare));
    const warm = median(rounds.map((r) => r.daemon.warmFlowsPerSecond));
    const daemon = rounds.find((r) => r.daemon.warmFlowsPerSecond === warm)!.daemon;
    const each = rounds.map((r) => `${thousands(r.daemon.warmFlowsPerSecond)}k/${thousands(r.bare)}k = ${(r.daemon.warmFlowsPerSecond / r.bare).toFixed(2)}`).join(', ');
    const results = await outcomesOf(await readLines(), policies, w.inventory, topic);
    const ours = await insertOurs(ch, results);
    const theirs = await insertBare(ch, results);
    return [
      {
        name: 'daemon: flows/s end to end, warm (Kafka → evaluate current + staged view → ClickHouse, committed)',
        value: warm,
        unit: 'flows/s',
        baseline: { name: BARE, value: bare },
        note: `medians of ${ROUNDS} rounds, each the bare consumer then the daemon, a fresh group each (daemon/bare per round: ${each}); rows stored per second from the first ${n} stored to all ${PASSES * n} (passes 2 and 3; the bare consumer over the same records, JSON.parsed) on ${partitions} partitions, 200 policies and a staged deny (both views evaluated), 2000 pods; in the median round ${daemon.batches} Kafka batches in ${daemon.inserts} inserts of ${Math.round((PASSES * n) / Math.max(daemon.inserts, 1))} rows on average in the three passes; RSS ${daemon.rssMb.toFixed(0)} MB after the run (benchmark process)`,
      },
      {
        name: 'daemon: flows/s end to end, first pass (cold engine caches)',
        value: median(rounds.map((r) => r.daemon.coldFlowsPerSecond)),
        unit: 'flows/s',
        baseline: { name: BARE, value: bare },
        note: `median of ${ROUNDS} rounds; rows stored per second from consuming until ${n} were (rows count once their insert is acknowledged); start-up before it (policies, inventory, ClickHouse, group join) took ${daemon.startSeconds.toFixed(1)} s in the median round`,
      },
      {
        name: 'daemon: result rows/s encoded and inserted by insertOutcomes (TabSeparated)',
        value: n / ours,
        unit: 'rows/s',
        baseline: { name: 'bare @clickhouse/client insert, JSONEachRow objects', value: n / theirs },
        note: `the same ${n} rows in inserts of ${INSERT_BATCH}; ours writes them from the outcomes, the bare client gets them as objects ready`,
      },
      {
        name: 'daemon: producing the benchmark topic (typed producer, acks=all, 1000 per request)',
        value: (PASSES * n) / produceSeconds,
        unit: 'msg/s',
        note: 'context for the figures above, not a target',
      },
    ];
  } finally {
    await cleanUp(kafka, topic, ch);
  }
}

/**
 * The workload's policies plus one staged policy that changes verdicts, so the staged view is a set of its own and
 * both views are evaluated for every flow (a proposal that changes nothing is compiled and evaluated once): a deny
 * of Kafka's port first in the security tier, which makes about 7% of the flows would-block.
 */
async function withStagedChange(w: WorkloadDir): Promise<string> {
  const dir = join(w.dir, 'policies-with-staged-change');
  await cp(w.policies, dir, { recursive: true });
  const staged = [
    'apiVersion: projectcalico.org/v3',
    'kind: StagedGlobalNetworkPolicy',
    'metadata:',
    '  name: security.bench-deny-kafka',
    'spec:',
    '  stagedAction: Set',
    '  tier: security',
    '  order: 1',
    '  selector: all()',
    '  types: [Ingress]',
    '  ingress:',
    '    - action: Deny',
    '      protocol: TCP',
    '      destination:',
    '        ports: [9092]',
  ];
  await writeFile(join(dir, 'staged-deny-kafka.yaml'), `${staged.join('\n')}\n`);
  return dir;
}

/** Produces `lines` `passes` times over, spread over the partitions round robin. */
async function produceAll(kafka: Kafka, topic: string, partitions: number, once: readonly string[], passes: number): Promise<number> {
  const lines = Array.from({ length: passes }, () => once).flat();
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

/**
 * Records per second of a fresh group that eachBatches through `total` records, JSON.parsing each, counted from
 * the batch that took it past `skip` records to the one that reached `total`: the steady state, as the daemon's
 * warm figure is.
 */
async function bareConsumer(kafka: Kafka, topic: string, groupId: string, skip: number, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId, maxBytes: 10 << 20, maxWaitTimeInMs: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let from: { seen: number; at: number } | undefined;
  let rate = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if ((JSON.parse(m.value!.toString('utf8')) as { proto?: unknown }).proto !== undefined) seen++;
          if (from === undefined && seen >= skip) from = { seen, at: performance.now() };
          else if (from !== undefined && seen >= total) {
            rate = (seen - from.seen) / ((performance.now() - from.at) / 1000);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return rate;
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

interface DaemonFigures {
  readonly startSeconds: number;
  readonly coldFlowsPerSecond: number;
  readonly warmFlowsPerSecond: number;
  readonly inserts: number;
  readonly batches: number;
  readonly rssMb: number;
}

async function daemonRun(r: DaemonRun): Promise<DaemonFigures> {
  const config = {
    ...resolveDaemonConfig(
      { topic: r.topic, group: r.group, policies: [r.policies], inventory: [r.inventory], staged: true, 'metrics-host': '127.0.0.1', 'metrics-port': 0, 'log-level': 'warn' },
      // FLOWAUDIT_INSERT_ROWS and the like tune the run as they tune a daemon.
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
      return { inserted: value('flowaudit_results_inserted_total'), inserts: value('flowaudit_clickhouse_inserts_total'), batches: value('flowaudit_batch_duration_seconds_count') };
    };
    const until = async (rows: number) => {
      let c = await counters();
      while (c.inserted < rows) {
        // Every scrape costs the daemon's process CPU (default metrics, serialisation): often enough, no more.
        await new Promise((resolve) => setTimeout(resolve, 100));
        c = await counters();
      }
      return c;
    };
    // Rows are counted once their insert is acknowledged, an insert's worth (tens of thousands) at a time: each
    // pass is measured by the rows it saw stored, not by the N it waited for.
    const first = await until(r.flows);
    const firstPass = performance.now();
    const c = await until(PASSES * r.flows);
    const end = performance.now();
    return {
      startSeconds: (consuming - started) / 1000,
      coldFlowsPerSecond: first.inserted / ((firstPass - consuming) / 1000),
      warmFlowsPerSecond: (c.inserted - first.inserted) / ((end - firstPass) / 1000),
      inserts: c.inserts,
      batches: c.batches,
      rssMb: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    await daemon.stop();
  }
}

interface AuditedLines {
  readonly outcomes: readonly Outcome[];
  readonly stamp: RunStamp;
}

/** The outcomes the daemon stores for these lines, made outside any timing. */
async function outcomesOf(lines: readonly string[], policies: string, inventory: string, topic: string): Promise<AuditedLines> {
  const ctx = await loadAuditContext({ policies: [policies], proposal: { kind: 'staged' }, inventory: [inventory] });
  const auditor = new Auditor(ctx.views, ctx.inventory);
  const decoder = new KafkaFlowDecoder({ format: 'canonical' });
  const decoded = decoder.decode({
    topic,
    partition: 0,
    records: lines.map((l, i) => ({ offset: String(i), key: null, value: Buffer.from(l) })),
    highWatermark: String(lines.length),
  });
  return { outcomes: auditor.auditBatch(decoded.flows), stamp: { runId: 'bench', policyVersion: ctx.policyVersion } };
}

async function insertOurs(options: ClickHouseOptions, results: AuditedLines): Promise<number> {
  const connection = await connectClickHouse(options);
  try {
    await migrate(connection);
    const { outcomes, stamp } = results;
    const started = performance.now();
    for (let i = 0; i < outcomes.length; i += INSERT_BATCH) await insertOutcomes(connection, outcomes.slice(i, i + INSERT_BATCH), stamp);
    return (performance.now() - started) / 1000;
  } finally {
    await connection.close();
  }
}

/** The bare client, objects in JSONEachRow, into a table of the same shape; the objects are made outside the timing. */
async function insertBare(options: ClickHouseOptions, results: AuditedLines): Promise<number> {
  const client = createClient({ url: options.url, username: options.user, password: options.password, request_timeout: options.requestTimeoutMs });
  const table = `${sqlIdentifier(options.database)}.${sqlIdentifier('bare_results')}`;
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < results.outcomes.length; i += INSERT_BATCH) batches.push(rowObjects(results.outcomes.slice(i, i + INSERT_BATCH), results.stamp));
  try {
    await client.command({ query: `CREATE TABLE ${table} AS ${sqlIdentifier(options.database)}.${sqlIdentifier('results')}` });
    const started = performance.now();
    for (const values of batches) await client.insert({ table, values, format: 'JSONEachRow' });
    return (performance.now() - started) / 1000;
  } finally {
    await client.close();
  }
}

/**
 * The rows as objects, read back from our TabSeparated text: numbers (and DateTime seconds) as numbers, `\N` as
 * null, rule ids (64-bit: a double would lose digits) as their digits in quotes, which JSONEachRow reads as numbers.
 * The benchmark's values hold no character TabSeparated escapes, so fields are taken as written.
 */
function rowObjects(outcomes: readonly Outcome[], stamp: RunStamp): Record<string, unknown>[] {
  const types = new Map<string, string>(RESULT_COLUMNS.map(([name, type]) => [name, type]));
  const numeric = ROW_COLUMNS.map((c) => /^(Nullable\()?(UInt|DateTime)/.test(types.get(c) ?? '') && !c.endsWith('rule_id'));
  const writer = new ResultRowsWriter(stamp);
  writer.add(outcomes);
  const text = Buffer.concat(writer.finish().chunks).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split('\t');
      return Object.fromEntries(ROW_COLUMNS.map((c, i) => [c, fields[i] === '\\N' ? null : numeric[i] ? Number(fields[i]) : fields[i]]));
    });
}

async function cleanUp(kafka: Kafka, topic: string, ch: ClickHouseOptions): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  const rounds = Array.from({ length: ROUNDS }, (_, r) => r);
  await admin.deleteGroups(rounds.flatMap((r) => [`${topic}-bare-${r}`, `${topic}-daemon-${r}`])).catch(() => undefined);
  await admin.disconnect();
  const connection = await connectClickHouse(ch).catch(() => undefined);
  await connection?.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(ch.database)}`, 'migrate');
  await connection?.close();
}
