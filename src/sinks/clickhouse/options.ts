/**
 * How flowaudit reaches ClickHouse. Secrets come from the environment or from files (a Kubernetes Secret mounted
 * as a volume), never from the command line, where every user of the machine can read them in `ps`.
 */
import { readFileSync } from 'node:fs';

export interface ClickHouseTls {
  /** PEM CA bundle that signed the server's certificate. */
  readonly ca: Buffer;
  /** Client certificate and key for mutual TLS: both or neither. */
  readonly client?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface ClickHouseOptions {
  /** HTTP(S) endpoint, e.g. `http://127.0.0.1:8123`. */
  readonly url: string;
  /** Database holding flowaudit's tables (created by `migrate`). */
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly tls?: ClickHouseTls;
  /** Per request; an insert of one batch must finish within it. */
  readonly requestTimeoutMs: number;
}

/** What a command line may set: everything but secrets, which are named by file. */
export interface ClickHouseSettingsInput {
  readonly url?: string;
  readonly database?: string;
  readonly user?: string;
  readonly passwordFile?: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly requestTimeoutMs?: number;
}

export const CLICKHOUSE_DEFAULTS = {
  url: 'http://127.0.0.1:8123',
  database: 'flowaudit',
  user: 'default',
  requestTimeoutMs: 60_000,
} as const;

/**
 * Resolves options from explicit settings, then `FLOWAUDIT_CLICKHOUSE_*` variables, then defaults:
 * URL, DATABASE, USER, PASSWORD or PASSWORD_FILE, CA_FILE, CERT_FILE, KEY_FILE, TIMEOUT_MS.
 * Throws a `TypeError` naming the setting when a value is unusable.
 */
export function clickHouseOptions(
  input: ClickHouseSettingsInput = {},
  env: NodeJS.ProcessEnv = process.env,
): ClickHouseOptions {
  const setting = (explicit: string | undefined, name: string): string | undefined =>
    nonEmpty(explicit) ?? nonEmpty(env[`FLOWAUDIT_CLICKHOUSE_${name}`]);

  const url = setting(input.url, 'URL') ?? CLICKHOUSE_DEFAULTS.url;
  const parsed = parseUrl(url);
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError('ClickHouse URL must not carry credentials: set FLOWAUDIT_CLICKHOUSE_USER and a password file');
  }

  const passwordFile = setting(input.passwordFile, 'PASSWORD_FILE');
  const passwordEnv = env.FLOWAUDIT_CLICKHOUSE_PASSWORD;
  if (passwordFile !== undefined && passwordEnv !== undefined) {
    throw new TypeError('set either FLOWAUDIT_CLICKHOUSE_PASSWORD or a ClickHouse password file, not both');
  }
  // A file written by `echo secret > file` ends in a newline that is no part of the password.
  const password = passwordFile !== undefined ? readSecret(passwordFile).replace(/\r?\n$/, '') : passwordEnv ?? '';

  const caFile = setting(input.caFile, 'CA_FILE');
  const certFile = setting(input.certFile, 'CERT_FILE');
  const keyFile = setting(input.keyFile, 'KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new TypeError('a ClickHouse client certificate needs its key, and a key its certificate');
  }
  if (certFile !== undefined && caFile === undefined) {
    throw new TypeError('ClickHouse mutual TLS needs the CA file too');
  }
  if (caFile !== undefined && parsed.protocol !== 'https:') {
    throw new TypeError(`a ClickHouse CA file is set but the URL ${url} is not https`);
  }
  const tls: ClickHouseTls | undefined =
    caFile === undefined
      ? undefined
      : {
          ca: readSecretBytes(caFile),
          ...(certFile !== undefined && keyFile !== undefined
            ? { client: { cert: readSecretBytes(certFile), key: readSecretBytes(keyFile) } }
            : {}),
        };

  const timeoutText = env.FLOWAUDIT_CLICKHOUSE_TIMEOUT_MS;
  const requestTimeoutMs =
    input.requestTimeoutMs ?? (timeoutText !== undefined ? Number(timeoutText) : CLICKHOUSE_DEFAULTS.requestTimeoutMs);
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw new TypeError(`ClickHouse request timeout must be a positive number of milliseconds, got ${timeoutText}`);
  }

  return {
    url,
    database: setting(input.database, 'DATABASE') ?? CLICKHOUSE_DEFAULTS.database,
    user: setting(input.user, 'USER') ?? CLICKHOUSE_DEFAULTS.user,
    password,
    ...(tls !== undefined ? { tls } : {}),
    requestTimeoutMs,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`ClickHouse URL ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`ClickHouse URL ${url} must be http or https (flowaudit speaks the HTTP interface)`);
  }
  return parsed;
}

function readSecretBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TypeError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function readSecret(file: string): string {
  return readSecretBytes(file).toString('utf8');
}
