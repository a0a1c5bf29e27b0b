/** Admin helpers over a kafkajs client: each opens an admin connection for the call and closes it. */
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Omitted: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Topic configs, e.g. `{ 'retention.ms': '604800000' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface TopicState {
  /** False when the topic existed already (its settings were left as they are). */
  readonly created: boolean;
  /** Partitions the topic has now, which may differ from the spec when it existed. */
  readonly partitions: number;
}

/** Creates the topic when it does not exist and waits until every partition has a leader. */
export async function ensureTopic(kafka: Kafka, spec: TopicSpec): Promise<TopicState> {
  return withAdmin(kafka, async (admin) => {
    const config: ITopicConfig = {
      topic: spec.topic,
      numPartitions: spec.partitions,
      ...(spec.replicationFactor !== undefined ? { replicationFactor: spec.replicationFactor } : {}),
      ...(spec.configs !== undefined
        ? { configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })) }
        : {}),
    };
    const created = await admin.createTopics({ topics: [config], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [spec.topic] });
    return { created, partitions: metadata.topics[0]?.partitions.length ?? 0 };
  });
}

export interface PartitionOffset {
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal text, as kafkajs does. */
  readonly offset: string;
}

/**
 * Per partition, the offset of the first message whose timestamp is at or after `time` (epoch ms); where no
 * message is that recent, the partition's end offset (kafkajs `fetchTopicOffsetsByTimestamp` maps the broker's
 * -1 to the high watermark), so consuming from the result never reads anything older than `time`.
 */
export async function offsetsForTime(kafka: Kafka, topic: string, time: number): Promise<PartitionOffset[]> {
  return withAdmin(kafka, async (admin) => {
    const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, time);
    return offsets
      .map(({ partition, offset }) => ({ partition, offset }))
      .sort((a, b) => a.partition - b.partition);
  });
}
