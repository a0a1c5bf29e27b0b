/**
 * flowaudit's tables and how they are created. Every statement is idempotent (IF NOT EXISTS), and the versions
 * applied are recorded in `schema_version`, so `migrate` may run at every start of every replica.
 *
 * Redelivery: Kafka delivers at least once and a MergeTree without replication keeps a block sent twice twice
 * (18.16 has no insert de-duplication there). The results table is a ReplacingMergeTree ordered by
 * (run_id, source), the coordinates of the input record, so merges keep one row per record, and report queries
 * read it with FINAL, which collapses copies not merged yet. A rollup table fed by a materialized view would
 * count a redelivered block again (the view sees every insert), so there is none: reports read this table,
 * whose daily partitions and (run_id, ...) key keep them fast (docs/services.md has the measurements).
 */
import type { FinalVerdict } from '../../engine/verdict.js';
import type { ChangeClass, ResultRow } from '../../pipeline/result.js';
import type { ClickHouseConnection } from './connection.js';
import { ClickHouseSinkError } from './errors.js';
import { dropPartitionsOlderThan } from './retention.js';
import { sqlIdentifier, sqlString } from './sql.js';
import { qualified, RESULTS_TABLE, SCHEMA_VERSION_TABLE } from './tables.js';

const VERDICTS = ['allow', 'deny', 'unknown'] as const satisfies readonly FinalVerdict[];
const CLASSES = ['unchanged-allow', 'unchanged-deny', 'would-block', 'would-allow', 'unknown'] as const satisfies readonly ChangeClass[];
/** `true` only when `Listed` covers every member of `Union`. */
type Covers<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : false;
// A verdict or class added upstream must get a member in the Enum8 columns below: these stop the build until then.
true satisfies Covers<FinalVerdict, (typeof VERDICTS)[number]>;
true satisfies Covers<ChangeClass, (typeof CLASSES)[number]>;

/** Enum8 over `values` numbered from 1; 0 is '' where the column may be empty. */
function enum8(values: readonly string[], withEmpty: boolean): string {
  const members = values.map((value, i) => `${sqlString(value)} = ${i + 1}`);
  return `Enum8(${[...(withEmpty ? ["'' = 0"] : []), ...members].join(', ')})`;
}

/**
 * The results table's columns in insert order: ResultRow's fields, except that `time` (epoch ms) is stored as
 * DateTime seconds plus `time_ms` (18.16 has no DateTime64). `inserted_at` is filled by the server.
 */
export const RESULT_COLUMNS = [
  ['run_id', 'String'],
  ['source', 'String'],
  ['time', 'DateTime'],
  ['time_ms', 'UInt16'],
  ['src_ip', 'String'],
  ['src_port', 'Nullable(UInt16)'],
  ['dst_ip', 'String'],
  ['dst_port', 'Nullable(UInt16)'],
  ['proto', 'UInt8'],
  ['src_namespace', 'String'],
  ['src_name', 'String'],
  ['dst_namespace', 'String'],
  ['dst_name', 'String'],
  ['observed_action', enum8(['allow', 'deny'], true)],
  ['verdict', enum8(VERDICTS, false)],
  ['reason', 'String'],
  ['rule', 'String'],
  ['proposed_verdict', enum8(VERDICTS, true)],
  ['proposed_rule', 'String'],
  ['class', enum8(CLASSES, true)],
  ['observed_mismatch', 'UInt8'],
  ['policy_version', 'String'],
  ['bytes', 'UInt64'],
  ['packets', 'UInt64'],
] as const satisfies readonly (readonly [keyof ResultRow | 'time_ms', string])[];
// A field added to ResultRow needs a column here (and in rows.ts, whose test checks the two agree).
true satisfies Covers<keyof ResultRow, (typeof RESULT_COLUMNS)[number][0]>;

interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: (database: string) => readonly string[];
}

/** Append only: a released migration never changes; a new one gets the next number. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'results table, one row per input record, keyed by (run_id, source)',
    statements: (database) => [
      `CREATE TABLE IF NOT EXISTS ${qualified(database, RESULTS_TABLE)} (
        ${RESULT_COLUMNS.map(([name, type]) => `${sqlIdentifier(name)} ${type}`).join(',\n        ')},
        inserted_at DateTime DEFAULT now()
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toDate(time)
      ORDER BY (run_id, source)`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export interface MigrateOptions {
  /** When set, partitions older than this many days are dropped after migrating (18.16 has no TTL). */
  readonly retentionDays?: number;
  /** "Now" for the retention cut-off; tests pin it. */
  readonly now?: Date;
}

export interface MigrateReport {
  readonly fromVersion: number;
  readonly toVersion: number;
  /** Partition ids (YYYYMMDD) dropped by retention. */
  readonly droppedPartitions: readonly string[];
}

/** Creates the database and tables of `connection.database` as needed and records the schema version. */
export async function migrate(connection: ClickHouseConnection, options: MigrateOptions = {}): Promise<MigrateReport> {
  const database = connection.database;
  await connection.command(`CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(database)}`, 'migrate');
  const versions = qualified(database, SCHEMA_VERSION_TABLE);
  await connection.command(
    `CREATE TABLE IF NOT EXISTS ${versions} (
      version UInt32,
      description String,
      applied_at DateTime DEFAULT now()
    ) ENGINE = MergeTree() ORDER BY version`,
    'migrate',
  );
  const [row] = await connection.rows<{ version: number }>(`SELECT max(version) AS version FROM ${versions}`, 'migrate');
  const fromVersion = Number(row?.version ?? 0);
  if (fromVersion > LATEST_SCHEMA_VERSION) {
    throw new ClickHouseSinkError(
      'migrate',
      `database ${database} has schema version ${fromVersion}, newer than this flowaudit knows (${LATEST_SCHEMA_VERSION}): upgrade flowaudit`,
      false,
      '',
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= fromVersion) continue;
    for (const statement of migration.statements(database)) await connection.command(statement, 'migrate');
    await connection.command(
      `INSERT INTO ${versions} (version, description) VALUES (${migration.version}, ${sqlString(migration.description)})`,
      'migrate',
    );
  }
  const droppedPartitions =
    options.retentionDays === undefined
      ? []
      : await dropPartitionsOlderThan(connection, options.retentionDays, options.now);
  return { fromVersion, toVersion: LATEST_SCHEMA_VERSION, droppedPartitions };
}
