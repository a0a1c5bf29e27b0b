import { describe, expect, it } from 'vitest';
import type { ClickHouseConnection } from '../../src/sinks/clickhouse/connection.js';
import { ClickHouseSinkError } from '../../src/sinks/clickhouse/sink-error.js';
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, RESULT_COLUMNS } from '../../src/sinks/clickhouse/schema.js';

const V2_ALTER =
  "ALTER TABLE `fa`.`results` ADD COLUMN `count` UInt32 DEFAULT 1, ADD COLUMN `src_endpoint` String DEFAULT '', " +
  "ADD COLUMN `dst_endpoint` String DEFAULT ''";
const ADDED = ['count', 'src_endpoint', 'dst_endpoint'];
const V3_ADDED = ['rule_id', 'proposed_rule_id'];
const V3_ALTER = 'ALTER TABLE `fa`.`results` ADD COLUMN `rule_id` UInt64 DEFAULT 0, ADD COLUMN `proposed_rule_id` UInt64 DEFAULT 0';
const V4_ADDED = ['observed_rule', 'observed_rule_mismatch'];
const V4_ALTER = "ALTER TABLE `fa`.`results` ADD COLUMN `observed_rule` String DEFAULT '', ADD COLUMN `observed_rule_mismatch` Nullable(UInt8) DEFAULT NULL";
const RULES_CREATE = 'CREATE TABLE IF NOT EXISTS `fa`.`rules` ( rule_id UInt64, rule String ) ENGINE = ReplacingMergeTree() ORDER BY rule_id';
const V1_NAMES = RESULT_COLUMNS.map(([name]) => name).filter((name) => ![...ADDED, ...V3_ADDED, ...V4_ADDED].includes(name));
const ALL = [...V1_NAMES, ...ADDED, ...V3_ADDED, ...V4_ADDED];

/** A database with these results columns and, unless told, no rules table. */
const existing = (columns: readonly string[], tables: readonly string[] = []) => ({ resultColumns: new Set(columns), tables: new Set(tables) });
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

function migration(version: number) {
  const m = MIGRATIONS.find((candidate) => candidate.version === version);
  if (m === undefined) throw new Error(`no migration ${version}`);
  return m;
}

describe('migration SQL', () => {
  it('keeps migration 1 as released: the version 1 columns only', () => {
    const [create] = migration(1).statements('fa', existing([]));
    const columns = [...create!.matchAll(/^\s+`([a-z_]+)` /gm)].map((m) => m[1]);
    expect(columns).toEqual(V1_NAMES);
    expect(create).toMatch(/^CREATE TABLE IF NOT EXISTS `fa`\.`results`/);
  });

  it.each([
    ['a version 1 table', V1_NAMES, [V2_ALTER]],
    [
      'a table whose migration stopped after `count`',
      [...V1_NAMES, 'count'],
      ["ALTER TABLE `fa`.`results` ADD COLUMN `src_endpoint` String DEFAULT '', ADD COLUMN `dst_endpoint` String DEFAULT ''"],
    ],
    ['a table with every column', [...V1_NAMES, ...ADDED], []],
  ])('migration 2 on %s adds exactly the missing columns, with the defaults old rows read', (_what, columns, statements) => {
    expect(migration(2).statements('fa', existing(columns))).toEqual(statements);
  });

  it.each([
    ['a version 2 database', [...V1_NAMES, ...ADDED], [], [RULES_CREATE, V3_ALTER]],
    ['a database whose migration stopped after the rules table', [...V1_NAMES, ...ADDED], ['results', 'rules'], [V3_ALTER]],
    [
      'a database whose migration stopped after `rule_id`',
      [...V1_NAMES, ...ADDED, 'rule_id'],
      ['results', 'rules'],
      ['ALTER TABLE `fa`.`results` ADD COLUMN `proposed_rule_id` UInt64 DEFAULT 0'],
    ],
    ['a database with everything', [...V1_NAMES, ...ADDED, ...V3_ADDED], ['results', 'rules'], []],
  ])('migration 3 on %s makes exactly what is missing', (_what, columns, tables, statements) => {
    expect(migration(3).statements('fa', existing(columns, tables)).map(oneLine)).toEqual(statements);
  });

  it.each([
    ['a version 3 database', [...V1_NAMES, ...ADDED, ...V3_ADDED], [V4_ALTER]],
    [
      'a database whose migration stopped after `observed_rule`',
      [...V1_NAMES, ...ADDED, ...V3_ADDED, 'observed_rule'],
      ['ALTER TABLE `fa`.`results` ADD COLUMN `observed_rule_mismatch` Nullable(UInt8) DEFAULT NULL'],
    ],
    ['a database with everything', ALL, []],
  ])('migration 4 on %s adds exactly the missing columns, NULL (not compared) for the rows stored before', (_what, columns, statements) => {
    expect(migration(4).statements('fa', existing(columns, ['results', 'rules']))).toEqual(statements);
  });

  it('creates, over all migrations, exactly the columns rows are inserted with', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect(LATEST_SCHEMA_VERSION).toBe(4);
    const created = [...migration(1).statements('fa', existing([]))[0]!.matchAll(/^\s+`([a-z_]+)` /gm)].map((m) => m[1]!);
    const added = [...migration(2).statements('fa', existing(created))[0]!.matchAll(/ADD COLUMN `([a-z_]+)`/g)].map((m) => m[1]!);
    const v3 = migration(3).statements('fa', existing([...created, ...added]));
    const addedBy3 = [...v3.at(-1)!.matchAll(/ADD COLUMN `([a-z_]+)`/g)].map((m) => m[1]!);
    const v4 = migration(4).statements('fa', existing([...created, ...added, ...addedBy3], ['results', 'rules']));
    const addedBy4 = [...v4.at(-1)!.matchAll(/ADD COLUMN `([a-z_]+)`/g)].map((m) => m[1]!);
    expect([...created, ...added, ...addedBy3, ...addedBy4]).toEqual(RESULT_COLUMNS.map(([name]) => name));
  });
});

