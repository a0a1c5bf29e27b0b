/**
 * The streaming audit daemon: a member of a Kafka consumer group that evaluates every flow record under the
 * current (and proposed) policy and stores one result row per record in ClickHouse, with policy files reloaded as
 * they change. Delivery is at least once (offsets are committed only after a batch is stored); results are
 * exactly once per (run_id, source) because the results table collapses redelivered rows (docs/daemon.md).
 *
 * `startDaemon` returns at once; everything else is asynchronous and reported through `ready` and `done`, so a
 * caller can stop a daemon that is still starting (waiting for ClickHouse, say).
 */
import pino, { type Logger } from 'pino';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { Auditor } from '../pipeline/audit.js';
import { loadAuditContext, type AuditContext } from '../pipeline/context.js';
import { connectClickHouse, insertRows, migrate, releaseRows, ResultRowsWriter, type ClickHouseConnection } from '../sinks/clickhouse/index.js';
import {
  connectDeadLetterTopic,
  connectGroupConsumer,
  ensureTopic,
  kafkaClient,
  KafkaFlowDecoder,
  type DeadLetterTopic,
  type GroupConsumer,
} from '../sources/kafka/index.js';
import { retrying } from './backoff.js';
import { type AuditState, BatchProcessor, type DeadLetterStore } from './batch-processor.js';
import type { DaemonConfig } from './config.js';
import { batchLoop } from './consumer.js';
import { startStatusServer, type StatusServer } from './http.js';
import { DaemonMetrics } from './metrics.js';
import { startReloader, type PolicyReloader } from './reloader.js';
import { WritePipeline } from './write-pipeline.js';

export interface DaemonIO {
  /** The JSON log (pino), one object a line. */
  readonly stderr: NodeJS.WritableStream;
}

export interface DaemonReady {
  /** Port of the /metrics and /healthz server. */
  readonly metricsPort: number;
  readonly policyVersion: string;
}

export interface DaemonHandle {
  /** Resolves once the consumer has started; rejects as `done` does when the daemon fails before that. */
  readonly ready: Promise<DaemonReady>;
  /** Resolves after a requested stop; rejects with what ended the daemon otherwise (or what kept it from starting). */
  readonly done: Promise<void>;
  /** Stops fetching, finishes the batch in hand (retrying a failing write up to the grace period), commits, disconnects. */
  stop(): Promise<void>;
}

/** The policy files at start have errors: nothing to run (the diagnostics are in the log). */
export class DaemonStartError extends Error {
  override readonly name = 'DaemonStartError';
}

const HEARTBEAT_MS = 3000;

export function startDaemon(config: DaemonConfig, io: DaemonIO): DaemonHandle {
  const logger = pino({ level: config.logLevel, base: { pid: process.pid, group: config.groupId, topic: config.topic } }, io.stderr);
  let stopRequested: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let abandonAfter: number | undefined;
  let readyResolve: (r: DaemonReady) => void = () => {};
  let readyReject: (e: unknown) => void = () => {};
  const ready = new Promise<DaemonReady>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  // `ready` may be left unobserved when the caller only awaits `done`.
  ready.catch(() => {});

  const done = run(config, logger, {
    stopped,
    isStopping: () => abandonAfter !== undefined,
    abandonAfter: () => abandonAfter,
    ready: (r) => readyResolve(r),
  }).then(
    () => readyReject(new Error('the daemon was stopped before it started consuming')),
    (error: unknown) => {
      readyReject(error);
      logger.fatal({ err: error }, 'daemon stopped by an error');
      throw error;
    },
  );
  done.catch(() => {});
  return {
    ready,
    done,
    async stop() {
      if (abandonAfter === undefined) {
        abandonAfter = Date.now() + config.shutdownGraceMs;
        logger.info({ graceMs: config.shutdownGraceMs }, 'stopping: finishing the batch in hand');
      }
      stopRequested?.();
      await done.catch(() => {});
    },
  };
}

interface Lifecycle {
  readonly stopped: Promise<void>;
  isStopping(): boolean;
  abandonAfter(): number | undefined;
  ready(r: DaemonReady): void;
}

