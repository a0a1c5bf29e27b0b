import { beforeAll, describe, expect, it } from 'vitest';
import { RetriesAbandoned } from '../../src/daemon/backoff.js';
import { type AuditState, BatchProcessor, GroupRebalanced, type ResultStore, type RowsBody } from '../../src/daemon/batch-processor.js';
import { batchLoop } from '../../src/daemon/consumer.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { WritePipeline } from '../../src/daemon/write-pipeline.js';
import type { Outcome } from '../../src/pipeline/outcome.js';
import type { RunStamp } from '../../src/pipeline/result-row.js';
import type { ResultRow } from '../../src/pipeline/result.js';
import { type EncodedRows, type RefusedRow, ResultRowsWriter } from '../../src/sinks/clickhouse/rows.js';
import type { BatchControl } from '../../src/sources/kafka/consumer.js';
import type { KafkaDeadLetter, KafkaRecordBatch } from '../../src/sources/kafka/messages.js';
import { KafkaFlowDecoder } from '../../src/sources/kafka/messages.js';
import { readBody } from '../sinks/result-rows.js';
import { batchOf, demoLines, demoState, FakeControl, silentLogger, storeError } from './helpers.js';

/**
 * A results table in memory that fails the first `failures` inserts with the given error; `refuse` stands in for
 * rows the table would refuse (our decoders let none through: they check ranges first).
 */
class FakeResults implements ResultStore {
  readonly inserts: ResultRow[][] = [];
  attempts = 0;
  refuse: (o: Outcome) => string | undefined = () => undefined;
  constructor(
    private failures = 0,
    private readonly error: Error = storeError('ECONNREFUSED', true),
  ) {}

  rows(stamp: RunStamp): RowsBody {
    const writer = new ResultRowsWriter(stamp);
    return {
      add: (outcomes) => {
        const refused: RefusedRow[] = [];
        const kept: Outcome[] = [];
        outcomes.forEach((o, index) => {
          const message = this.refuse(o);
          if (message === undefined) kept.push(o);
          else refused.push({ index, message });
        });
        expect(writer.add(kept)).toEqual([]);
        return refused;
      },
      finish: () => writer.finish(),
    };
  }

  async insert(bodies: readonly EncodedRows[]): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      throw this.error;
    }
    this.inserts.push(bodies.flatMap(readBody));
  }
}

class FakeDeadLetters {
  readonly written: KafkaDeadLetter[] = [];
  async write(letters: readonly KafkaDeadLetter[]): Promise<void> {
    this.written.push(...letters);
  }
}

let state: AuditState;
beforeAll(async () => {
  state = await demoState();
});

function processor(results: ResultStore, deadLetters = new FakeDeadLetters(), audit: () => AuditState = () => state, metrics = new DaemonMetrics()) {
  return new BatchProcessor({
    decoder: new KafkaFlowDecoder({ format: 'auto' }),
    results,
    deadLetters,
    audit,
    runId: 'daemon:test',
    metrics,
    logger: silentLogger,
    backoff: { initialMs: 1, maxMs: 4 },
    heartbeatEveryMs: 1,
    sleep: async () => {},
  });
}

async function metric(metrics: DaemonMetrics, name: string): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values as { value: number }[] | undefined)?.reduce((a, v) => a + v.value, 0) ?? 0;
}

