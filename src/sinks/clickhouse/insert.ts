import type { Outcome } from '../../pipeline/outcome.js';
import type { RunStamp } from '../../pipeline/result-row.js';
import type { ClickHouseConnection } from './connection.js';
import { type EncodedRows, releaseRows, ResultRowsWriter, ROW_COLUMNS } from './rows.js';
import { storeRuleTexts } from './rule-ids.js';
import { sqlIdentifier } from './sql.js';
import { qualified, RESULTS_TABLE } from './tables.js';

const COLUMN_IDENTIFIERS = ROW_COLUMNS.map(sqlIdentifier);

/**
 * Inserts encoded rows (of one batch or several) as one INSERT: one HTTP request, one block, one part on the
 * server, which costs about 30 ms whatever its size, so inserts should be tens of thousands of rows, not a few.
 * The rule texts they name are stored first (only those this connection has not stored yet, rarely any), so a
 * stored row's rule always has its text.
 * Throws `ClickHouseSinkError` with `retriable` set; sending the same rows again after a retriable failure is safe
 * because the results table collapses rows with the same (run_id, source), and the rules table texts with the same id.
 */
export async function insertRows(connection: ClickHouseConnection, bodies: readonly EncodedRows[]): Promise<void> {
  const chunks = bodies.flatMap((b) => b.chunks);
  if (chunks.length === 0) return;
  await storeRuleTexts(connection, bodies.map((b) => b.rules));
  await connection.insertText(qualified(connection.database, RESULTS_TABLE), COLUMN_IDENTIFIERS, 'TabSeparated', chunks);
}

/**
 * Encodes and inserts the results of `outcomes` (replay into ClickHouse). An outcome whose row the table would
 * refuse throws a `TypeError` before anything is sent; the daemon, which cannot drop a batch for one bad row,
 * encodes itself and dead-letters those instead.
 */
export async function insertOutcomes(connection: ClickHouseConnection, outcomes: readonly Outcome[], stamp: RunStamp): Promise<void> {
  const writer = new ResultRowsWriter(stamp);
  const [refused] = writer.add(outcomes);
  const body = writer.finish();
  if (refused !== undefined) {
    releaseRows([body]);
    throw new TypeError(refused.message);
  }
  await insertRows(connection, [body]);
  releaseRows([body]);
}
