/**
 * The flags and checks of `replay`'s sources and run id: which input (files or a Kafka topic between two times)
 * and where results are stored. Apart from the Kafka reading itself (kafka-replay.ts), so that a replay of files
 * does not load the Kafka and ClickHouse clients.
 */
import { randomBytes } from 'node:crypto';
import type { Options } from 'yargs';
import { CLICKHOUSE_FLAGS } from '../sinks/clickhouse/flags.js';
import { KAFKA_FLAGS } from '../sources/kafka/flags.js';
import type { TopicRange } from '../sources/kafka/range.js';
import { parseTimeArg } from './time-arg.js';

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
