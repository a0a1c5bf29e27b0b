/** Outcomes of a replay into the results table, one INSERT per batch, under one run id. */
import type { Outcome } from '../../pipeline/outcome.js';
import type { RunStamp } from '../../pipeline/result-row.js';
import { connectClickHouse } from './connection.js';
import { insertOutcomes } from './insert.js';
import type { ClickHouseOptions } from './options.js';
import { migrate } from './schema.js';

export interface ClickHouseOutcomeSink {
  write(batch: readonly Outcome[]): Promise<void>;
  close(): Promise<void>;
}

/** Connects and migrates (idempotent); a failed insert fails the replay, which can be run again under the same id. */
export async function openClickHouseOutcomes(options: ClickHouseOptions, stamp: RunStamp): Promise<ClickHouseOutcomeSink> {
  const connection = await connectClickHouse(options);
  try {
    await migrate(connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return {
    write: (batch) => insertOutcomes(connection, batch, stamp),
    close: () => connection.close(),
  };
}
