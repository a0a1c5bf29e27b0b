/**
 * Rule columns by id: a result row stores the 64-bit id of each rule column's text (`rule_id`,
 * `proposed_rule_id`), and the `rules` table holds each text once. The two rule columns were half of a row's bytes
 * and about a third of the CPU ClickHouse spends storing it (docs/daemon.md "Measured"); a few thousand distinct
 * texts stand for millions of rows.
 *
 * An id is the first 8 bytes of the text's SHA-256, so every writer, in any process, gives a text the same id
 * without asking the server, and a text stored twice is one row once merged. 0 is no id: rows stored before
 * schema 3 carry their text in the old `rule` columns and 0 here.
 */
import { createHash } from 'node:crypto';
import type { ClickHouseConnection } from './connection.js';
import { sqlIdentifier } from './sql.js';
import { tsvString } from './tsv.js';
import { qualified, RULES_TABLE } from './tables.js';

/** The id of a rule column's text, as the decimal digits of an unsigned 64-bit integer (never "0"). */
export function ruleId(text: string): string {
  const id = createHash('sha256').update(text).digest().readBigUInt64LE(0);
  return id === 0n ? '1' : id.toString();
}

/** Rule texts by id. */
export type RuleTexts = ReadonlyMap<string, string>;

/**
 * Makes sure the `rules` table holds the texts of `lists` (one per body of an insert) before rows that name them
 * are inserted: texts this connection has stored already are not sent again. A failed insert stores nothing here,
 * so the texts are sent with the retry.
 */
export async function storeRuleTexts(connection: ClickHouseConnection, lists: readonly RuleTexts[]): Promise<void> {
  const stored = storedOn(connection);
  const missing = new Map<string, string>();
  for (const texts of lists) for (const [id, text] of texts) if (!stored.has(id)) missing.set(id, text);
  if (missing.size === 0) return;
  const body = [...missing].map(([id, text]) => `${id}\t${tsvString(text)}\n`).join('');
  await connection.insertText(qualified(connection.database, RULES_TABLE), RULE_COLUMNS, 'TabSeparated', [Buffer.from(body)]);
  for (const [id] of missing) stored.add(id);
}

/** Every text of the `rules` table by id (a report names the rules of the rows it reads). */
export async function loadRuleTexts(connection: ClickHouseConnection): Promise<RuleTexts> {
  const rows = await connection.rows<{ rule_id: string; rule: string }>(
    // Ids as text: current releases write 64-bit integers in JSON as numbers, which lose digits in a double.
    `SELECT toString(rule_id) AS rule_id, any(rule) AS rule FROM ${qualified(connection.database, RULES_TABLE)} GROUP BY rule_id`,
    'query',
  );
  return new Map(rows.map((r) => [r.rule_id, r.rule]));
}

const RULE_COLUMNS = ['rule_id', 'rule'].map(sqlIdentifier);

/** Ids whose text each connection has stored (a connection names one database). */
const storedIds = new WeakMap<ClickHouseConnection, Set<string>>();
function storedOn(connection: ClickHouseConnection): Set<string> {
  let ids = storedIds.get(connection);
  if (ids === undefined) storedIds.set(connection, (ids = new Set()));
  return ids;
}
