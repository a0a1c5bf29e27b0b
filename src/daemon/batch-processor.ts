/**
 * One Kafka batch, start to finish short of the commit: decode → audit (the views in force when the batch starts)
 * → result rows → one insert → dead letters acknowledged. Both writes are retried with backoff until they
 * succeed, so the batch is either fully written or not at all done (then its offsets stay uncommitted and it
 * comes again). Knows no Kafka or ClickHouse client: the stores and the control are injected (tests use fakes).
 */
import type { Logger } from 'pino';
import type { Auditor } from '../pipeline/audit.js';
import { resultRow } from '../pipeline/result-row.js';
import type { ResultRow } from '../pipeline/result.js';
import { DecodeFailure } from '../flows/decode-result.js';
import { deadLetter } from '../flows/dead-letter.js';
import type { DecodedFlow } from '../flows/record.js';
import type { KafkaDeadLetter, KafkaFlowDecoder, KafkaRecordBatch } from '../sources/kafka/messages.js';
import { type BackoffPolicy, retrying } from './backoff.js';
import type { DaemonMetrics } from './metrics.js';

/** Where results go: one call per batch; throws errors marked `retriable` when trying again may help. */
export interface ResultStore {
  insert(rows: readonly ResultRow[]): Promise<void>;
  /** The rows `insert` would refuse as they are (values out of range), with why. */
  invalid(rows: readonly ResultRow[]): { index: number; message: string }[];
}

/** Where undecodable records go; resolves once they are durably stored. */
export interface DeadLetterStore {
  write(letters: readonly KafkaDeadLetter[]): Promise<void>;
}

/** The policy views in force: swapped whole by the reloader, read once per batch. */
export interface AuditState {
  readonly auditor: Auditor;
  readonly policyVersion: string;
}

/** What the processor may ask of the consumer while it holds a batch. */
export interface ProcessControl {
  /** Keeps the group membership alive; throws when the group rebalances (the batch is then given up). */
  heartbeat(): Promise<void>;
  /** True when the batch should be given up uncommitted (the daemon is stopping and its grace period is over). */
  abandon(): boolean;
  /** Stops fetching more records until the returned function is called. */
  pause(): () => void;
}

