/**
 * `replay --kafka`: the records of a topic between two times through the same audit as file replay, into the same
 * consumers (result files, report, ClickHouse). Decoding is the daemon's (one record per message, or several
 * lines); nothing is committed to Kafka.
 */
import type { DeadLetterSink } from '../flows/dead-letter.js';
import type { DecodeReason, SkipReason } from '../flows/decode-result.js';
import type { DecoderOptions, FlowFormat } from '../flows/decoders/index.js';
import type { Auditor } from '../pipeline/audit.js';
import { countOutcomes, newReplayTally, type OutcomeConsumer, type ReplayTally } from '../pipeline/replay-files.js';
import { kafkaClient, KafkaFlowDecoder, readTopicRange, type KafkaOptions, type TopicRange } from '../sources/kafka/index.js';

export interface KafkaReplayInput {
  readonly kafka: KafkaOptions;
  readonly range: TopicRange;
  readonly format: FlowFormat | 'auto';
  readonly decoderOptions?: DecoderOptions;
  readonly maxLineBytes?: number;
}

export async function replayKafka(
  input: KafkaReplayInput,
  auditor: Auditor,
  consumers: readonly OutcomeConsumer[],
  deadLetters: DeadLetterSink,
  onBatch: (flows: number) => void = () => {},
): Promise<ReplayTally> {
  const tally = newReplayTally();
  const decoder = new KafkaFlowDecoder({
    format: input.format,
    ...(input.decoderOptions ? { decoderOptions: input.decoderOptions } : {}),
    ...(input.maxLineBytes ? { maxLineBytes: input.maxLineBytes } : {}),
  });
  for await (const batch of readTopicRange(kafkaClient(input.kafka), input.range)) {
    const decoded = decoder.decode(batch);
    // ReasonCounts keys are the reasons they were given; DeadLetter.reason is plain text in the record contract.
    for (const [reason, n] of Object.entries(decoded.skipped.toJSON())) tally.decode.skipped.add(reason as SkipReason, n);
    for (const l of decoded.deadLetters) tally.decode.deadLetters.add(l.letter.reason as DecodeReason);
    tally.decode.decoded += decoded.flows.length;
    if (decoded.deadLetters.length > 0) await deadLetters.write(decoded.deadLetters.map((l) => l.letter));
    const outcomes = auditor.auditBatch(decoded.flows);
    countOutcomes(tally, outcomes);
    for (const c of consumers) await c.write(outcomes);
    onBatch(outcomes.length);
  }
  return tally;
}
