import { sqlIdentifier } from './sql.js';

/** flowaudit's tables inside its database (src/sinks/clickhouse/schema.ts creates them). */
export const RESULTS_TABLE = 'results';
export const SCHEMA_VERSION_TABLE = 'schema_version';
/** Rule column texts by id (rule-ids.ts), from schema 3. */
export const RULES_TABLE = 'rules';

/** `database`.`table`, both quoted. */
export function qualified(database: string, table: string): string {
  return `${sqlIdentifier(database)}.${sqlIdentifier(table)}`;
}
