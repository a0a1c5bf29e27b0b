/**
 * The command-line flags that reach ClickHouse, as one table that every command using the sink spreads into its
 * yargs options; each flag has the name of its `FLOWAUDIT_CLICKHOUSE_*` variable (options.ts), which is read when
 * the flag is absent. Secrets only by file.
 */
import type { Options } from 'yargs';
import type { ClickHouseSettingsInput } from './options.js';

export const CLICKHOUSE_FLAGS = {
  'clickhouse-url': { type: 'string', describe: 'ClickHouse HTTP(S) URL, e.g. http://127.0.0.1:8123 (FLOWAUDIT_CLICKHOUSE_URL)' },
  'clickhouse-database': { type: 'string', describe: "Database of flowaudit's tables (default flowaudit)" },
  'clickhouse-user': { type: 'string', describe: 'ClickHouse user (default: default)' },
  'clickhouse-password-file': { type: 'string', describe: 'File holding the password (or FLOWAUDIT_CLICKHOUSE_PASSWORD)' },
  'clickhouse-ca-file': { type: 'string', describe: 'PEM CA bundle for an https URL' },
  'clickhouse-cert-file': { type: 'string', describe: 'Client certificate for mutual TLS' },
  'clickhouse-key-file': { type: 'string', describe: 'Client key for mutual TLS' },
  'clickhouse-timeout-ms': { type: 'number', describe: 'Per request (default 60000)' },
} as const satisfies Record<string, Options>;

export interface ClickHouseFlagValues {
  readonly 'clickhouse-url'?: string | undefined;
  readonly 'clickhouse-database'?: string | undefined;
  readonly 'clickhouse-user'?: string | undefined;
  readonly 'clickhouse-password-file'?: string | undefined;
  readonly 'clickhouse-ca-file'?: string | undefined;
  readonly 'clickhouse-cert-file'?: string | undefined;
  readonly 'clickhouse-key-file'?: string | undefined;
  readonly 'clickhouse-timeout-ms'?: number | undefined;
}

export function clickHouseSettingsFromFlags(a: ClickHouseFlagValues): ClickHouseSettingsInput {
  return {
    ...(a['clickhouse-url'] !== undefined ? { url: a['clickhouse-url'] } : {}),
    ...(a['clickhouse-database'] !== undefined ? { database: a['clickhouse-database'] } : {}),
    ...(a['clickhouse-user'] !== undefined ? { user: a['clickhouse-user'] } : {}),
    ...(a['clickhouse-password-file'] !== undefined ? { passwordFile: a['clickhouse-password-file'] } : {}),
    ...(a['clickhouse-ca-file'] !== undefined ? { caFile: a['clickhouse-ca-file'] } : {}),
    ...(a['clickhouse-cert-file'] !== undefined ? { certFile: a['clickhouse-cert-file'] } : {}),
    ...(a['clickhouse-key-file'] !== undefined ? { keyFile: a['clickhouse-key-file'] } : {}),
    ...(a['clickhouse-timeout-ms'] !== undefined ? { requestTimeoutMs: a['clickhouse-timeout-ms'] } : {}),
  };
}
