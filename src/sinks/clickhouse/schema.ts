/**
 * flowaudit's tables and how they are created. Every statement is idempotent (IF NOT EXISTS), and the versions
 * applied are recorded in `schema_version`, so `migrate` may run at every start of every replica.
 *
 * Redelivery: Kafka delivers at least once and a MergeTree without replication keeps a block sent twice twice
 * (18.16 has no insert de-duplication there). The results table is a ReplacingMergeTree ordered by
 * (run_id, source), the coordinates of the input record, so merges keep one row per record, and report queries
 * read it with FINAL, which collapses copies not merged yet. A rollup table fed by a materialized view would
 * count a redelivered block again (the view sees every insert), so there is none: reports read this table,
 * whose daily partitions and (run_id, ...) key keep them fast (docs/services.md has the measurements). Rule
 * texts live once each in the rules table, rows name them by id (rule-ids.ts); a redelivered text is one row once
 * merged, and readers take any one of its copies.
 */
import type { FinalVerdict } from '../../engine/verdict.js';
import type { ChangeClass, ResultRow } from '../../pipeline/result.js';
import type { ClickHouseConnection } from './connection.js';
import { ClickHouseSinkError } from './sink-error.js';
import { dropPartitionsOlderThan } from './retention.js';
import { sqlIdentifier, sqlString } from './sql.js';
import { qualified, RESULTS_TABLE, RULES_TABLE, SCHEMA_VERSION_TABLE } from './tables.js';

const VERDICTS = ['allow', 'deny', 'unknown'] as const satisfies readonly FinalVerdict[];
const CLASSES = ['unchanged-allow', 'unchanged-deny', 'would-block', 'would-allow', 'unknown'] as const satisfies readonly ChangeClass[];
/** `true` only when `Listed` covers every member of `Union`. */
export type Covers<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : false;
// A verdict or class added upstream must get a member in the Enum8 columns below: these stop the build until then.
true satisfies Covers<FinalVerdict, (typeof VERDICTS)[number]>;
true satisfies Covers<ChangeClass, (typeof CLASSES)[number]>;

/** Enum8 over `values` numbered from 1; 0 is '' where the column may be empty. */
function enum8(values: readonly string[], withEmpty: boolean): string {
  const members = values.map((value, i) => `${sqlString(value)} = ${i + 1}`);
  return `Enum8(${[...(withEmpty ? ["'' = 0"] : []), ...members].join(', ')})`;
}

/**
 * The results table's columns: ResultRow's fields, with `time` stored as DateTime seconds plus `time_ms`, and the
 * rule texts as ids into the rules table (rule-ids.ts) from schema 3.
 */
export type ResultColumn = keyof ResultRow | 'time_ms' | 'rule_id' | 'proposed_rule_id';
type Column = readonly [name: ResultColumn, type: string];
/** A column added to an existing table, with the value that rows stored before it read back. */
type AddedColumn = readonly [name: ResultColumn, type: string, defaultValue: string];

/**
 * Schema version 1's columns, as migration 1 created them: ResultRow's fields, except that `time` (epoch ms) is
 * stored as DateTime seconds plus `time_ms` (18.16 has no DateTime64). `inserted_at` is filled by the server.
 * Frozen: a later field gets a column through a migration of its own.
 */
const V1_COLUMNS = [
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
] as const satisfies readonly Column[];

/** Added by migration 2, so that a stored report counts and names flows as a file report does. */
const V2_COLUMNS = [
  ['count', 'UInt32', '1'],
  ['src_endpoint', 'String', "''"],
  ['dst_endpoint', 'String', "''"],
] as const satisfies readonly AddedColumn[];

/**
 * Added by migration 3: the rule columns' texts by id (rule-ids.ts). Rows stored before read 0, and keep their
 * texts in `rule` and `proposed_rule`, which rows stored since leave empty.
 */
const V3_COLUMNS = [
  ['rule_id', 'UInt64', '0'],
  ['proposed_rule_id', 'UInt64', '0'],
] as const satisfies readonly AddedColumn[];

/**
 * Added by migration 4: the deciding rule a flow log names and whether the current view decided otherwise (NULL:
 * not compared), so that a report over stored rows shows rule drift as one over result files does.
 */
const V4_COLUMNS = [
  ['observed_rule', 'String', "''"],
  ['observed_rule_mismatch', 'Nullable(UInt8)', 'NULL'],
] as const satisfies readonly AddedColumn[];

/** The results table's columns in the table's order (rows.ts writes them in an order of its own, ROW_COLUMNS). */
export const RESULT_COLUMNS = [...V1_COLUMNS, ...V2_COLUMNS, ...V3_COLUMNS, ...V4_COLUMNS] as const satisfies readonly (Column | AddedColumn)[];
// A field added to ResultRow needs a column here (and in rows.ts, whose ROW_COLUMNS must list the same columns).
true satisfies Covers<keyof ResultRow, (typeof RESULT_COLUMNS)[number][0]>;

/** The value rows stored before a column was added read in it (SQL), for the columns migrations add. */
export function addedColumnDefault(name: ResultColumn): string | undefined {
  const column: Column | AddedColumn | undefined = RESULT_COLUMNS.find(([n]) => n === name);
  return column?.[2];
}

/** Columns rows stored before schema 3 filled and rows stored since leave empty (their texts are in the rules table). */
export const RULE_TEXT_COLUMNS = ['rule', 'proposed_rule'] as const satisfies readonly ResultColumn[];