async function run(config: DaemonConfig, logger: Logger, life: Lifecycle): Promise<void> {
  const cleanup: { what: string; close: () => Promise<void> | void }[] = [];
  const health = { state: 'starting', clickhouse: 'connecting', lastBatchAt: undefined as string | undefined, policyFilesBroken: false, policyVersion: '' };
  try {
    const context = await loadAuditContext(config.sources);
    for (const d of context.diagnostics) logger[d.severity === 'error' ? 'error' : 'warn']({ diagnostic: d.code }, formatDiagnostic(d));
    if (context.errors > 0) {
      throw new DaemonStartError(`${context.errors} problem${context.errors === 1 ? '' : 's'} in the policy or inventory files; nothing to run`);
    }
    let state: AuditState = auditState(context);
    health.policyVersion = state.policyVersion;
    logger.info({ policyVersion: state.policyVersion, proposal: config.sources.proposal.kind }, 'policy loaded');

    const metrics = new DaemonMetrics();
    metrics.setPolicyVersion(state.policyVersion);
    metrics.policyBroken.set(0);
    const server: StatusServer = await startStatusServer(config.metricsHost, config.metricsPort, metrics.registry, () => ({
      healthy: health.state === 'starting' || health.state === 'running',
      ...health,
    }));
    cleanup.push({ what: 'status server', close: () => server.close() });
    logger.info({ port: server.port }, 'serving /metrics and /healthz');

    const clickhouse = await connectWithRetries(config, logger, metrics, life);
    if (clickhouse === undefined) return;
    cleanup.push({ what: 'ClickHouse', close: () => clickhouse.close() });
    health.clickhouse = 'ok';
    if (config.migrate) {
      const report = await migrate(clickhouse);
      logger.info({ database: clickhouse.database, ...report }, 'ClickHouse schema ready');
    }

    const kafka = kafkaClient(config.kafka, { logger: logger.child({ component: 'kafkajs' }) });
    const deadLetters = await deadLetterStore(config, kafka, logger);
    cleanup.push({ what: 'dead-letter producer', close: () => deadLetters.close() });

    const processor = new BatchProcessor({
      decoder: new KafkaFlowDecoder({ format: config.format, maxLineBytes: config.maxMessageBytes }),
      results: {
        rows: (stamp) => new ResultRowsWriter(stamp),
        insert: async (rows) => {
          try {
            await insertRows(clickhouse, rows);
            // Stored for good: nothing reads the rows again (a retry happens only before this).
            releaseRows(rows);
            health.clickhouse = 'ok';
          } catch (error) {
            health.clickhouse = 'retrying';
            throw error;
          }
        },
      },
      deadLetters,
      audit: () => state,
      runId: config.runId,
      metrics,
      logger,
      backoff: config.backoff,
      heartbeatEveryMs: HEARTBEAT_MS,
    });

    const reloader: PolicyReloader = await startReloader({
      sources: config.sources,
      load: loadAuditContext,
      debounceMs: config.reloadDebounceMs,
      listener: {
        loaded(next) {
          const previous = state.policyVersion;
          // A new Auditor, not setViews: the reload rebuilt the inventory too, and compiled views must be used with
          // the inventory they were compiled against (engine/compiled-set.ts).
          state = auditState(next);
          health.policyVersion = state.policyVersion;
          health.policyFilesBroken = false;
          metrics.reloads.inc();
          metrics.policyBroken.set(0);
          metrics.setPolicyVersion(state.policyVersion);
          logger.info({ policyVersion: state.policyVersion, previous, changed: previous !== state.policyVersion }, 'policy reloaded');
        },
        rejected(broken, error) {
          health.policyFilesBroken = true;
          metrics.reloadFailures.inc();
          metrics.policyBroken.set(1);
          const problems = broken?.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic) ?? [];
          logger.error(
            { keptPolicyVersion: state.policyVersion, errors: broken?.errors, problems: problems.slice(0, 20), err: error },
            'policy edit rejected: the last good policy set keeps running',
          );
        },
      },
    });
    cleanup.push({ what: 'policy watcher', close: () => reloader.close() });

    const consumer: GroupConsumer = await connectGroupConsumer(kafka, {
      groupId: config.groupId,
      topic: config.topic,
      fromBeginning: config.fromBeginning,
      heartbeatIntervalMs: HEARTBEAT_MS,
      sessionTimeoutMs: config.sessionTimeoutMs,
    });
    consumer.onAssignment((partitions) => logger.info({ partitions }, 'partitions assigned'));
    let failedWith: (error: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      failedWith = reject;
    });
    failed.catch(() => {});
    // After a failure no write is worth finishing: the daemon stops without committing anything more.
    let gaveUp = false;
    const fatal = (error: unknown): void => {
      gaveUp = true;
      failedWith(error);
    };
    const pipeline = new WritePipeline({
      insertRows: config.insertRows,
      write: (batches, control) => processor.write(batches, control),
      abandon: () => {
        const deadline = life.abandonAfter();
        return gaveUp || (deadline !== undefined && Date.now() >= deadline);
      },
      logger,
      fatal,
    });
    // First out: no more batches are handed over, the ones handed over are written (or given up after the grace
    // period) and committed, then the member leaves the group.
    cleanup.push({
      what: 'Kafka consumer',
      close: async () => {
        await consumer.quiesce();
        await pipeline.drain();
        await consumer.stop();
      },
    });
    await consumer.start(
      batchLoop({
        processor,
        pipeline,
        metrics,
        logger,
        fatal,
        progressed: () => {
          health.lastBatchAt = new Date().toISOString();
        },
        heartbeatEveryMs: HEARTBEAT_MS,
      }),
    );
    health.state = 'running';
    logger.info({ runId: config.runId, metricsPort: server.port }, 'consuming');
    life.ready({ metricsPort: server.port, policyVersion: state.policyVersion });

    await Promise.race([life.stopped, consumer.crashed, failed]);
    health.state = 'stopping';
  } catch (error) {
    health.state = 'failed';
    throw error;
  } finally {
    if (health.state !== 'failed') health.state = 'stopping';
    for (const { what, close } of cleanup.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: error }, `closing the ${what} failed`);
      }
    }
    logger.info('stopped');
  }
}

