import { beforeAll, describe, expect, it } from 'vitest';
import { RetriesAbandoned } from '../../src/daemon/backoff.js';
import { type AuditState, BatchProcessor, GroupRebalanced, type ResultStore } from '../../src/daemon/batch-processor.js';
import { batchLoop } from '../../src/daemon/consumer.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import type { ResultRow } from '../../src/pipeline/result.js';
import { invalidResultRows } from '../../src/sinks/clickhouse/index.js';
import type { BatchControl } from '../../src/sources/kafka/consumer.js';
import type { KafkaDeadLetter, KafkaRecordBatch } from '../../src/sources/kafka/messages.js';
import { KafkaFlowDecoder } from '../../src/sources/kafka/messages.js';
import { batchOf, demoLines, demoState, FakeControl, silentLogger, storeError } from './helpers.js';

/** A results table in memory that fails the first `failures` inserts with the given error. */
class FakeResults implements ResultStore {
  readonly inserted: ResultRow[][] = [];
  attempts = 0;
  constructor(private failures = 0, private readonly error: Error = storeError('ECONNREFUSED', true)) {}
  async insert(rows: readonly ResultRow[]): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      throw this.error;
    }
    invalidResultRows(rows).forEach(({ message }) => {
      throw new TypeError(message);
    });
    this.inserted.push([...rows]);
  }
  invalid = invalidResultRows;
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
  it('inserts one row per flow in one insert, dead-letters the bad records, and counts verdicts', async () => {
    const results = new FakeResults();
    const letters = new FakeDeadLetters();
    const metrics = new DaemonMetrics();
    const lines = demoLines();
    const summary = await processor(results, letters, () => state, metrics).process(batchOf(lines, { first: 1000 }), new FakeControl());
    expect(summary).toMatchObject({ records: 323, flows: 321, deadLetters: 2, retries: 0, policyVersion: state.policyVersion });
    expect(results.inserted).toHaveLength(1);
    const rows = results.inserted[0]!;
    expect(new Set(rows.map((r) => r.source)).size).toBe(321);
    expect(rows.every((r) => r.run_id === 'daemon:test' && r.policy_version === state.policyVersion)).toBe(true);
    expect(letters.written.map((l) => l.letter.reason).sort()).toEqual(['invalid-json', 'missing-field']);
    expect(await metric(metrics, 'flowaudit_results_inserted_total')).toBe(321);
    expect(await metric(metrics, 'flowaudit_dead_letters_total')).toBe(2);
    expect(await metric(metrics, 'flowaudit_changes_total')).toBe(321);
  });

  it('retries the same rows while the store is down, pausing the fetch once and resuming after', async () => {
    const results = new FakeResults(5);
    const control = new FakeControl();
    const metrics = new DaemonMetrics();
    const summary = await processor(results, undefined, () => state, metrics).process(batchOf(demoLines().slice(0, 20)), control);
    expect(results.attempts).toBe(6);
    expect(results.inserted).toHaveLength(1);
    expect(results.inserted[0]).toHaveLength(20);
    expect(summary.retries).toBe(5);
    expect([control.pauses, control.resumes]).toEqual([1, 1]);
    expect(control.heartbeats).toBeGreaterThan(0);
    expect(await metric(metrics, 'flowaudit_clickhouse_retries_total')).toBe(5);
  });

  it('passes a non-retriable store error on, having stored nothing', async () => {
    const failure = storeError('Code: 516. authentication failed', false);
    const results = new FakeResults(1, failure);
    await expect(processor(results).process(batchOf(demoLines().slice(0, 5)), new FakeControl())).rejects.toBe(failure);
    expect(results.inserted).toEqual([]);
  });

  it('gives the batch up with RetriesAbandoned when told to (shutdown grace over)', async () => {
    const results = new FakeResults(1000);
    const control = new FakeControl();
    let calls = 0;
    control.abandon = () => ++calls > 3;
    const letters = new FakeDeadLetters();
    await expect(processor(results, letters).process(batchOf([...demoLines().slice(0, 5), 'bad']), control)).rejects.toBeInstanceOf(RetriesAbandoned);
    expect(results.inserted).toEqual([]);
    expect(control.resumes).toBe(control.pauses);
  });

  it('gives the batch up with GroupRebalanced when a heartbeat says the group rebalances', async () => {
    const control = new FakeControl();
    control.heartbeatError = Object.assign(new Error('rebalancing'), { name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS' });
    const error = await processor(new FakeResults(3)).process(batchOf(demoLines().slice(0, 5)), control).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroupRebalanced);
    expect((error as GroupRebalanced).cause).toBe(control.heartbeatError);
  });

  it('sets aside a row the table refuses as a dead letter, with the record as it came, and inserts the rest', async () => {
    // Our decoders let no such row through (they check ranges first); a store that refuses the row on offset 2 stands in.
    const refused = 'kafka:flows/0/2';
    const results = new FakeResults();
    results.invalid = (rows) => rows.flatMap((r, index) => (r.source === refused ? [{ index, message: 'bytes out of range' }] : []));
    const insert = results.insert.bind(results);
    results.insert = async (rows) => {
      if (rows.some((r) => r.source === refused)) throw new TypeError('bytes out of range');
      return insert(rows);
    };
    const letters = new FakeDeadLetters();
    const lines = demoLines().slice(0, 4);
    const summary = await processor(results, letters).process(batchOf(lines), new FakeControl());
    expect(results.inserted.flat().map((r) => r.source)).toEqual(['kafka:flows/0/0', 'kafka:flows/0/1', 'kafka:flows/0/3']);
    expect(letters.written).toHaveLength(1);
    expect(letters.written[0]!.letter).toMatchObject({ reason: 'invalid-field', message: 'bytes out of range', pos: { offset: '2' } });
    expect(letters.written[0]!.value.toString()).toBe(lines[2]);
    expect(summary.deadLetters).toBe(1);
  });

  it('dead-letters a refused line of a multi-record message at its line, with the flow as decoded', async () => {
    const refused = 'kafka:flows/0/0#2';
    const results = new FakeResults();
    results.invalid = (rows) => rows.flatMap((r, index) => (r.source === refused ? [{ index, message: 'bytes out of range' }] : []));
    const insert = results.insert.bind(results);
    results.insert = async (rows) => {
      if (rows.some((r) => r.source === refused)) throw new TypeError('bytes out of range');
      return insert(rows);
    };
    const letters = new FakeDeadLetters();
    await processor(results, letters).process(batchOf([demoLines().slice(0, 3).join('\n')]), new FakeControl());
    expect(results.inserted.flat().map((r) => r.source)).toEqual(['kafka:flows/0/0#1', 'kafka:flows/0/0#3']);
    expect(letters.written.map((l) => l.letter.pos)).toEqual([{ kind: 'kafka', topic: 'flows', partition: 0, offset: '0', line: 2 }]);
    expect(JSON.parse(letters.written[0]!.value.toString())).toMatchObject({ src_ip: '10.42.4.10', dst_port: 9102 });
  });

  it('evaluates each batch with the views in force when it starts', async () => {
    const results = new FakeResults();
    let current = state;
    const p = processor(results, undefined, () => current);
    await p.process(batchOf(demoLines().slice(0, 2)), new FakeControl());
    current = { ...state, policyVersion: 'next-version' };
    await p.process(batchOf(demoLines().slice(2, 4), { first: 2 }), new FakeControl());
    expect(results.inserted.map((rows) => rows.map((r) => r.policy_version))).toEqual([
      [state.policyVersion, state.policyVersion],
      ['next-version', 'next-version'],
    ]);
  });
});

