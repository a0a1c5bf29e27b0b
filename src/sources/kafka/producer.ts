/**
 * A thin typed producer for the dead-letter topic and for tests: values of one type, serialised by one function,
 * sent with acks from all in-sync replicas, in requests of bounded size.
 */
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';

export interface ProducedMessage<Value> {
  readonly value: Value;
  readonly key?: string;
  /** Epoch ms; the broker's time when omitted. */
  readonly timestamp?: number;
  readonly partition?: number;
  /** Kafka record headers (the dead-letter topic puts the reason and the source coordinates there). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TypedProducer<Value> {
  /** Sends all messages, in order per partition; resolves when every one is acknowledged. */
  send(topic: string, messages: readonly ProducedMessage<Value>[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TypedProducerOptions<Value> {
  /** Defaults to JSON.stringify. */
  readonly serialize?: (value: Value) => string | Buffer;
  /** Messages per produce request: 1,000 flow records of ~300 bytes stay well under the broker's 1 MB limit. */
  readonly messagesPerRequest?: number;
  readonly compression?: 'none' | 'gzip';
}

export async function connectTypedProducer<Value>(
  kafka: Kafka,
  options: TypedProducerOptions<Value> = {},
): Promise<TypedProducer<Value>> {
  const serialize = options.serialize ?? ((value: Value) => JSON.stringify(value));
  const perRequest = options.messagesPerRequest ?? 1000;
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  // An explicit partitioner is kafkajs' own way to silence its v2 partitioner warning (instead of setting
  // KAFKAJS_NO_PARTITIONER_WARNING for the whole process); DefaultPartitioner is Java's murmur2 hashing, so keys
  // land where the Java clients would put them.
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    async send(topic, messages) {
      for (let start = 0; start < messages.length; start += perRequest) {
        const chunk: Message[] = messages.slice(start, start + perRequest).map((message) => ({
          value: serialize(message.value),
          ...(message.key !== undefined ? { key: message.key } : {}),
          ...(message.timestamp !== undefined ? { timestamp: String(message.timestamp) } : {}),
          ...(message.partition !== undefined ? { partition: message.partition } : {}),
          ...(message.headers !== undefined ? { headers: { ...message.headers } } : {}),
        }));
        await producer.send({ topic, messages: chunk, acks: -1, compression });
      }
    },
    disconnect: () => producer.disconnect(),
  };
}