function auditState(context: AuditContext): AuditState {
  return { auditor: new Auditor(context.views, context.inventory), policyVersion: context.policyVersion };
}

/** Connects, retrying while ClickHouse is unreachable; undefined when asked to stop meanwhile. */
async function connectWithRetries(
  config: DaemonConfig,
  logger: Logger,
  metrics: DaemonMetrics,
  life: Lifecycle,
): Promise<ClickHouseConnection | undefined> {
  let wake: () => void = () => {};
  void life.stopped.then(() => wake());
  try {
    return await retrying(() => connectClickHouse(config.clickhouse), config.backoff, {
      onRetry: (error, attempt, delayMs) => {
        metrics.clickhouseRetries.inc();
        logger.warn({ err: error, attempt, delayMs }, 'ClickHouse unreachable; retrying');
      },
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }),
      giveUp: life.isStopping,
    });
  } catch (error) {
    if (life.isStopping()) return undefined;
    throw error;
  }
}

async function deadLetterStore(
  config: DaemonConfig,
  kafka: ReturnType<typeof kafkaClient>,
  logger: Logger,
): Promise<DeadLetterStore & { close(): Promise<void> }> {
  if (config.deadLetterTopic === undefined) {
    return {
      async write(letters) {
        for (const l of letters) {
          logger.warn({ reason: l.letter.reason, pos: l.letter.pos, raw: l.letter.raw }, `dead letter: ${l.letter.message}`);
        }
      },
      async close() {},
    };
  }
  try {
    await ensureTopic(kafka, { topic: config.deadLetterTopic, partitions: 1 });
  } catch (error) {
    // Creating topics may be forbidden to this client; producing to an existing topic may still work.
    logger.warn({ err: error, topic: config.deadLetterTopic }, 'could not make sure the dead-letter topic exists');
  }
  const topic: DeadLetterTopic = await connectDeadLetterTopic(kafka, config.deadLetterTopic);
  return { write: (letters) => topic.write(letters), close: () => topic.disconnect() };
}
