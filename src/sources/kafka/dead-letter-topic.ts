/**
 * Dead letters to a Kafka topic: the original bytes as the message (so the record can be fixed and produced
 * again as it was), why and where from in headers. `write` resolves once every message is acknowledged by all
 * in-sync replicas: the daemon commits the source offsets only after that.
 */
import type { Kafka } from 'kafkajs';
import type { KafkaDeadLetter } from './messages.js';
import { connectTypedProducer, type TypedProducer } from './producer.js';

/** Header names, documented in docs/daemon.md ("Dead letters"). */
export const DEAD_LETTER_HEADERS = {
  reason: 'flowaudit-reason',
  message: 'flowaudit-message',
  topic: 'flowaudit-source-topic',
  partition: 'flowaudit-source-partition',
  offset: 'flowaudit-source-offset',
  line: 'flowaudit-source-line',
} as const;

export interface DeadLetterTopic {
  readonly topic: string;
  write(letters: readonly KafkaDeadLetter[]): Promise<void>;
  disconnect(): Promise<void>;
}

export async function connectDeadLetterTopic(kafka: Kafka, topic: string): Promise<DeadLetterTopic> {
  const producer: TypedProducer<Buffer> = await connectTypedProducer<Buffer>(kafka, { serialize: (value) => value });
  return {
    topic,
    async write(letters) {
      if (letters.length === 0) return;
      await producer.send(topic, letters.map(deadLetterMessage));
    },
    disconnect: () => producer.disconnect(),
  };
}

export function deadLetterMessage(l: KafkaDeadLetter): { value: Buffer; key?: string; headers: Record<string, string> } {
  const pos = l.letter.pos;
  const headers: Record<string, string> = {
    [DEAD_LETTER_HEADERS.reason]: l.letter.reason,
    [DEAD_LETTER_HEADERS.message]: l.letter.message,
  };
  if (pos.kind === 'kafka') {
    headers[DEAD_LETTER_HEADERS.topic] = pos.topic;
    headers[DEAD_LETTER_HEADERS.partition] = String(pos.partition);
    headers[DEAD_LETTER_HEADERS.offset] = pos.offset;
    if (pos.line !== undefined) headers[DEAD_LETTER_HEADERS.line] = String(pos.line);
  }
  return { value: l.value, ...(l.key !== null ? { key: l.key.toString('utf8') } : {}), headers };
}
