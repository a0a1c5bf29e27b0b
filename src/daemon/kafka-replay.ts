/**
 * `replay --kafka`: the records of a topic between two times through the same audit as file replay, into the same
 * consumers (result files, report, ClickHouse). Decoding is the daemon's (one record per message, or several
 * lines); nothing is committed to Kafka.
 */
import { randomBytes } from 'node:crypto';
import type { Options } from 'yargs';
import type { DeadLetterSink } from '../flows/dead-letter.js';
import { newDecodeStats } from '../flows/decode.js';
import type { DecodeReason, SkipReason } from '../flows/decode-result.js';
import type { DecoderOptions, FlowFormat } from '../flows/decoders/index.js';
import type { Auditor } from '../pipeline/audit.js';
import type { OutcomeConsumer, ReplayTally } from '../pipeline/replay-files.js';
import { CLICKHOUSE_FLAGS } from '../sinks/clickhouse/index.js';
import { KAFKA_FLAGS, kafkaClient, KafkaFlowDecoder, readTopicRange, type KafkaOptions, type TopicRange } from '../sources/kafka/index.js';
import { parseTimeArg } from './time-arg.js';

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
  const tally: ReplayTally = { decode: newDecodeStats(), flows: 0, verdicts: {}, classes: {}, mismatches: 0 };
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
    tally.flows += outcomes.length;
    for (const o of outcomes) {
      const v = o.current.verdict;
      tally.verdicts[v] = (tally.verdicts[v] ?? 0) + 1;
      if (o.cls !== undefined) tally.classes[o.cls] = (tally.classes[o.cls] ?? 0) + 1;
      if (o.mismatch) tally.mismatches++;
    }
    for (const c of consumers) await c.write(outcomes);
    onBatch(outcomes.length);
  }
  return tally;
}

/** The flags `replay` adds for Kafka input and ClickHouse output. */
export const REPLAY_KAFKA_OPTIONS = {
  kafka: { type: 'boolean', describe: 'Read the flows from a Kafka topic instead of --flows' },
  ...KAFKA_FLAGS,
  topic: { type: 'string', describe: 'With --kafka: the topic' },
  since: { type: 'string', describe: 'With --kafka: from this time (RFC 3339, or a duration back from now: 2h, 1h30m, 7d)' },
  until: { type: 'string', describe: 'With --kafka: up to this time, exclusive (default: the end of the topic when the replay starts)' },
  ...CLICKHOUSE_FLAGS,
  'run-id': { type: 'string', describe: 'With --clickhouse-url: run_id of the stored results (default: generated, printed)' },
} as const satisfies Record<string, Options>;

export interface ReplaySourceArgs {
  readonly flows?: readonly string[] | undefined;
  readonly kafka?: boolean | undefined;
  readonly topic?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly 'run-id'?: string | undefined;
  readonly 'clickhouse-url'?: string | undefined;
}

/** The cross-flag rules of replay's input and output; a message when they are broken. */
export function replaySourceProblem(a: ReplaySourceArgs): string | undefined {
  const files = a.flows !== undefined && a.flows.length > 0;
  if (files === (a.kafka === true)) return 'give either --flows or --kafka';
  if (a.kafka === true && a.topic === undefined) return '--kafka needs --topic';
  if (a.kafka !== true && (a.topic !== undefined || a.since !== undefined || a.until !== undefined)) {
    return '--topic, --since and --until apply to --kafka';
  }
  for (const name of ['since', 'until'] as const) {
    const text = a[name];
    if (text !== undefined && parseTimeArg(text) === undefined) return `--${name} ${text}: not an RFC 3339 time or a duration (2h, 30m)`;
  }
  if (a['run-id'] !== undefined && a['clickhouse-url'] === undefined) return '--run-id applies to --clickhouse-url';
  return undefined;
}

/** The time range of `--since` / `--until` (checked by replaySourceProblem). */
export function replayRange(a: ReplaySourceArgs, now: number = Date.now()): TopicRange {
  const since = a.since === undefined ? undefined : parseTimeArg(a.since, now);
  const until = a.until === undefined ? undefined : parseTimeArg(a.until, now);
  return { topic: a.topic ?? '', ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
}

/** A run id for a replay stored without one: sortable by start time, unique. */
export function generatedRunId(now: Date = new Date()): string {
  return `replay:${now.toISOString()}:${randomBytes(3).toString('hex')}`;
}
