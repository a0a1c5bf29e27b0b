/**
 * A kafkajs consumer group behind a narrow interface: batches of one partition in, and the handler says when the
 * batch is done (`commit`). Offsets are never committed by kafkajs itself (autoCommit off, eachBatchAutoResolve
 * off): a batch the handler does not commit is fetched again, by this member or, after a rebalance, by another
 * one (at-least-once delivery).
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaRecordBatch } from './messages.js';

/** What a batch handler may do besides reading the batch. */
export interface BatchControl {
  /**
   * Keeps the membership alive during long work (kafkajs sends at most one per heartbeat interval). Throws when the
   * group is rebalancing: the handler must then give the batch up without committing.
   */
  heartbeat(): Promise<void>;
  /** True when the partition was reassigned or seeked since the fetch: the batch must not be committed. */
  isStale(): boolean;
  /**
   * Stops fetching the topic (every partition of this member) until the returned function is called; with batches
   * in hand at once, the topic stays paused until every one that paused it has resumed.
   */
  pauseTopic(): () => void;
  /** Marks the whole batch processed and commits the offset after its last record. */
  commit(): Promise<void>;
}

export type BatchHandler = (batch: KafkaRecordBatch, control: BatchControl) => Promise<void>;

export interface GroupConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Where a group without committed offsets starts. */
  readonly fromBeginning: boolean;
  /** kafkajs defaults: 30 s session, 3 s heartbeats. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Bytes fetched per request (all partitions): with one batch handled at a time, this bounds what is buffered. */
  readonly maxBytes?: number;
  readonly maxBytesPerPartition?: number;
  /** How long a fetch waits for records; it is also what a stop may wait for. Default 1 s (kafkajs: 5 s). */
  readonly maxWaitTimeMs?: number;
  /**
   * Batches (of different partitions) handled at once: with 2, one batch is evaluated while another waits for its
   * insert. Each is committed on its own. Default 1.
   */
  readonly concurrency?: number;
}

export interface GroupConsumer {
  /** Joins the group and starts handing batches to `handler`, one at a time. */
  start(handler: BatchHandler): Promise<void>;
  /** Stops fetching, waits for the batch in hand, leaves the group and disconnects. */
  stop(): Promise<void>;
  /** Rejects when kafkajs gives up (a crash it will not restart from); never resolves otherwise. */
  readonly crashed: Promise<never>;
  /** Called after each (re)join with the partitions this member now owns. */
  onAssignment(listener: (partitions: readonly number[]) => void): void;
}

export async function connectGroupConsumer(kafka: Kafka, options: GroupConsumerOptions): Promise<GroupConsumer> {
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeout: options.sessionTimeoutMs } : {}),
    ...(options.heartbeatIntervalMs !== undefined ? { heartbeatInterval: options.heartbeatIntervalMs } : {}),
    maxBytes: options.maxBytes ?? 10 << 20,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
    allowAutoTopicCreation: false,
  });
  let rejectCrash: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => {
    rejectCrash = reject;
  });
  // Nobody may be awaiting it yet: an unobserved rejection must not take the process down before the caller looks.
  crashed.catch(() => {});
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) rejectCrash(event.payload.error);
  });
  const listeners: ((partitions: readonly number[]) => void)[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const partitions = event.payload.memberAssignment[options.topic] ?? [];
    for (const l of listeners) l(partitions);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
  let pausedBy = 0;
  const pauseTopic = (): (() => void) => {
    if (pausedBy++ === 0) consumer.pause([{ topic: options.topic }]);
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--pausedBy === 0) consumer.resume([{ topic: options.topic }]);
    };
  };

  return {
    crashed,
    onAssignment(listener) {
      listeners.push(listener);
    },
    async start(handler) {
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency ?? 1,
        eachBatch: (payload) => handler(recordBatch(payload), control(payload, pauseTopic)),
      });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}

function recordBatch(payload: EachBatchPayload): KafkaRecordBatch {
  const b = payload.batch;
  return { topic: b.topic, partition: b.partition, records: b.messages, highWatermark: b.highWatermark };
}

function control(payload: EachBatchPayload, pauseTopic: () => () => void): BatchControl {
  const { batch } = payload;
  return {
    heartbeat: () => payload.heartbeat(),
    isStale: () => payload.isStale(),
    pauseTopic,
    async commit() {
      const last = batch.lastOffset();
      payload.resolveOffset(last);
      // Explicit offsets: commitOffsetsIfNecessary() without them commits only when autoCommit is on.
      await payload.commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
      });
    },
  };
}
