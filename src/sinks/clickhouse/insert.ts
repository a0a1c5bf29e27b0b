import type { ResultRow } from '../../pipeline/result.js';
import type { ClickHouseConnection } from './connection.js';
import { encodeResultRows } from './rows.js';
import { RESULT_COLUMNS } from './schema.js';
import { sqlIdentifier } from './sql.js';
import { qualified, RESULTS_TABLE } from './tables.js';

const COLUMN_IDENTIFIERS = RESULT_COLUMNS.map(([name]) => sqlIdentifier(name));

/**
 * Inserts one batch of results as one INSERT (one HTTP request, one block, one part on the server: batches
 * should be thousands of rows, not a few). Throws `ClickHouseSinkError` with `retriable` set; re-sending a batch
 * after a retriable failure is safe because the results table collapses rows with the same (run_id, source).
 * A row whose numbers are out of range throws a `TypeError` before anything is sent.
 */
export async function insertResults(connection: ClickHouseConnection, rows: readonly ResultRow[]): Promise<void> {
  if (rows.length === 0) return;
  const chunks = encodeResultRows(rows);
  await connection.insertText(qualified(connection.database, RESULTS_TABLE), COLUMN_IDENTIFIERS, 'TabSeparated', chunks);
}
