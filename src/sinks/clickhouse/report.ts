/**
 * Counting queries over stored results. Each reads the results table with FINAL, so a record delivered twice
 * (same run_id and source) counts once whether or not ClickHouse has merged the copies yet.
 */
import type { FinalVerdict } from '../../engine/verdict.js';
import type { ChangeClass } from '../../pipeline/result.js';
import type { ClickHouseConnection } from './connection.js';
import { sqlString } from './sql.js';
import { qualified, RESULTS_TABLE } from './tables.js';

export interface ResultCount {
  readonly verdict: FinalVerdict;
  readonly class: ChangeClass | '';
  readonly flows: number;
  readonly bytes: number;
  readonly packets: number;
}

/** Flows, bytes and packets of one run per (verdict, class), each input record counted once. */
export async function countResults(connection: ClickHouseConnection, runId: string): Promise<ResultCount[]> {
  const rows = await connection.rows<{ verdict: FinalVerdict; class: ChangeClass | ''; flows: string; bytes: string; packets: string }>(
    `SELECT verdict, class, count() AS flows, sum(bytes) AS bytes, sum(packets) AS packets
     FROM ${qualified(connection.database, RESULTS_TABLE)} FINAL
     WHERE run_id = ${sqlString(runId)}
     GROUP BY verdict, class
     ORDER BY verdict, class`,
    'query',
  );
  // JSONEachRow quotes 64-bit integers; counts of one run stay far below 2^53.
  return rows.map((row) => ({
    verdict: row.verdict,
    class: row.class,
    flows: Number(row.flows),
    bytes: Number(row.bytes),
    packets: Number(row.packets),
  }));
}
