/** `report --clickhouse-url`: which stored results to read (a run, a time window), from the command line. */
import type { Options } from 'yargs';
import { CLICKHOUSE_FLAGS } from '../sinks/clickhouse/flags.js';
import type { ResultFilter } from '../sinks/clickhouse/report.js';
import { parseTimeArg } from './time-arg.js';

export const STORED_REPORT_OPTIONS = {
  ...CLICKHOUSE_FLAGS,
  run: { type: 'string', describe: 'With --clickhouse-url: the run_id (daemon:<group> for a daemon, printed by replay)' },
  since: { type: 'string', describe: 'With --clickhouse-url: flows from this time (RFC 3339, or a duration back from now: 24h)' },
  until: { type: 'string', describe: 'With --clickhouse-url: flows before this time' },
} as const satisfies Record<string, Options>;

export interface StoredReportArgs {
  readonly results?: readonly string[] | undefined;
  readonly 'clickhouse-url'?: string | undefined;
  readonly run?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

export function storedReportProblem(a: StoredReportArgs): string | undefined {
  const files = a.results !== undefined && a.results.length > 0;
  const stored = a['clickhouse-url'] !== undefined;
  if (files === stored) return 'give either --results or --clickhouse-url';
  if (!stored && (a.run !== undefined || a.since !== undefined || a.until !== undefined)) return '--run, --since and --until apply to --clickhouse-url';
  if (stored && a.run === undefined && a.since === undefined) return '--clickhouse-url needs --run or --since (or both)';
  for (const name of ['since', 'until'] as const) {
    const text = a[name];
    if (text !== undefined && parseTimeArg(text) === undefined) return `--${name} ${text}: not an RFC 3339 time or a duration (24h, 30m)`;
  }
  return undefined;
}

/** The filter of checked arguments (storedReportProblem). */
export function storedResultFilter(a: StoredReportArgs, now: number = Date.now()): ResultFilter {
  const since = a.since === undefined ? undefined : parseTimeArg(a.since, now);
  const until = a.until === undefined ? undefined : parseTimeArg(a.until, now);
  return {
    ...(a.run !== undefined ? { runId: a.run } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}
