/**
 * Counting queries over stored results. Each reads the results table with FINAL, so a record delivered twice
 * (same run_id and source) counts once whether or not ClickHouse has merged the copies yet.
 */
import type { FinalVerdict } from '../../engine/verdict.js';
import type { ChangeClass, ResultRow } from '../../pipeline/result.js';
import type { ClickHouseConnection } from './connection.js';
import { addedColumnDefault, existingSchema, RESULT_COLUMNS, type ResultColumn } from './schema.js';
import { sqlIdentifier, sqlString } from './sql.js';
import { ClickHouseSinkError } from './sink-error.js';
import { loadRuleTexts, type RuleTexts } from './rule-ids.js';
import { qualified, RESULTS_TABLE, RULES_TABLE } from './tables.js';

export interface ResultCount {
  readonly verdict: FinalVerdict;
  readonly class: ChangeClass | '';
  readonly flows: number;
  readonly bytes: number;
  readonly packets: number;
}

/**
 * Flows (the connections records stand for, `count`, as reports count them), bytes and packets of one run per
 * (verdict, class), each input record counted once.
 */
export async function countResults(connection: ClickHouseConnection, runId: string): Promise<ResultCount[]> {
  const rows = await connection.rows<{ verdict: FinalVerdict; class: ChangeClass | ''; flows: string; bytes: string; packets: string }>(
    `SELECT verdict, class, sum(\`count\`) AS flows, sum(bytes) AS bytes, sum(packets) AS packets
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

/** Which stored results a report reads: one run, a window of flow times, or both. */
export interface ResultFilter {
  readonly runId?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
}

/**
 * A stored row as the server returns it in JSONEachRow: 64-bit integers quoted, the time rebuilt in epoch ms under
 * another name (an alias named `time` would shadow the column in WHERE).
 */
type StoredRow = Omit<ResultRow, 'time' | 'bytes' | 'packets' | 'observed_mismatch' | 'observed_rule_mismatch'> & {
  readonly epoch_ms: string;
  readonly bytes: string;
  readonly packets: string;
  readonly observed_mismatch: number;
  readonly observed_rule_mismatch: number | null;
  readonly rule_key: string;
  readonly proposed_rule_key: string;
};

/**
 * The stored results that match `filter`, each input record once (FINAL), in blocks as the server sends them,
 * with their rule texts. Rows come in no particular order. A table that an older flowaudit made and nothing has
 * migrated since is read as migrating it would leave it: a report reads, it does not ALTER.
 */
export async function* streamResults(connection: ClickHouseConnection, filter: ResultFilter): AsyncGenerator<ResultRow[]> {
  const rules = new RuleNames(connection);
  const present = (await existingSchema(connection)).resultColumns;
  /** The value migrating would give a column the table does not have yet; undefined for a column it has. */
  const missing = (name: ResultColumn): string | undefined => (present.size > 0 && !present.has(name) ? addedColumnDefault(name) : undefined);
  const column = (name: ResultColumn): string => missing(name) ?? sqlIdentifier(name);
  const selected = (name: ResultColumn): string => {
    const value = missing(name);
    return value === undefined ? sqlIdentifier(name) : `${value} AS ${sqlIdentifier(name)}`;
  };
  const rebuilt: readonly string[] = ['time', 'time_ms', 'rule_id', 'proposed_rule_id'];
  const columns = RESULT_COLUMNS.map(([name]) => name).filter((name) => !rebuilt.includes(name));
  // Rule ids as text: current releases write 64-bit integers in JSON as numbers, which lose digits in a double.
  const sql = `SELECT ${columns.map(selected).join(', ')}, toUInt64(time) * 1000 + time_ms AS epoch_ms,
       toString(${column('rule_id')}) AS rule_key, toString(${column('proposed_rule_id')}) AS proposed_rule_key
     FROM ${qualified(connection.database, RESULTS_TABLE)} FINAL
     WHERE ${resultConditions(filter)}`;
  for await (const block of connection.streamRows<StoredRow>(sql, 'query')) {
    await rules.cover(block);
    yield block.map(({ epoch_ms, rule_key, proposed_rule_key, ...row }) => ({
      ...row,
      time: Number(epoch_ms),
      bytes: Number(row.bytes),
      packets: Number(row.packets),
      observed_mismatch: row.observed_mismatch === 1,
      observed_rule_mismatch: row.observed_rule_mismatch === null ? null : row.observed_rule_mismatch === 1,
      rule: rules.text(rule_key, row.rule, row.source),
      proposed_rule: rules.text(proposed_rule_key, row.proposed_rule, row.source),
    }));
  }
}

/** Rule texts by id for one report: the rules table read once, and again when a block names an id stored since. */
class RuleNames {
  private texts: RuleTexts = new Map();
  constructor(private readonly connection: ClickHouseConnection) {}

  /**
   * Reads the rules table (again) when a row of `block` names a rule not read yet; rows stored before schema 3
   * (id 0) name none, and their database may have no rules table.
   */
  async cover(block: readonly StoredRow[]): Promise<void> {
    const known = (id: string) => id === '0' || this.texts.has(id);
    if (block.every((r) => known(r.rule_key) && known(r.proposed_rule_key))) return;
    this.texts = await loadRuleTexts(this.connection);
  }

  /** A row's rule column: the text of `id`, or for a row stored before schema 3 (`id` 0) the text it holds. */
  text(id: string, stored: string, source: string): string {
    if (id === '0') return stored;
    const text = this.texts.get(id);
    if (text === undefined) {
      throw new ClickHouseSinkError('query', `result ${source} names rule ${id}, which the ${RULES_TABLE} table does not hold`, false, '');
    }
    return text;
  }
}

/** The WHERE clause of a filter: strings only through sqlString, numbers only as checked integers. */
export function resultConditions(filter: ResultFilter): string {
  const conditions: string[] = [];
  if (filter.runId !== undefined) conditions.push(`run_id = ${sqlString(filter.runId)}`);
  const ms = 'toUInt64(time) * 1000 + time_ms';
  if (filter.since !== undefined) {
    const since = epochMs(filter.since, 'since');
    // The DateTime condition lets the server skip whole daily partitions.
    conditions.push(`time >= toDateTime(${Math.floor(since / 1000)})`, `${ms} >= ${since}`);
  }
  if (filter.until !== undefined) {
    const until = epochMs(filter.until, 'until');
    conditions.push(`time <= toDateTime(${Math.floor(until / 1000)})`, `${ms} < ${until}`);
  }
  return conditions.length === 0 ? '1' : conditions.join(' AND ');
}

function epochMs(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be epoch milliseconds >= 0, got ${value}`);
  return value;
}
