/**
 * The records of a topic between two times, for `replay --kafka`: per partition from the first offset at or after
 * `since` (the earliest offset without one) up to the first offset at or after `until` (the high watermark when
 * the read starts, without one). Reads with a throwaway consumer group that commits nothing and is deleted at the
 * end; one batch is handed on at a time, and the next is fetched only when the reader asks for it.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { offsetsForTime, type PartitionOffset } from './admin.js';
import type { KafkaRecordBatch } from './messages.js';

export interface TopicRange {
  readonly topic: string;
  /** Epoch ms; from the earliest record when absent. */
  readonly since?: number;
  /** Epoch ms, exclusive; up to the high watermark at the start when absent. */
  readonly until?: number;
}

/** Per partition, the offsets to read: [start, end). */
export interface PartitionSpan {
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
}

export async function partitionSpans(kafka: Kafka, range: TopicRange): Promise<PartitionSpan[]> {
  const admin = kafka.admin();
  await admin.connect();
  let bounds: { partition: number; low: string; high: string }[];
  try {
    bounds = (await admin.fetchTopicOffsets(range.topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  } finally {
    await admin.disconnect();
  }
  const starts = range.since === undefined ? undefined : byPartition(await offsetsForTime(kafka, range.topic, range.since));
  const ends = range.until === undefined ? undefined : byPartition(await offsetsForTime(kafka, range.topic, range.until));
  return bounds
    .map((b) => {
      const start = starts?.get(b.partition) ?? BigInt(b.low);
      const end = ends?.get(b.partition) ?? BigInt(b.high);
      return { partition: b.partition, start, end: end < start ? start : end };
    })
    .sort((a, b) => a.partition - b.partition);
}

function byPartition(offsets: readonly PartitionOffset[]): Map<number, bigint> {
  return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
}

/** How long the reader may take with one batch before the group would drop this member. */
const HEARTBEAT_EVERY_MS = 3000;

export async function* readTopicRange(kafka: Kafka, range: TopicRange): AsyncGenerator<KafkaRecordBatch> {
  const spans = await partitionSpans(kafka, range);
  const pending = new Map(spans.filter((s) => s.end > s.start).map((s) => [s.partition, s]));
  if (pending.size === 0) return;

  const groupId = `flowaudit-replay-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytes: 10 << 20, allowAutoTopicCreation: false });
  const handoff = new Handoff<KafkaRecordBatch>();
  const reached = (partition: number, lastOffset: string): void => {
    const span = pending.get(partition);
    if (span !== undefined && BigInt(lastOffset) + 1n >= span.end) {
      pending.delete(partition);
      consumer.pause([{ topic: range.topic, partitions: [partition] }]);
    }
    if (pending.size === 0) handoff.close();
  };
  // Batches of transaction markers only never reach eachBatch; this event reports their offsets too.
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => reached(e.payload.partition, e.payload.lastOffset));
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) handoff.fail(e.payload.error);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [range.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isStale }) => {
        const span = pending.get(batch.partition);
        if (span === undefined || isStale()) return;
        const records = batch.messages.filter((m) => {
          const offset = BigInt(m.offset);
          return offset >= span.start && offset < span.end;
        });
        if (records.length === 0) return;
        const handed = handoff.put({ topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark });
        const beat = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_EVERY_MS);
        try {
          await handed;
        } finally {
          clearInterval(beat);
        }
      },
    });
    for (const span of pending.values()) consumer.seek({ topic: range.topic, partition: span.partition, offset: span.start.toString() });
    for (;;) {
      const next = await handoff.take();
      if (next === undefined) return;
      yield next;
    }
  } finally {
    handoff.close();
    await consumer.disconnect();
    await deleteGroup(kafka, groupId);
  }
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // The group holds no offsets (nothing was committed) and the broker expires it anyway: not worth failing for.
  } finally {
    await admin.disconnect();
  }
}

/**
 * A one-slot channel from kafkajs' push (eachBatch) to the reader's pull: `put` resolves when the reader asks for
 * the item after it, so kafkajs fetches nothing while the reader works.
 */
class Handoff<T> {
  private item: { value: T; taken: () => void } | undefined;
  private waiting: ((v: T | undefined) => void) | undefined;
  private failWaiting: ((e: Error) => void) | undefined;
  private closed = false;
  private error: Error | undefined;
  private release: (() => void) | undefined;

  put(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((taken) => {
      if (this.waiting !== undefined) {
        const deliver = this.waiting;
        this.waiting = undefined;
        this.release = taken;
        deliver(value);
      } else this.item = { value, taken };
    });
  }

  /** The next item; undefined once closed. Taking releases the previous item's `put`. */
  take(): Promise<T | undefined> {
    this.release?.();
    this.release = undefined;
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.item !== undefined) {
      const { value, taken } = this.item;
      this.item = undefined;
      this.release = taken;
      return Promise.resolve(value);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  close(): void {
    this.closed = true;
    this.release?.();
    this.release = undefined;
    this.item?.taken();
    this.waiting?.(undefined);
    this.waiting = undefined;
  }

  fail(error: Error): void {
    this.error = error;
    this.failWaiting?.(error);
    this.close();
  }
}
