/**
 * A kafkajs consumer group behind a narrow interface: batches of one partition in; the handler `release`s a batch
 * (kafkajs may fetch past it) and `commit`s it later, once its results are stored, so that fetching and evaluating
 * the next batches overlap with storing this one. Offsets are never committed by kafkajs itself (autoCommit off,
 * eachBatchAutoResolve off): a batch not committed is fetched again, by this member after a rebalance or restart,
 * or by another one (at-least-once delivery).
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaRecordBatch } from './messages.js';

/** What a batch handler may do besides reading the batch; `commit` and `isStale` stay usable after it returned. */
export interface BatchControl {
  /**
   * The group generation the batch was fetched in (it changes at every rejoin); a partition's offsets are in order
   * within one generation.
   */
  readonly generation: number;
  /**
   * Keeps the membership alive during long work (kafkajs sends at most one per heartbeat interval). Throws when the
   * group is rebalancing: the handler must then give the batch up without committing.
   */
  heartbeat(): Promise<void>;
  /**
   * True when the group rebalanced (or the partition was seeked) since the fetch: the partition may belong to
   * another member now, which reads from the last commit, so this batch must not be committed.
   */
  isStale(): boolean;
  /**
   * Stops fetching the topic (every partition of this member) until the returned function is called; with batches
   * in hand at once, the topic stays paused until every one that paused it has resumed.
   */
  pauseTopic(): () => void;
  /** Lets the consumer fetch past this batch while it is not committed yet. Only while the handler runs. */
  release(): void;
  /** Commits the offset after the batch's last record. */
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
  /** Bytes fetched per request (all partitions): what one fetch holds in memory at most. */
  readonly maxBytes?: number;
  /** Bytes fetched per partition and request: about the size of a batch. */
  readonly maxBytesPerPartition?: number;
  /** How long a fetch waits for records; it is also what a stop may wait for. Default 1 s (kafkajs: 5 s). */
  readonly maxWaitTimeMs?: number;
}

export interface GroupConsumer {
  /** Joins the group and starts handing batches to `handler`, one at a time. */
  start(handler: BatchHandler): Promise<void>;
  /**
   * Stops handing out batches: pauses fetching and waits for the handler in progress to return. The member stays in
   * the group, so commits of batches released before still go through.
   */
  quiesce(): Promise<void>;
  /** Leaves the group and disconnects (after `quiesce`, so that nothing is in hand). */
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
  // Every join is a new generation: kafkajs reads the partitions it then owns from their committed offsets, so a
  // batch fetched before it must not be committed after it (another member may own the partition now).
  let generation = 0;
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    generation++;
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

  let running = false;
  let quiescing = false;
  let inHand: Promise<void> | undefined;
  const context: ControlContext = {
    pauseTopic,
    generation: () => generation,
    commit: (offsets) => consumer.commitOffsets(offsets),
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
        eachBatch: async (payload) => {
          // Batches fetched before a quiesce are handed out all the same: left unreleased, they are fetched again.
          if (quiescing) return;
          const handled = handler(recordBatch(payload), control(payload, context));
          inHand = handled.catch(() => {});
          await handled;
        },
      });
      running = true;
    },
    async quiesce() {
      quiescing = true;
      // Pausing needs a running consumer (kafkajs); one that never ran has nothing in hand.
      if (!running) return;
      pauseTopic();
      await inHand;
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}

interface ControlContext {
  readonly pauseTopic: () => () => void;
  readonly generation: () => number;
  readonly commit: Consumer['commitOffsets'];
}

function recordBatch(payload: EachBatchPayload): KafkaRecordBatch {
  const b = payload.batch;
  return { topic: b.topic, partition: b.partition, records: b.messages, highWatermark: b.highWatermark };
}

function control(payload: EachBatchPayload, context: ControlContext): BatchControl {
  const { batch } = payload;
  const fetchedIn = context.generation();
  return {
    generation: fetchedIn,
    heartbeat: () => payload.heartbeat(),
    isStale: () => context.generation() !== fetchedIn || payload.isStale(),
    pauseTopic: context.pauseTopic,
    release: () => payload.resolveOffset(batch.lastOffset()),
    commit: () =>
      context.commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]),
  };
}
