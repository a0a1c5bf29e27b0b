import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { connectTypedProducer, ensureTopic, kafkaClient, offsetsForTime } from '../../src/sources/kafka/index.js';
import { kafkaTestOptions, testNames } from './services.js';

const names = testNames(import.meta.url);
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

interface Flow {
  readonly n: number;
  readonly src_ip: string;
  readonly note: string;
}

let kafka: Kafka;
const topics: string[] = [];

beforeAll(() => {
  kafka = kafkaClient(kafkaTestOptions('flowaudit-integration'));
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

/** Reads `count` messages from the beginning of `topic` with a fresh consumer group. */
async function consumeAll(topic: string, count: number): Promise<{ partition: number; offset: string; value: string }[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 200 });
  const seen: { partition: number; offset: string; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            seen.push({ partition: batch.partition, offset: message.offset, value: message.value?.toString('utf8') ?? '' });
          }
          if (seen.length >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('Kafka service', () => {
  it('creates a topic once and reports its partitions', async () => {
    const topic = names.topic('ensure');
    topics.push(topic);
    expect(await ensureTopic(kafka, { topic, partitions: 4 })).toEqual({ created: true, partitions: 4 });
    expect(await ensureTopic(kafka, { topic, partitions: 8 })).toEqual({ created: false, partitions: 4 });
  });

  it('delivers every produced message to a consumer, in order per key', async () => {
    const topic = names.topic('roundtrip');
    topics.push(topic);
    await ensureTopic(kafka, { topic, partitions: 3 });
    const producer = await connectTypedProducer<Flow>(kafka, { messagesPerRequest: 70 });
    const flows: Flow[] = Array.from({ length: 500 }, (_, n) => ({ n, src_ip: `10.0.0.${n % 5}`, note: 'quote " and é' }));
    await producer.send(topic, flows.map((value) => ({ key: value.src_ip, value })));
    await producer.disconnect();

    const seen = await consumeAll(topic, flows.length);
    const received = seen.map((m) => JSON.parse(m.value) as Flow);
    expect(received).toHaveLength(flows.length);
    expect([...received].sort((a, b) => a.n - b.n)).toEqual(flows);
    // One key, one partition, produced order preserved.
    for (const ip of new Set(flows.map((f) => f.src_ip))) {
      const ofKey = seen.filter((m) => (JSON.parse(m.value) as Flow).src_ip === ip);
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
      expect(ofKey.map((m) => (JSON.parse(m.value) as Flow).n)).toEqual(flows.filter((f) => f.src_ip === ip).map((f) => f.n));
    }
  });

  it('finds the first offset at or after a time, and the end when nothing is that recent', async () => {
    const topic = names.topic('by-time');
    topics.push(topic);
    await ensureTopic(kafka, { topic, partitions: 2 });
    const producer = await connectTypedProducer<string>(kafka, { serialize: (value) => value });
    // Partition 0: ten messages one minute apart; partition 1: empty.
    await producer.send(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: 0, timestamp: T0 + i * 60_000 })),
    );
    await producer.disconnect();

    expect(await offsetsForTime(kafka, topic, T0 - 1)).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
    ]);
    expect(await offsetsForTime(kafka, topic, T0 + 5 * 60_000)).toEqual([
      { partition: 0, offset: '5' },
      { partition: 1, offset: '0' },
    ]);
    expect(await offsetsForTime(kafka, topic, T0 + 5 * 60_000 + 1)).toEqual([
      { partition: 0, offset: '6' },
      { partition: 1, offset: '0' },
    ]);
    expect(await offsetsForTime(kafka, topic, T0 + 3_600_000)).toEqual([
      { partition: 0, offset: '10' },
      { partition: 1, offset: '0' },
    ]);
  });
});
