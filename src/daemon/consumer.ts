/**
 * The consumer side of the daemon: each batch the group hands over is prepared (decoded, audited, encoded) at once,
 * released so that kafkajs fetches past it, and handed to the WritePipeline, which stores it and commits it once it
 * (and every earlier batch of its partition) is fully written: results inserted, dead letters acknowledged. The
 * handler returns as soon as the pipeline has room, so the next batches are evaluated while this one is stored.
 * What happens otherwise:
 * - the daemon is stopping and a write still fails after the grace period: left uncommitted (it comes again);
 * - the group rebalances meanwhile (a heartbeat says so, or the generation changed): left uncommitted, and kafkajs
 *   rejoins; whoever owns the partition next reads it again from its last commit;
 * - a store fails in a way no retry fixes (wrong password, missing table): the daemon stops with that error and
 *   nothing more is prepared, written or committed.
 *
 * Measured, and left out: queueing fetched batches so that kafkajs fetches while they are prepared changed the
 * daemon's throughput by no more than the run-to-run noise (about 2%); the fetch is short next to evaluating it.
 * Measured again with a queue of eight batches (2026-11-29): 75k flows/s warm in two runs, against 77-83k without.
 * The thread waits for fetches a fifth of the time, but the machine is what is short: the broker that would
 * answer the earlier fetch needs the cores that the daemon and ClickHouse keep busy.
 */
import type { Logger } from 'pino';
import type { BatchHandler } from '../sources/kafka/consumer.js';
import { type BatchProcessor, GroupRebalanced, type PreparedBatch } from './batch-processor.js';
import type { DaemonMetrics } from './metrics.js';
import type { WritePipeline } from './write-pipeline.js';

export interface BatchLoopOptions {
  readonly processor: BatchProcessor;
  readonly pipeline: WritePipeline;
  readonly metrics: DaemonMetrics;
  readonly logger: Logger;
  /** Called with the error that ends the daemon when a batch cannot be prepared (the pipeline reports its own). */
  readonly fatal: (error: unknown) => void;
  /** Called after each committed batch (health: last progress). */
  readonly progressed: () => void;
  /** How often to heartbeat while waiting for room in the pipeline (kafkajs' heartbeat interval). */
  readonly heartbeatEveryMs: number;
}

export function batchLoop(options: BatchLoopOptions): BatchHandler {
  const { processor, pipeline, metrics, logger } = options;
  let failed = false;
  return async (batch, control) => {
    if (failed) return;
    const endTimer = metrics.batchSeconds.startTimer();
    let prepared: PreparedBatch;
    try {
      prepared = processor.prepare(batch);
    } catch (error) {
      failed = true;
      options.fatal(error);
      return;
    }
    control.release();
    const heartbeat = () =>
      control.heartbeat().catch((error: unknown) => {
        throw new GroupRebalanced(error);
      });
    try {
      await pipeline.submit(
        {
          prepared,
          generation: control.generation,
          heartbeat,
          pauseTopic: () => control.pauseTopic(),
          isStale: () => control.isStale(),
          commit: () => control.commit(),
          committed: () => {
            endTimer();
            if (prepared.lastOffset !== undefined) {
              const lag = BigInt(prepared.highWatermark) - BigInt(prepared.lastOffset) - 1n;
              metrics.lag.set({ partition: String(prepared.partition) }, Number(lag < 0n ? 0n : lag));
            }
            options.progressed();
            logger.debug(
              {
                partition: prepared.partition,
                firstOffset: prepared.firstOffset,
                lastOffset: prepared.lastOffset,
                rows: prepared.rows.rows,
                deadLetters: prepared.letters.length,
                policyVersion: prepared.policyVersion,
              },
              'batch committed',
            );
          },
        },
        heartbeat,
        options.heartbeatEveryMs,
      );
    } catch (error) {
      // kafkajs rejoins the group on its own error; the batches in hand are not committed in the old generation.
      throw error instanceof GroupRebalanced ? error.cause : error;
    }
  };
}