/** A BatchControl over a batch that records commits. */
function control(over: Partial<BatchControl> = {}): BatchControl & { commits: number } {
  const c = {
    commits: 0,
    heartbeat: async () => {},
    isStale: () => false,
    pauseTopic: () => () => {},
    async commit() {
      c.commits++;
    },
    ...over,
  };
  return c;
}

describe('batchLoop', () => {
  const run = async (results: ResultStore, ctl: BatchControl, batch: KafkaRecordBatch = batchOf(demoLines().slice(0, 5)), abandonAfter?: number) => {
    const fatal: unknown[] = [];
    const metrics = new DaemonMetrics();
    const handler = batchLoop({
      processor: processor(results, undefined, () => state, metrics),
      metrics,
      logger: silentLogger,
      abandonAfter: () => abandonAfter,
      fatal: (e) => fatal.push(e),
      progressed: () => {},
    });
    const thrown = await handler(batch, ctl).then(() => undefined, (e: unknown) => e);
    return { fatal, thrown, metrics };
  };

  it('commits a batch once it is stored, and records the lag behind the partition end', async () => {
    const ctl = control();
    const batch = { ...batchOf(demoLines().slice(0, 5)), highWatermark: '12' };
    const { fatal, thrown, metrics } = await run(new FakeResults(), ctl, batch);
    expect([ctl.commits, fatal, thrown]).toEqual([1, [], undefined]);
    expect(await metric(metrics, 'flowaudit_consumer_lag')).toBe(7);
  });

  it('leaves a batch given up at shutdown uncommitted, without failing the daemon', async () => {
    const ctl = control();
    const { fatal, thrown } = await run(new FakeResults(1000), ctl, undefined, Date.now() - 1);
    expect([ctl.commits, fatal, thrown]).toEqual([0, [], undefined]);
  });

  it('hands a rebalance back to kafkajs, uncommitted', async () => {
    const rebalance = Object.assign(new Error('rebalancing'), { name: 'KafkaJSProtocolError' });
    const ctl = control({ heartbeat: async () => Promise.reject(rebalance) });
    const { fatal, thrown } = await run(new FakeResults(2), ctl);
    expect([ctl.commits, fatal, thrown]).toEqual([0, [], rebalance]);
  });

  it('stops the daemon on a non-retriable store error and processes nothing after it', async () => {
    const failure = storeError('wrong password', false);
    const ctl = control();
    const results = new FakeResults(1, failure);
    const fatal: unknown[] = [];
    const metrics = new DaemonMetrics();
    const handler = batchLoop({ processor: processor(results), metrics, logger: silentLogger, abandonAfter: () => undefined, fatal: (e) => fatal.push(e), progressed: () => {} });
    await handler(batchOf(demoLines().slice(0, 5)), ctl);
    await handler(batchOf(demoLines().slice(5, 9), { first: 5 }), ctl);
    expect(fatal).toEqual([failure]);
    expect([ctl.commits, results.attempts]).toEqual([0, 1]);
  });

  it('does not commit a batch whose partition moved meanwhile', async () => {
    const ctl = control({ isStale: () => true });
    const results = new FakeResults();
    await run(results, ctl);
    expect([ctl.commits, results.inserted.length]).toEqual([0, 1]);
  });
});
