/** ClickHouse results sink: the only module that talks to ClickHouse (see connection.ts). */
export { connectClickHouse, type ClickHouseConnection } from './connection.js';
export { clickHouseOptions, CLICKHOUSE_DEFAULTS, type ClickHouseOptions, type ClickHouseSettingsInput, type ClickHouseTls } from './options.js';
export { ClickHouseSinkError, type ClickHouseOperation } from './sink-error.js';
export { migrate, LATEST_SCHEMA_VERSION, type MigrateOptions, type MigrateReport } from './schema.js';
export { insertOutcomes, insertRows } from './insert.js';
export { releaseRows, ResultRowsWriter, type EncodedRows, type RefusedRow } from './rows.js';
export { countResults, streamResults, type ResultCount, type ResultFilter } from './report.js';
export { dropPartitionsOlderThan } from './retention.js';
export { sqlIdentifier, sqlString } from './sql.js';
export type { ServerVersion } from './version.js';
export { CLICKHOUSE_FLAGS, clickHouseSettingsFromFlags, type ClickHouseFlagValues } from './flags.js';
export { openClickHouseOutcomes, type ClickHouseOutcomeSink } from './outcomes.js';