describe('BatchProcessor', () => {
  it('prepares one row per flow and the dead letters, and counts them once written', async () => {
    const results = new FakeResults();
    const letters = new FakeDeadLetters();
    const metrics = new DaemonMetrics();
    const p = processor(results, letters, () => state, metrics);
    const prepared = p.prepare({ ...batchOf(demoLines(), { first: 1000 }), highWatermark: '1400' });
    expect(prepared).toMatchObject({ partition: 0, firstOffset: '1000', lastOffset: '1322', records: 323, caughtUp: false, policyVersion: state.policyVersion });
    expect(prepared.rows.rows).toBe(321);
    expect(prepared.letters.map((l) => l.letter.reason).sort()).toEqual(['invalid-json', 'missing-field']);
    expect(await metric(metrics, 'flowaudit_messages_consumed_total')).toBe(323);
    expect(await metric(metrics, 'flowaudit_results_inserted_total')).toBe(0);

    const summary = await p.write([prepared], new FakeControl());
    expect(summary).toEqual({ batches: 1, records: 323, rows: 321, deadLetters: 2, retries: 0 });
    expect(results.inserts).toHaveLength(1);
    const rows = results.inserts[0]!;
    expect(new Set(rows.map((r) => r.source)).size).toBe(321);
    expect(rows.every((r) => r.run_id === 'daemon:test' && r.policy_version === state.policyVersion)).toBe(true);
    expect(letters.written).toHaveLength(2);
    expect(await metric(metrics, 'flowaudit_results_inserted_total')).toBe(321);
    expect(await metric(metrics, 'flowaudit_flows_evaluated_total')).toBe(321);
    expect(await metric(metrics, 'flowaudit_dead_letters_total')).toBe(2);
    expect(await metric(metrics, 'flowaudit_changes_total')).toBe(321);
    expect(await metric(metrics, 'flowaudit_verdicts_total')).toBe(2 * 321);
    // The demo: 2 flows whose logged action differs, 6 whose log names the deciding rule, 2 of them another.
    const byLevel = async (name: string) =>
      Object.fromEntries(((await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name)?.values ?? []).map((v) => [v.labels.level, v.value]));
    expect(await byLevel('flowaudit_observed_drift_total')).toEqual({ action: 2, rule: 2 });
    expect((await byLevel('flowaudit_observed_compared_total')).rule).toBe(6);
    expect((await byLevel('flowaudit_observed_compared_total')).action).toBeGreaterThan(200);
  });

  it('decodes a batch larger than a slice in order, with the multi-line records and the partition state', () => {
    const lines = demoLines();
    // 2,600 records, the demo lines over and over, then a value of three lines: several slices.
    const values = [...Array.from({ length: 8 }, () => lines).flat(), lines.slice(0, 3).join('\n')];
    const prepared = processor(new FakeResults()).prepare(batchOf(values));
    const rows = readBody(prepared.rows);
    expect(rows).toHaveLength(8 * 321 + 3);
    expect(rows.slice(-3).map((r) => r.source)).toEqual(['kafka:flows/0/2584#1', 'kafka:flows/0/2584#2', 'kafka:flows/0/2584#3']);
    const offsets = rows.slice(0, -3).map((r) => Number(r.source.split('/').at(-1)));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(prepared.letters).toHaveLength(16);
  });

  it('says whether a batch reached the end of its partition', () => {
    const p = processor(new FakeResults());
    expect(p.prepare({ ...batchOf(demoLines().slice(0, 3), { first: 7 }), highWatermark: '10' }).caughtUp).toBe(true);
    expect(p.prepare({ ...batchOf(demoLines().slice(0, 3), { first: 7 }), highWatermark: '11' }).caughtUp).toBe(false);
  });

  it('writes several batches in one insert, then their dead letters', async () => {
    const results = new FakeResults();
    const letters = new FakeDeadLetters();
    const p = processor(results, letters);
    const first = p.prepare(batchOf(demoLines().slice(0, 10)));
    const second = p.prepare(batchOf([...demoLines().slice(10, 15), 'not json'], { partition: 1, first: 50 }));
    const summary = await p.write([first, second], new FakeControl());
    expect(summary).toMatchObject({ batches: 2, records: 16, rows: 15, deadLetters: 1 });
    expect(results.inserts).toHaveLength(1);
    expect(results.inserts[0]!.map((r) => r.source).slice(9, 11)).toEqual(['kafka:flows/0/9', 'kafka:flows/1/50']);
    expect(letters.written.map((l) => l.letter.pos)).toEqual([{ kind: 'kafka', topic: 'flows', partition: 1, offset: '55' }]);
  });

  it('retries the same rows while the store is down, pausing the fetch once and resuming after', async () => {
    const results = new FakeResults(5);
    const control = new FakeControl();
    const metrics = new DaemonMetrics();
    const p = processor(results, undefined, () => state, metrics);
    const summary = await p.write([p.prepare(batchOf(demoLines().slice(0, 20)))], control);
    expect(results.attempts).toBe(6);
    expect(results.inserts).toHaveLength(1);
    expect(results.inserts[0]).toHaveLength(20);
    expect(summary.retries).toBe(5);
    expect([control.pauses, control.resumes]).toEqual([1, 1]);
    expect(control.heartbeats).toBeGreaterThan(0);
    expect(await metric(metrics, 'flowaudit_clickhouse_retries_total')).toBe(5);
    expect(await metric(metrics, 'flowaudit_results_inserted_total')).toBe(20);
  });

  it('passes a non-retriable store error on, having stored and counted nothing', async () => {
    const failure = storeError('Code: 516. authentication failed', false);
    const results = new FakeResults(1, failure);
    const metrics = new DaemonMetrics();
    const p = processor(results, undefined, () => state, metrics);
    await expect(p.write([p.prepare(batchOf(demoLines().slice(0, 5)))], new FakeControl())).rejects.toBe(failure);
    expect(results.inserts).toEqual([]);
    expect(await metric(metrics, 'flowaudit_flows_evaluated_total')).toBe(0);
  });

  it('gives the batches up with RetriesAbandoned when told to (shutdown grace over)', async () => {
    const results = new FakeResults(1000);
    const control = new FakeControl();
    let calls = 0;
    control.abandon = () => ++calls > 3;
    const letters = new FakeDeadLetters();
    const p = processor(results, letters);
    await expect(p.write([p.prepare(batchOf([...demoLines().slice(0, 5), 'bad']))], control)).rejects.toBeInstanceOf(RetriesAbandoned);
    expect([results.inserts, letters.written]).toEqual([[], []]);
    expect(control.resumes).toBe(control.pauses);
  });

  it('gives the batches up with GroupRebalanced when a heartbeat says the group rebalances', async () => {
    const control = new FakeControl();
    control.heartbeatError = Object.assign(new Error('rebalancing'), { name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS' });
    const p = processor(new FakeResults(3));
    const error = await p.write([p.prepare(batchOf(demoLines().slice(0, 5)))], control).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroupRebalanced);
    expect((error as GroupRebalanced).cause).toBe(control.heartbeatError);
  });

  it('sets aside a row the table refuses as a dead letter, with the record as it came, and stores the rest', async () => {
    const results = new FakeResults();
    results.refuse = (o) => (o.flow.pos.kind === 'kafka' && o.flow.pos.offset === '2' ? 'bytes out of range' : undefined);
    const letters = new FakeDeadLetters();
    const lines = demoLines().slice(0, 4);
    const p = processor(results, letters);
    const summary = await p.write([p.prepare(batchOf(lines))], new FakeControl());
    expect(results.inserts.flat().map((r) => r.source)).toEqual(['kafka:flows/0/0', 'kafka:flows/0/1', 'kafka:flows/0/3']);
    expect(letters.written).toHaveLength(1);
    expect(letters.written[0]!.letter).toMatchObject({ reason: 'invalid-field', message: 'bytes out of range', pos: { offset: '2' } });
    expect(letters.written[0]!.value.toString()).toBe(lines[2]);
    expect(summary.deadLetters).toBe(1);
  });

  it('dead-letters a refused line of a multi-record message at its line, with the flow as decoded', async () => {
    const results = new FakeResults();
    results.refuse = (o) => (o.flow.pos.kind === 'kafka' && o.flow.pos.line === 2 ? 'bytes out of range' : undefined);
    const letters = new FakeDeadLetters();
    const p = processor(results, letters);
    await p.write([p.prepare(batchOf([demoLines().slice(0, 3).join('\n')]))], new FakeControl());
    expect(results.inserts.flat().map((r) => r.source)).toEqual(['kafka:flows/0/0#1', 'kafka:flows/0/0#3']);
    expect(letters.written.map((l) => l.letter.pos)).toEqual([{ kind: 'kafka', topic: 'flows', partition: 0, offset: '0', line: 2 }]);
    expect(JSON.parse(letters.written[0]!.value.toString())).toMatchObject({ src_ip: '10.42.4.10', dst_port: 9102 });
  });

  it('evaluates each batch with the views in force when it is prepared', async () => {
    let current = state;
    const p = processor(new FakeResults(), undefined, () => current);
    const first = p.prepare(batchOf(demoLines().slice(0, 2)));
    current = { ...state, policyVersion: 'next-version' };
    const second = p.prepare(batchOf(demoLines().slice(2, 4), { first: 2 }));
    expect([first, second].map((b) => readBody(b.rows).map((r) => r.policy_version))).toEqual([
      [state.policyVersion, state.policyVersion],
      ['next-version', 'next-version'],
    ]);
  });
});

/** A BatchControl over a batch that records what the loop asked of it. */
/** Results whose inserts wait until `release` is called. */
function heldResults(): { results: FakeResults; release: () => void } {
  const results = new FakeResults();
  let release: () => void = () => {};
  const stored = new Promise<void>((resolve) => {
    release = resolve;
  });
  const insert = results.insert.bind(results);
  results.insert = async (bodies) => {
    await stored;
    return insert(bodies);
  };
  return { results, release };
}

function control(name: string, log: string[], over: Partial<BatchControl> = {}): BatchControl {
  return {
    generation: 1,
    heartbeat: async () => void log.push(`heartbeat ${name}`),
    isStale: () => false,
    pauseTopic: () => () => {},
    release: () => void log.push(`release ${name}`),
    commit: async () => void log.push(`commit ${name}`),
    ...over,
  };
}

describe('batchLoop', () => {
  function loop(results: FakeResults, fatal: unknown[] = [], insertRows = 1) {
    const metrics = new DaemonMetrics();
    const p = processor(results, undefined, () => state, metrics);
    const pipeline = new WritePipeline({ insertRows, write: (b, c) => p.write(b, c), abandon: () => false, logger: silentLogger, fatal: (e) => void fatal.push(e) });
    const handler = batchLoop({ processor: p, pipeline, metrics, logger: silentLogger, fatal: (e) => void fatal.push(e), progressed: () => {}, heartbeatEveryMs: 5 });
    return { handler, pipeline, metrics };
  }

  it('prepares and releases each batch, then stores and commits them in order, and records the lag', async () => {
    const results = new FakeResults();
    const { handler, pipeline, metrics } = loop(results);
    const log: string[] = [];
    const batches: [string, KafkaRecordBatch][] = [
      ['a', { ...batchOf(demoLines().slice(0, 5)), highWatermark: '12' }],
      ['b', batchOf(demoLines().slice(5, 9), { partition: 1, first: 5 })],
    ];
    for (const [name, batch] of batches) await handler(batch, control(name, log));
    await pipeline.drain();
    expect(log.filter((e) => !e.startsWith('heartbeat'))).toEqual(['release a', 'release b', 'commit a', 'commit b']);
    expect(results.inserts.flat().map((r) => r.source)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `kafka:flows/0/${i}`),
      ...Array.from({ length: 4 }, (_, i) => `kafka:flows/1/${5 + i}`),
    ]);
    // Partition 0 is 7 records behind its end (12), partition 1 at its end.
    expect(await metric(metrics, 'flowaudit_consumer_lag')).toBe(7);
  });

  it('returns while the rows are stored, so kafkajs fetches and hands over the next batch meanwhile', async () => {
    const { results, release } = heldResults();
    const { handler, pipeline } = loop(results, [], 1000);
    const log: string[] = [];
    // Caught up: the insert starts at once, and waits for the store.
    await handler({ ...batchOf(demoLines().slice(0, 3)), highWatermark: '3' }, control('a', log));
    await handler({ ...batchOf(demoLines().slice(3, 6), { first: 3 }), highWatermark: '6' }, control('b', log));
    expect(log.filter((e) => e.startsWith('commit'))).toEqual([]);
    release();
    await pipeline.drain();
    expect(log.filter((e) => e.startsWith('commit'))).toEqual(['commit a', 'commit b']);
    expect(results.inserts.map((rows) => rows.length)).toEqual([3, 3]);
  });

  it('passes a rebalance seen while waiting for room on to kafkajs, as kafkajs\' own error', async () => {
    const { results, release } = heldResults();
    // An insert's worth is 2 rows: with 4 waiting, the next hand-over waits for room, heartbeating.
    const { handler, pipeline } = loop(results, [], 2);
    const log: string[] = [];
    await handler(batchOf(demoLines().slice(0, 2)), control('a', log));
    await handler(batchOf(demoLines().slice(2, 4), { first: 2 }), control('b', log));
    const rebalance = Object.assign(new Error('rebalancing'), { name: 'KafkaJSProtocolError' });
    const thrown = await handler(batchOf(demoLines().slice(4, 6), { first: 4 }), control('c', log, { heartbeat: () => Promise.reject(rebalance) })).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBe(rebalance);
    release();
    await pipeline.drain();
  });

  it('stops on a store error no retry fixes, and commits nothing after it', async () => {
    const failure = storeError('wrong password', false);
    const results = new FakeResults(1, failure);
    const fatal: unknown[] = [];
    const { handler, pipeline } = loop(results, fatal);
    const log: string[] = [];
    await handler(batchOf(demoLines().slice(0, 5)), control('a', log));
    await pipeline.drain();
    await handler(batchOf(demoLines().slice(5, 9), { first: 5 }), control('b', log));
    await pipeline.drain();
    expect(fatal).toEqual([failure]);
    expect([log.filter((e) => e.startsWith('commit')), results.attempts]).toEqual([[], 1]);
  });

  it('stops when a batch cannot be prepared, and takes no more', async () => {
    const fatal: unknown[] = [];
    const results = new FakeResults();
    const { handler } = loop(results, fatal);
    const log: string[] = [];
    const broken = { ...batchOf(demoLines().slice(0, 2)), records: null as unknown as KafkaRecordBatch['records'] };
    await handler(broken, control('a', log));
    await handler(batchOf(demoLines().slice(2, 4), { first: 2 }), control('b', log));
    expect(fatal).toHaveLength(1);
    expect(log).toEqual([]);
  });
});
