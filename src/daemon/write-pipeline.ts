/**
 * Prepared batches written in the background, several in one insert, and committed in order. The consumer hands a
 * batch over and fetches the next while earlier ones travel to ClickHouse, so the CPU evaluates while ClickHouse
 * stores (they share the machine's cores). One insert is in flight at a time. Batches wait to go together until
 * `insertRows` rows are waiting, the consumer has caught up with its partition (no more to wait for), or the
 * oldest has waited LINGER_MS; an insert takes at most twice `insertRows`, and handing over waits while that much
 * is waiting, so nothing more is fetched: memory stays bounded.
 *
 * Why wait: ClickHouse 18.16 spends about 15 ms of CPU on any INSERT, and each one is a part that merges rewrite
 * later, so its CPU per row falls steeply with the size of the inserts (measured on the benchmark's rows of 500
 * bytes, merges included: 29 µs at 5,000 rows, 9 µs at 25,000, 4-6 µs at 50,000 and more), and it shares the
 * machine with the daemon.
 *
 * A partition's commit moves only over batches that are written: a batch given up (stopping after the grace
 * period, or the group rebalanced) holds back every later batch of its partition in its group generation. Commits
 * are made one at a time, in the order the inserts ended, while the next insert runs.
 */
import type { Logger } from 'pino';
import { isRetriable, RetriesAbandoned } from './backoff.js';
import { GroupRebalanced, type PreparedBatch, type ProcessControl, type WriteSummary } from './batch-processor.js';

/** A prepared batch and what the consumer lets the pipeline do with it. */
export interface PipelineBatch {
  readonly prepared: PreparedBatch;
  /**
   * The consumer group generation the batch was fetched in. A partition's offsets are in order within a generation;
   * after a rejoin the partition is read again from its last commit.
   */
  readonly generation: number;
  /** Keeps the membership alive; throws when the group rebalances. */
  heartbeat(): Promise<void>;
  pauseTopic(): () => void;
  /** True when the batch may no longer be committed (the group rebalanced since its fetch). */
  isStale(): boolean;
  /** Commits the offset after the batch; covers the earlier batches of its partition. */
  commit(): Promise<void>;
  /** Called once the batch is committed (by its own commit or a later batch's of the partition). */
  committed(): void;
}

export interface WritePipelineOptions {
  /** Rows an insert waits for (see above); it takes up to twice as many, or one batch larger than that. */
  readonly insertRows: number;
  /** Writes prepared batches (BatchProcessor.write). */
  readonly write: (batches: readonly PreparedBatch[], control: ProcessControl) => Promise<WriteSummary>;
  /** True when a failing write should be given up (stopping after the grace period, or the daemon failed). */
  readonly abandon: () => boolean;
  readonly logger: Logger;
  /** Called once with the error that ends the daemon (a store's or a commit's that no retry fixes). */
  readonly fatal: (error: unknown) => void;
}

/** Longest a batch waits for others to fill its insert. */
const LINGER_MS = 1000;

export class WritePipeline {
  /** Batches waiting for an insert, with when they were handed over. */
  private readonly pending: { readonly batch: PipelineBatch; readonly since: number }[] = [];
  private pendingRows = 0;
  /** A waiting batch reached its partition's end: nothing more to wait for. */
  private caughtUp = false;
  private draining = false;
  private linger: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Resolves the submits waiting for room once an insert ends. */
  private room: (() => void)[] = [];
  private commits: Promise<void> = Promise.resolve();
  /** Generations and partitions where a batch was given up: nothing after it may be committed. */
  private readonly blocked = new Set<string>();
  private failed = false;

  constructor(private readonly options: WritePipelineOptions) {}

  /**
   * Queues `batch` for the next insert, then waits while the most one insert takes (twice `insertRows`) is waiting;
   * `idle` is called every `idleEveryMs` of that wait (the consumer heartbeats there) and ends it by throwing. Does
   * nothing once a write or commit failed for good: the daemon is stopping, and nothing more is written or
   * committed.
   */
  async submit(batch: PipelineBatch, idle: () => Promise<void>, idleEveryMs: number): Promise<void> {
    if (this.failed) return;
    this.pending.push({ batch, since: Date.now() });
    this.pendingRows += batch.prepared.rows.rows;
    this.caughtUp ||= batch.prepared.caughtUp;
    this.startInsert();
    while (!this.failed && this.pendingRows >= 2 * this.options.insertRows) {
      let timer: NodeJS.Timeout | undefined;
      const freed = await new Promise<boolean>((resolve) => {
        this.room.push(() => resolve(true));
        timer = setTimeout(() => resolve(false), idleEveryMs);
      });
      clearTimeout(timer);
      if (!freed) await idle();
    }
  }