/** The group rebalanced while the batch was in hand (kafkajs' error is the cause): give it up uncommitted. */
export class GroupRebalanced extends Error {
  override readonly name = 'GroupRebalanced';
  constructor(cause: unknown) {
    super(`the consumer group is rebalancing: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface BatchSummary {
  readonly records: number;
  readonly flows: number;
  readonly deadLetters: number;
  readonly retries: number;
  readonly policyVersion: string;
}

export interface ProcessorOptions {
  readonly decoder: KafkaFlowDecoder;
  readonly results: ResultStore;
  readonly deadLetters: DeadLetterStore;
  readonly audit: () => AuditState;
  readonly runId: string;
  readonly metrics: DaemonMetrics;
  readonly logger: Logger;
  readonly backoff: BackoffPolicy;
  /** How often to heartbeat while waiting between retries (kafkajs' heartbeat interval). */
  readonly heartbeatEveryMs: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class BatchProcessor {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ProcessorOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Throws `RetriesAbandoned` when told to give up, `GroupRebalanced` when a heartbeat says the group rebalances,
   * and a store's non-retriable error as it is: in every case nothing may be committed.
   */
  async process(batch: KafkaRecordBatch, given: ProcessControl): Promise<BatchSummary> {
    const control: ProcessControl = {
      heartbeat: () =>
        given.heartbeat().catch((error: unknown) => {
          throw new GroupRebalanced(error);
        }),
      abandon: () => given.abandon(),
      pause: () => given.pause(),
    };
    const { metrics } = this.options;
    metrics.consumed.inc(batch.records.length);
    const decoded = this.options.decoder.decode(batch);
    const { auditor, policyVersion } = this.options.audit();
    const flows = decoded.flows;
    const outcomes = auditor.auditBatch(flows);
    const stamp = { runId: this.options.runId, policyVersion };
    let rows = outcomes.map((o) => resultRow(o, stamp));
    const letters = [...decoded.deadLetters];

    let retries = 0;
    let resume: (() => void) | undefined;
    const hooks = (what: 'clickhouse' | 'dead-letters') => ({
      onRetry: (error: unknown, attempt: number, delayMs: number) => {
        retries++;
        (what === 'clickhouse' ? metrics.clickhouseRetries : metrics.deadLetterRetries).inc();
        // Stop fetching while the sink is failing: nothing piles up in memory behind this batch.
        resume ??= control.pause();
        this.options.logger.warn(
          { err: error, attempt, delayMs, partition: batch.partition, records: batch.records.length },
          what === 'clickhouse' ? 'ClickHouse insert failed; retrying the same batch' : 'dead-letter produce failed; retrying',
        );
      },
      sleep: (ms: number) => this.wait(ms, control),
      giveUp: () => control.abandon(),
    });
    // A row the table refuses (the store checks before sending anything) would block the partition for ever:
    // it is set aside as a dead letter and the rest is inserted.
    const insertStorable = async (): Promise<void> => {
      try {
        await this.keepAlive(this.options.results.insert(rows), control);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        const invalid = this.options.results.invalid(rows);
        if (invalid.length === 0) throw error;
        const bad = new Set(invalid.map((i) => i.index));
        for (const { index, message } of invalid) letters.push(unstorable(flows[index]!, message, batch));
        rows = rows.filter((_, i) => !bad.has(i));
        if (rows.length > 0) await this.keepAlive(this.options.results.insert(rows), control);
      }
    };
    try {
      if (rows.length > 0) await retrying(insertStorable, this.options.backoff, hooks('clickhouse'));
      if (letters.length > 0) {
        await retrying(() => this.options.deadLetters.write(letters), this.options.backoff, hooks('dead-letters'));
      }
    } finally {
      resume?.();
    }
    if (retries > 0) this.options.logger.info({ partition: batch.partition, retries }, 'batch written after retries');

    metrics.evaluated.inc(outcomes.length);
    metrics.inserted.inc(rows.length);
    // Counted per batch, then one increment per label set: prom-client hashes the labels on every call.
    const tally = (counts: Map<string, number>, key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
    const reasons = new Map<string, number>();
    for (const l of letters) tally(reasons, l.letter.reason);
    for (const [reason, n] of reasons) metrics.deadLettered.inc({ reason }, n);
    for (const [reason, n] of Object.entries(decoded.skipped.toJSON())) metrics.skipped.inc({ reason }, n);
    const current = new Map<string, number>();
    const proposed = new Map<string, number>();
    const classes = new Map<string, number>();
    for (const o of outcomes) {
      tally(current, o.current.verdict);
      if (o.proposed !== undefined) tally(proposed, o.proposed.verdict);
      if (o.cls !== undefined) tally(classes, o.cls);
    }
    for (const [verdict, n] of current) metrics.verdicts.inc({ view: 'current', verdict }, n);
    for (const [verdict, n] of proposed) metrics.verdicts.inc({ view: 'proposed', verdict }, n);
    for (const [cls, n] of classes) metrics.changes.inc({ class: cls }, n);
    return { records: batch.records.length, flows: outcomes.length, deadLetters: letters.length, retries, policyVersion };
  }

  /** Waits between retries in slices, heartbeating so the group keeps this member while the sink is down. */
  private async wait(ms: number, control: ProcessControl): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0 && !control.abandon(); left = until - Date.now()) {
      await this.sleep(Math.min(left, this.options.heartbeatEveryMs));
      await control.heartbeat();
    }
  }

  /** Heartbeats while a slow request runs; a rebalance seen meanwhile fails the batch once the request is over. */
  private async keepAlive<T>(request: Promise<T>, control: ProcessControl): Promise<T> {
    let rebalance: unknown;
    const timer = setInterval(() => {
      control.heartbeat().catch((error: unknown) => {
        rebalance ??= error;
      });
    }, this.options.heartbeatEveryMs);
    try {
      const value = await request;
      if (rebalance !== undefined) throw rebalance;
      return value;
    } finally {
      clearInterval(timer);
    }
  }
}

/** A decoded flow whose result row the table refuses, as a dead letter carrying the record as it came. */
function unstorable(flow: DecodedFlow, message: string, batch: KafkaRecordBatch): KafkaDeadLetter {
  const raw = JSON.stringify(flow.record);
  const pos = flow.pos;
  const record = pos.kind === 'kafka' ? batch.records.find((r) => r.offset === pos.offset) : undefined;
  const alone = pos.kind === 'kafka' && pos.line === undefined;
  return {
    letter: deadLetter(pos, new DecodeFailure('invalid-field', message), raw),
    key: record?.key ?? null,
    // The record's own bytes when it held this flow alone; the flow as decoded when it was one line of several.
    value: alone && record?.value ? record.value : Buffer.from(raw),
  };
}