/** A server that knows a schema version, its tables and the results table's columns, and records the statements it runs. */
class FakeServer {
  readonly statements: string[] = [];
  /** 'race': another replica makes migration 2's changes just before ours, which the server then refuses. */
  failAlter: 'race' | 'error' | undefined;
  readonly tables = new Set<string>();
  constructor(
    public version: number,
    public columns: string[],
  ) {
    if (columns.length > 0) this.tables.add('results');
    if (columns.includes('rule_id')) this.tables.add('rules');
  }

  connection(): ClickHouseConnection {
    return {
      database: 'fa',
      command: async (sql: string) => {
        const added = [...sql.matchAll(/ADD COLUMN `([a-z_]+)`/g)].map((m) => m[1]!);
        if (sql.startsWith('ALTER TABLE') && this.failAlter !== undefined && added.includes('count')) {
          if (this.failAlter === 'race') this.columns.push(...ADDED);
          throw new ClickHouseSinkError('migrate', 'Code: 44, e.displayText() = DB::Exception: Cannot add column', false, '44');
        }
        this.statements.push(oneLine(sql));
        if (sql.startsWith('CREATE TABLE IF NOT EXISTS `fa`.`results`') && this.columns.length === 0) {
          this.columns.push(...V1_NAMES);
          this.tables.add('results');
        }
        if (sql.startsWith('CREATE TABLE IF NOT EXISTS `fa`.`rules`')) this.tables.add('rules');
        this.columns.push(...added);
        const recorded = /^INSERT INTO `fa`\.`schema_version` \(version, description\) VALUES \((\d+),/.exec(sql);
        if (recorded) this.version = Number(recorded[1]);
      },
      rows: async (sql: string) => {
        if (sql.includes('max(version)')) return [{ version: this.version }];
        if (sql.includes('system.columns')) return this.columns.map((name) => ({ name }));
        if (sql.includes('system.tables')) return [...this.tables].map((name) => ({ name }));
        throw new Error(`unexpected query ${sql}`);
      },
    } as unknown as ClickHouseConnection;
  }

  /** What migrate changed: the statements after the two idempotent CREATEs of database and version table. */
  changes(): string[] {
    return this.statements.filter((s) => !s.startsWith('CREATE DATABASE') && !s.includes('`schema_version` ( version'));
  }
}

const recordVersion = (v: number) => expect.stringMatching(new RegExp(`^INSERT INTO \`fa\`\\.\`schema_version\` .* VALUES \\(${v},`));

describe('migrate', () => {
  it('creates a new database at version 1, then upgrades it to 2 with one ALTER, to 3 with the rules table and one ALTER, and to 4 with one ALTER', async () => {
    const server = new FakeServer(0, []);
    expect(await migrate(server.connection(), { toVersion: 1 })).toMatchObject({ fromVersion: 0, toVersion: 1 });
    expect(await migrate(server.connection(), { toVersion: 2 })).toMatchObject({ fromVersion: 1, toVersion: 2 });
    expect(await migrate(server.connection())).toMatchObject({ fromVersion: 2, toVersion: 4 });
    const changes = server.changes();
    expect(changes[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `fa`\.`results`/);
    expect(changes.slice(1)).toEqual([
      recordVersion(1), V2_ALTER, recordVersion(2), RULES_CREATE, V3_ALTER, recordVersion(3), V4_ALTER, recordVersion(4),
    ]);
    expect(server.columns).toEqual(RESULT_COLUMNS.map(([name]) => name));
  });

  it('does nothing on a database at the latest version', async () => {
    const server = new FakeServer(4, ALL);
    expect(await migrate(server.connection())).toMatchObject({ fromVersion: 4, toVersion: 4 });
    expect(server.changes()).toEqual([]);
  });

  it('finishes a migration 2 that stopped before recording its version, adding only what is missing', async () => {
    const server = new FakeServer(1, [...V1_NAMES, 'count']);
    await migrate(server.connection(), { toVersion: 2 });
    expect(server.changes()).toEqual([
      "ALTER TABLE `fa`.`results` ADD COLUMN `src_endpoint` String DEFAULT '', ADD COLUMN `dst_endpoint` String DEFAULT ''",
      recordVersion(2),
    ]);
  });

  it('accepts an ALTER refused because another replica added the columns first, and fails one that left them missing', async () => {
    const raced = new FakeServer(1, [...V1_NAMES]);
    raced.failAlter = 'race';
    expect(await migrate(raced.connection())).toMatchObject({ toVersion: 4 });
    expect(raced.changes()).toEqual([recordVersion(2), RULES_CREATE, V3_ALTER, recordVersion(3), V4_ALTER, recordVersion(4)]);

    const failed = new FakeServer(1, [...V1_NAMES]);
    failed.failAlter = 'error';
    await expect(migrate(failed.connection())).rejects.toThrow(/Cannot add column/);
    expect(failed.version).toBe(1);
  });

  it('refuses a database newer than it knows, and a target version it does not have', async () => {
    await expect(migrate(new FakeServer(5, []).connection())).rejects.toThrow(/schema version 5, newer than this flowaudit knows \(4\)/);
    await expect(migrate(new FakeServer(0, []).connection(), { toVersion: 5 })).rejects.toThrow(RangeError);
  });
});
