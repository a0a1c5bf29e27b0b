import { describe, expect, it } from 'vitest';
import type { ClickHouseConnection } from '../../src/sinks/clickhouse/connection.js';
import { ClickHouseSinkError } from '../../src/sinks/clickhouse/errors.js';
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, RESULT_COLUMNS } from '../../src/sinks/clickhouse/schema.js';

const V2_ALTER =
  "ALTER TABLE `fa`.`results` ADD COLUMN `count` UInt32 DEFAULT 1, ADD COLUMN `src_endpoint` String DEFAULT '', " +
  "ADD COLUMN `dst_endpoint` String DEFAULT ''";
const ADDED = ['count', 'src_endpoint', 'dst_endpoint'];
const V1_NAMES = RESULT_COLUMNS.map(([name]) => name).filter((name) => !ADDED.includes(name));

function migration(version: number) {
  const m = MIGRATIONS.find((candidate) => candidate.version === version);
  if (m === undefined) throw new Error(`no migration ${version}`);
  return m;
}

describe('migration SQL', () => {
  it('keeps migration 1 as released: the version 1 columns only', () => {
    const [create] = migration(1).statements('fa', new Set());
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
  ])('migration 2 on %s adds exactly the missing columns, with the defaults old rows read', (_what, existing, statements) => {
    expect(migration(2).statements('fa', new Set(existing))).toEqual(statements);
  });

  it('creates, over all migrations, exactly the columns rows are inserted with', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2]);
    expect(LATEST_SCHEMA_VERSION).toBe(2);
    const created = [...migration(1).statements('fa', new Set())[0]!.matchAll(/^\s+`([a-z_]+)` /gm)].map((m) => m[1]!);
    const added = [...migration(2).statements('fa', new Set(created))[0]!.matchAll(/ADD COLUMN `([a-z_]+)`/g)].map((m) => m[1]!);
    expect([...created, ...added]).toEqual(RESULT_COLUMNS.map(([name]) => name));
  });
});

/** A server that knows a schema version and the results table's columns, and records the statements it runs. */
class FakeServer {
  readonly statements: string[] = [];
  failAlter: 'race' | 'error' | undefined;
  constructor(
    public version: number,
    public columns: string[],
  ) {}

  connection(): ClickHouseConnection {
    return {
      database: 'fa',
      command: async (sql: string) => {
        if (sql.startsWith('ALTER TABLE') && this.failAlter !== undefined) {
          // 'race': another replica added the columns just before; the server refuses the duplicate.
          if (this.failAlter === 'race') this.columns.push(...ADDED);
          throw new ClickHouseSinkError('migrate', 'Code: 44, e.displayText() = DB::Exception: Cannot add column', false, '44');
        }
        this.statements.push(sql.replace(/\s+/g, ' ').trim());
        if (sql.startsWith('CREATE TABLE IF NOT EXISTS `fa`.`results`') && this.columns.length === 0) this.columns.push(...V1_NAMES);
        if (sql.startsWith('ALTER TABLE')) this.columns.push(...ADDED);
        const recorded = /^INSERT INTO `fa`\.`schema_version` \(version, description\) VALUES \((\d+),/.exec(sql);
        if (recorded) this.version = Number(recorded[1]);
      },
      rows: async (sql: string) => {
        if (sql.includes('max(version)')) return [{ version: this.version }];
        if (sql.includes('system.columns')) return this.columns.map((name) => ({ name }));
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
  it('creates a new database at version 1, then upgrades it to 2 with one ALTER', async () => {
    const server = new FakeServer(0, []);
    expect(await migrate(server.connection(), { toVersion: 1 })).toMatchObject({ fromVersion: 0, toVersion: 1 });
    expect(await migrate(server.connection())).toMatchObject({ fromVersion: 1, toVersion: 2 });
    const changes = server.changes();
    expect(changes).toHaveLength(4);
    expect(changes[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `fa`\.`results`/);
    expect(changes.slice(1)).toEqual([recordVersion(1), V2_ALTER, recordVersion(2)]);
  });

  it('does nothing on a database at the latest version', async () => {
    const server = new FakeServer(2, [...V1_NAMES, ...ADDED]);
    expect(await migrate(server.connection())).toMatchObject({ fromVersion: 2, toVersion: 2 });
    expect(server.changes()).toEqual([]);
  });

  it('finishes a migration 2 that stopped before recording its version, adding only what is missing', async () => {
    const server = new FakeServer(1, [...V1_NAMES, 'count']);
    await migrate(server.connection());
    expect(server.changes()).toEqual([
      "ALTER TABLE `fa`.`results` ADD COLUMN `src_endpoint` String DEFAULT '', ADD COLUMN `dst_endpoint` String DEFAULT ''",
      recordVersion(2),
    ]);
  });

  it('accepts an ALTER refused because another replica added the columns first, and fails one that left them missing', async () => {
    const raced = new FakeServer(1, [...V1_NAMES]);
    raced.failAlter = 'race';
    expect(await migrate(raced.connection())).toMatchObject({ toVersion: 2 });
    expect(raced.changes()).toEqual([recordVersion(2)]);

    const failed = new FakeServer(1, [...V1_NAMES]);
    failed.failAlter = 'error';
    await expect(migrate(failed.connection())).rejects.toThrow(/Cannot add column/);
    expect(failed.version).toBe(1);
  });

  it('refuses a database newer than it knows, and a target version it does not have', async () => {
    await expect(migrate(new FakeServer(3, []).connection())).rejects.toThrow(/schema version 3, newer than this flowaudit knows \(2\)/);
    await expect(migrate(new FakeServer(0, []).connection(), { toVersion: 3 })).rejects.toThrow(RangeError);
  });
});