/** What a database has when a migration is planned. */
export interface ExistingSchema {
  /** The results table's columns (none before migration 1). */
  readonly resultColumns: ReadonlySet<string>;
  /** The tables of flowaudit's database. */
  readonly tables: ReadonlySet<string>;
}

export interface Migration {
  readonly version: number;
  readonly description: string;
  /**
   * The statements still to run, given the database as it is: 18.16 has no ADD COLUMN IF NOT EXISTS, so a
   * migration interrupted half way is finished by adding only what is missing.
   */
  readonly statements: (database: string, existing: ExistingSchema) => readonly string[];
}

/** Append only: a released migration never changes; a new one gets the next number. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'results table, one row per input record, keyed by (run_id, source)',
    statements: (database) => [
      `CREATE TABLE IF NOT EXISTS ${qualified(database, RESULTS_TABLE)} (
        ${V1_COLUMNS.map(([name, type]) => `${sqlIdentifier(name)} ${type}`).join(',\n        ')},
        inserted_at DateTime DEFAULT now()
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toDate(time)
      ORDER BY (run_id, source)`,
    ],
  },
  {
    version: 2,
    description: 'count, src_endpoint and dst_endpoint: connections per record and the inventory keys of the sides',
    statements: (database, existing) => addMissingColumns(database, V2_COLUMNS, existing.resultColumns),
  },
  {
    version: 3,
    description: 'rules table and rule_id, proposed_rule_id: rows carry 8-byte ids instead of the rule texts',
    statements: (database, existing) => [
      ...(existing.tables.has(RULES_TABLE)
        ? []
        : [
            `CREATE TABLE IF NOT EXISTS ${qualified(database, RULES_TABLE)} (
        rule_id UInt64,
        rule String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY rule_id`,
          ]),
      ...addMissingColumns(database, V3_COLUMNS, existing.resultColumns),
    ],
  },
  {
    version: 4,
    description: 'observed_rule, observed_rule_mismatch: the deciding rule a flow log names, compared with the current view',
    statements: (database, existing) => addMissingColumns(database, V4_COLUMNS, existing.resultColumns),
  },
];

/**
 * One ALTER adding the columns not there yet (none when all are). Rows stored before read a column's DEFAULT, and
 * an older flowaudit that names its columns in its INSERT keeps working against the new table.
 */
function addMissingColumns(database: string, columns: readonly AddedColumn[], existing: ReadonlySet<string>): string[] {
  const missing = columns.filter(([name]) => !existing.has(name));
  if (missing.length === 0) return [];
  const clauses = missing.map(([name, type, value]) => `ADD COLUMN ${sqlIdentifier(name)} ${type} DEFAULT ${value}`);
  return [`ALTER TABLE ${qualified(database, RESULTS_TABLE)} ${clauses.join(', ')}`];
}

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export interface MigrateOptions {
  /** When set, partitions older than this many days are dropped after migrating (18.16 has no TTL). */
  readonly retentionDays?: number;
  /** "Now" for the retention cut-off; tests pin it. */
  readonly now?: Date;
  /** The schema version to migrate up to (default: the latest); tests build an older database with it. */
  readonly toVersion?: number;
}

export interface MigrateReport {
  readonly fromVersion: number;
  readonly toVersion: number;
  /** Partition ids (YYYYMMDD) dropped by retention. */
  readonly droppedPartitions: readonly string[];
}

/** Creates the database and tables of `connection.database` as needed and records the schema version. */
export async function migrate(connection: ClickHouseConnection, options: MigrateOptions = {}): Promise<MigrateReport> {
  const toVersion = options.toVersion ?? LATEST_SCHEMA_VERSION;
  if (!Number.isInteger(toVersion) || toVersion < 1 || toVersion > LATEST_SCHEMA_VERSION) {
    throw new RangeError(`schema version must be from 1 to ${LATEST_SCHEMA_VERSION}, got ${toVersion}`);
  }
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
    if (migration.version <= fromVersion || migration.version > toVersion) continue;
    try {
      for (const statement of migration.statements(database, await existingSchema(connection))) {
        await connection.command(statement, 'migrate');
      }
    } catch (error) {
      // Another replica starting at the same moment may have made the changes first: then nothing is left to do.
      if (migration.statements(database, await existingSchema(connection)).length > 0) throw error;
    }
    await connection.command(
      `INSERT INTO ${versions} (version, description) VALUES (${migration.version}, ${sqlString(migration.description)})`,
      'migrate',
    );
  }
  const droppedPartitions =
    options.retentionDays === undefined
      ? []
      : await dropPartitionsOlderThan(connection, options.retentionDays, options.now);
  return { fromVersion, toVersion: Math.max(fromVersion, toVersion), droppedPartitions };
}

/** The tables of flowaudit's database and the results table's columns, as they are now. */
/** What the database has now. */
export async function existingSchema(connection: ClickHouseConnection): Promise<ExistingSchema> {
  const columns = await connection.rows<{ name: string }>(
    `SELECT name FROM system.columns
     WHERE database = ${sqlString(connection.database)} AND table = ${sqlString(RESULTS_TABLE)}`,
    'migrate',
  );
  const tables = await connection.rows<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = ${sqlString(connection.database)}`,
    'migrate',
  );
  return { resultColumns: new Set(columns.map((r) => r.name)), tables: new Set(tables.map((r) => r.name)) };
}
