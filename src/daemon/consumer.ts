/**
 * The consumer side of the daemon: each batch the group hands over goes through the BatchProcessor, and only a
 * batch fully written (results inserted, dead letters acknowledged) is committed. What happens otherwise:
 * - the daemon is stopping and the batch still fails after the grace period: left uncommitted (it comes again);
 * - the group rebalances meanwhile (a heartbeat or the commit says so): kafkajs' error is rethrown, kafkajs
 *   rejoins, and whoever owns the partition next processes the batch again;
 * - a store fails in a way no retry fixes (wrong password, missing table): the daemon stops with that error and
 *   nothing more is processed or committed.
 */
import type { Logger } from 'pino';
import type { BatchHandler } from '../sources/kafka/consumer.js';
import { RetriesAbandoned } from './backoff.js';
import { type BatchProcessor, type BatchSummary, GroupRebalanced } from './batch-processor.js';
import type { DaemonMetrics } from './metrics.js';

export interface BatchLoopOptions {
  readonly processor: BatchProcessor;
  readonly metrics: DaemonMetrics;
  readonly logger: Logger;
  /** Epoch ms after which a failing batch is given up; undefined while not stopping. */
  readonly abandonAfter: () => number | undefined;
  /** Called once with the error that ends the daemon. */
  readonly fatal: (error: unknown) => void;
  /** Called after each committed batch (health: last progress). */
  readonly progressed: () => void;
}

export function batchLoop(options: BatchLoopOptions): BatchHandler {
  const { processor, metrics, logger } = options;
  let failed = false;
  return async (batch, control) => {
    if (failed) return;
    const endTimer = metrics.batchSeconds.startTimer();
    let summary: BatchSummary;
    try {
      summary = await processor.process(batch, {
        heartbeat: () => control.heartbeat(),
        abandon: () => {
          const deadline = options.abandonAfter();
          return deadline !== undefined && Date.now() >= deadline;
        },
        pause: () => control.pauseTopic(),
      });
    } catch (error) {
      if (error instanceof RetriesAbandoned) {
        logger.warn(
          { partition: batch.partition, firstOffset: batch.records[0]?.offset, attempts: error.attempts, err: error.lastError },
          'stopping with the batch still unwritten: left uncommitted, it will be consumed again',
        );
        return;
      }
      // kafkajs rejoins the group on its own error; the batch goes to whoever owns the partition next.
      if (error instanceof GroupRebalanced) throw error.cause;
      failed = true;
      options.fatal(error);
      return;
    }
    if (control.isStale()) {
      logger.info({ partition: batch.partition }, 'partition moved while the batch was written: not committing it');
      return;
    }
    // A commit refused because the group rebalanced throws kafkajs' error to kafkajs, which rejoins.
    await control.commit();
    endTimer();
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined) {
      const lag = BigInt(batch.highWatermark) - BigInt(last.offset) - 1n;
      metrics.lag.set({ partition: String(batch.partition) }, Number(lag < 0n ? 0n : lag));
    }
    options.progressed();
    logger.debug({ partition: batch.partition, ...summary }, 'batch committed');
  };
}