  /**
   * Writes what waits without waiting for more; resolves once every batch handed over is written (or given up) and
   * every commit due is made.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.startInsert();
    while (this.writing !== undefined) await this.writing;
    await this.commits;
  }

  /** Takes waiting batches, up to twice `insertRows` rows (at least one batch), into an insert, when it is time. */
  private startInsert(): void {
    clearTimeout(this.linger);
    this.linger = undefined;
    if (this.writing !== undefined || this.pending.length === 0 || this.failed) return;
    const waited = Date.now() - this.pending[0]!.since;
    if (this.pendingRows < this.options.insertRows && !this.caughtUp && !this.draining && waited < LINGER_MS) {
      this.linger = setTimeout(() => this.startInsert(), LINGER_MS - waited);
      return;
    }
    let rows = 0;
    let count = 0;
    for (const { batch } of this.pending) {
      if (count > 0 && rows + batch.prepared.rows.rows > 2 * this.options.insertRows) break;
      rows += batch.prepared.rows.rows;
      count++;
    }
    const group = this.pending.splice(0, count).map((p) => p.batch);
    this.pendingRows -= rows;
    this.caughtUp = this.pending.some((p) => p.batch.prepared.caughtUp);
    this.writing = this.write(group).finally(() => {
      this.writing = undefined;
      for (const wake of this.room.splice(0)) wake();
      this.startInsert();
    });
  }

  private async write(group: readonly PipelineBatch[]): Promise<void> {
    // Any batch's consumer control heartbeats and pauses for the whole member; the latest is the freshest.
    const latest = group[group.length - 1]!;
    try {
      await this.options.write(
        group.map((b) => b.prepared),
        { heartbeat: () => latest.heartbeat(), pause: () => latest.pauseTopic(), abandon: () => this.failed || this.options.abandon() },
      );
    } catch (error) {
      for (const b of group) this.blocked.add(streamOf(b));
      this.writeFailed(error);
      return;
    }
    // Per partition, the last batch of the group commits for all of them; not past a batch given up before.
    const last = new Map<string, PipelineBatch>();
    for (const b of group) if (!this.blocked.has(streamOf(b))) last.set(streamOf(b), b);
    if (last.size === 0) return;
    const committing = group.filter((b) => last.has(streamOf(b)));
    this.commits = this.commits.then(() => this.commit([...last.values()], committing));
  }

  private writeFailed(error: unknown): void {
    if (error instanceof RetriesAbandoned) {
      this.options.logger.warn(
        { attempts: error.attempts, err: error.lastError },
        'gave up writing (stopping): left uncommitted, the records will be consumed again',
      );
    } else if (error instanceof GroupRebalanced) {
      // kafkajs sees the rebalance on its own next heartbeat and rejoins; the batches go to whoever owns them next.
      this.options.logger.info({ err: error.cause }, 'the group rebalanced while writing: left uncommitted');
    } else {
      this.fail(error);
    }
  }

  /** Commits `heads` (one batch per partition), then tells `covered` (every batch those commits cover). */
  private async commit(heads: readonly PipelineBatch[], covered: readonly PipelineBatch[]): Promise<void> {
    const done = new Set<string>();
    for (const b of heads) {
      if (this.failed) return;
      if (b.isStale()) {
        this.options.logger.info({ partition: b.prepared.partition }, 'partition moved while its batches were written: not committing them');
        continue;
      }
      try {
        await b.commit();
        done.add(streamOf(b));
      } catch (error) {
        // A commit refused because the group is rebalancing is made again by the partition's next owner (or by
        // this member once it rejoins and reads the batches again); anything else stops the daemon.
        if (!isRetriable(error)) return this.fail(error);
        this.options.logger.info({ partition: b.prepared.partition, err: error }, 'commit refused (rebalance): the batches will come again');
      }
    }
    for (const b of covered) if (done.has(streamOf(b))) b.committed();
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    clearTimeout(this.linger);
    for (const wake of this.room.splice(0)) wake();
    this.options.fatal(error);
  }
}

/** A partition's offsets are in order within one group generation. */
function streamOf(b: PipelineBatch): string {
  return `${b.generation}/${b.prepared.partition}`;
}
