import type { ResultRow } from '../../pipeline/result.js';
import type { ClickHouseConnection } from './connection.js';
import { encodeResultRow, encodeResultRows } from './rows.js';
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

/**
 * The rows `insertResults` refuses (numbers out of range), by index, with the reason: a caller that cannot drop a
 * whole batch for one bad row (the daemon) sets them aside and inserts the rest.
 */
export function invalidResultRows(rows: readonly ResultRow[]): { index: number; message: string }[] {
  const invalid: { index: number; message: string }[] = [];
  rows.forEach((row, index) => {
    try {
      encodeResultRow(row);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      invalid.push({ index, message: error.message });
    }
  });
  return invalid;
}
