/**
 * Retention by dropping whole daily partitions: 18.16 has no TTL, and a dropped partition frees its disk at once
 * without the merge that a TTL or DELETE would need. Rows whose flow had no time are in partition 1970-01-01 and
 * go with the first pass.
 */
import type { ClickHouseConnection } from './connection.js';
import { ClickHouseSinkError } from './sink-error.js';
import { qualified, RESULTS_TABLE } from './tables.js';
import { sqlString } from './sql.js';

const DAY_MS = 86_400_000;

/** Partition id of the day `days` before `now` (UTC), as `toDate(time)` partitions are named: YYYYMMDD. */
export function cutoffPartitionId(days: number, now: Date): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * Drops the results partitions of days strictly before `now - days` (UTC) and returns their ids. `days = 1`
 * keeps today and yesterday.
 */
export async function dropPartitionsOlderThan(
  connection: ClickHouseConnection,
  days: number,
  now: Date = new Date(),
): Promise<string[]> {
  if (!Number.isInteger(days) || days < 1) {
    throw new ClickHouseSinkError('drop-partitions', `retention must be a whole number of days >= 1, got ${days}`, false, '');
  }
  const cutoff = cutoffPartitionId(days, now);
  // system.parts.min_date/max_date stay 0000-00-00 under custom partitioning on 18.16: the id is what tells.
  const partitions = await connection.rows<{ partition_id: string }>(
    `SELECT DISTINCT partition_id FROM system.parts
     WHERE database = ${sqlString(connection.database)} AND table = ${sqlString(RESULTS_TABLE)} AND active
       AND partition_id < ${sqlString(cutoff)}
     ORDER BY partition_id`,
    'drop-partitions',
  );
  const table = qualified(connection.database, RESULTS_TABLE);
  const dropped: string[] = [];
  for (const { partition_id: id } of partitions) {
    await connection.command(`ALTER TABLE ${table} DROP PARTITION ID ${sqlString(id)}`, 'drop-partitions');
    dropped.push(id);
  }
  return dropped;
}
