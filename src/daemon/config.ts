/**
 * The daemon's settings: one option table (the flags), each option also settable by a `FLOWAUDIT_<NAME>` variable
 * (`--clickhouse-url` ← FLOWAUDIT_CLICKHOUSE_URL) or a key of the `--config` YAML file, in that order of precedence:
 * flag, variable, file, default. Secrets come only from variables or files (the edges read
 * FLOWAUDIT_CLICKHOUSE_PASSWORD, FLOWAUDIT_KAFKA_SASL_PASSWORD and the `*-password-file` settings); a config file
 * that holds one is refused.
 *
 * The layering is ours rather than yargs' `.env()`: under `.strict()` that turns every unrelated FLOWAUDIT_*
 * variable (the services' FLOWAUDIT_KAFKA_PORT, the password variables) into an "unknown argument" error.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Options } from 'yargs';
import { FLOW_FORMATS, type FlowFormat } from '../flows/decoders/index.js';
import type { AuditSources, Proposal } from '../pipeline/context.js';
import { CLICKHOUSE_FLAGS, clickHouseSettingsFromFlags } from '../sinks/clickhouse/flags.js';
import { clickHouseOptions, type ClickHouseOptions } from '../sinks/clickhouse/options.js';
import { KAFKA_FLAGS, kafkaSettingsFromFlags } from '../sources/kafka/flags.js';
import { kafkaOptions, type KafkaOptions } from '../sources/kafka/options.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DaemonConfig {
  readonly kafka: KafkaOptions;
  readonly topic: string;
  readonly groupId: string;
  /** Where a group without committed offsets starts: the earliest record (true) or new records only. */
  readonly fromBeginning: boolean;
  readonly clickhouse: ClickHouseOptions;
  /** Run `migrate` (idempotent) at start. */
  readonly migrate: boolean;
  readonly sources: AuditSources;
  readonly format: FlowFormat | 'auto';
  readonly runId: string;
  /** Undecodable records go here; without one they are logged and counted only. */
  readonly deadLetterTopic: string | undefined;
  readonly metricsHost: string;
  /** 0 picks a free port (tests). */
  readonly metricsPort: number;
  readonly backoff: BackoffPolicy;
  /** After SIGTERM, how long a failing write of the batch in hand is still retried before it is left uncommitted. */
  readonly shutdownGraceMs: number;
  readonly reloadDebounceMs: number;
  readonly maxMessageBytes: number;
  /** Result rows an INSERT waits for (write-pipeline.ts); it takes up to twice as many. */
  readonly insertRows: number;
  /** How long the group waits for a member that stopped heartbeating (killed) before giving its partitions away. */
  readonly sessionTimeoutMs: number;
  readonly logLevel: LogLevel;
}

/** The daemon's options, as yargs reads them; no yargs defaults, so that variables and the file can fill gaps. */
export const DAEMON_OPTIONS = {
  ...KAFKA_FLAGS,
  topic: { type: 'string', describe: 'Topic to consume flow records from (required)' },
  group: { type: 'string', describe: 'Consumer group; daemons of one group share the partitions (required)' },
  'from-beginning': { type: 'boolean', describe: 'A new group starts at the earliest record (default: true)' },
  'dead-letter-topic': { type: 'string', describe: 'Topic for undecodable records (default: log them only)' },
  ...CLICKHOUSE_FLAGS,
  migrate: { type: 'boolean', describe: 'Create or upgrade the tables at start (default: true; --no-migrate)' },
  policies: { type: 'string', array: true, describe: 'Current policy files or folders, watched for edits (required)' },
  proposed: { type: 'string', array: true, describe: 'A complete proposed policy set' },
  change: { type: 'string', array: true, describe: 'Resources laid over the current set' },
  staged: { type: 'boolean', describe: 'Proposed view = the staged policies in the current set applied' },
  inventory: { type: 'string', array: true, describe: 'Pods/Namespaces/... files; FILE@TIME for a snapshot' },
  format: { choices: ['auto', ...FLOW_FORMATS], describe: 'Flow record format (default: auto, per partition)' },
  'run-id': { type: 'string', describe: 'run_id of the stored results (default: daemon:<group>)' },
  'metrics-host': { type: 'string', describe: 'Address of the /metrics and /healthz server (default 0.0.0.0)' },
  'metrics-port': { type: 'number', describe: 'Port of the /metrics and /healthz server (default 9464; 0: any)' },
  'retry-initial-ms': { type: 'number', describe: `First retry delay of a failing write (default ${DEFAULT_BACKOFF.initialMs})` },
  'retry-max-ms': { type: 'number', describe: `Longest retry delay (default ${DEFAULT_BACKOFF.maxMs})` },
  'shutdown-grace-ms': { type: 'number', describe: 'On SIGTERM, how long a failing batch is still retried (default 30000)' },
  'reload-debounce-ms': { type: 'number', describe: 'Quiet time after a policy file change before reloading (default 500)' },
  'max-message-bytes': { type: 'number', describe: 'Longer records become dead letters (default 1048576)' },
  'insert-rows': { type: 'number', describe: 'Result rows a ClickHouse INSERT waits for (at most 1 s, or until caught up); up to twice as many go in one (default 50000)' },
  'session-timeout-ms': { type: 'number', describe: "Kafka group session timeout: how soon a dead member's partitions move (default 30000)" },
  'log-level': { choices: LOG_LEVELS, describe: 'pino level of the JSON log on stderr (default info)' },
  config: { type: 'string', describe: 'YAML file of settings, keys as the flags (FLOWAUDIT_CONFIG)' },
} as const satisfies Record<string, Options>;

type OptionName = keyof typeof DAEMON_OPTIONS;
const OPTION_NAMES = Object.keys(DAEMON_OPTIONS) as OptionName[];

/** Settings that cannot work (a missing topic, a password in the config file): a usage error. */
export class DaemonConfigError extends Error {
  override readonly name = 'DaemonConfigError';
}

/** `--clickhouse-url` → `FLOWAUDIT_CLICKHOUSE_URL`. */
export function envName(option: string): string {
  return `FLOWAUDIT_${option.toUpperCase().replaceAll('-', '_')}`;
}

/** Settings given as values (passwords, keys, tokens) rather than files: never accepted from a config file. */
const SECRET_KEY = /(password|secret|token)$/i;
/** Options whose values are paths: relative ones in a config file are relative to the file's folder. */
const PATH_OPTIONS: ReadonlySet<string> = new Set(['policies', 'proposed', 'change', 'inventory']);

/** Reads a `--config` file: a YAML mapping of option names (as the flags, without dashes) to values. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DaemonConfigError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new DaemonConfigError(`${path}: not YAML: ${(error as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new DaemonConfigError(`${path}: expected a mapping of settings`);
  const base = dirname(resolve(path));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (SECRET_KEY.test(key)) {
      throw new DaemonConfigError(`${path}: ${key}: secrets are read from the environment or a file (${key}-file), never from the config file`);
    }
    if (!(OPTION_NAMES as string[]).includes(key) || key === 'config') {
      throw new DaemonConfigError(`${path}: unknown setting ${key}`);
    }
    out[key] = relocate(key, value, base);
  }
  return out;
}

function relocate(key: string, value: unknown, base: string): unknown {
  const one = (v: unknown): unknown => {
    if (typeof v !== 'string' || isAbsolute(v)) return v;
    if (key === 'inventory') {
      const at = v.lastIndexOf('@');
      return at > 0 ? `${resolve(base, v.slice(0, at))}${v.slice(at)}` : resolve(base, v);
    }
    return resolve(base, v);
  };
  if (!PATH_OPTIONS.has(key) && !key.endsWith('-file')) return value;
  return Array.isArray(value) ? value.map(one) : one(value);
}

/**
 * Resolves the settings: `cli` as yargs parsed it (absent options undefined), then variables of `env`, then the
 * config file named by `--config` / FLOWAUDIT_CONFIG, then defaults. Throws DaemonConfigError, or the edges'
 * TypeError for an unusable Kafka or ClickHouse setting.
 */
export function resolveDaemonConfig(cli: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): DaemonConfig {
  const configPath = cli.config ?? env[envName('config')];
  const file = typeof configPath === 'string' && configPath !== '' ? readConfigFile(configPath) : {};
  const settings: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    settings[name] = cli[name] ?? fromEnv(name, env[envName(name)]) ?? file[name];
  }
  const v = new Values(settings);

  const topic = v.string('topic');
  const group = v.string('group');
  const policies = v.list('policies');
  const missing = [topic === undefined && 'topic', group === undefined && 'group', policies.length === 0 && 'policies'].filter(
    (m): m is string => m !== false,
  );
  if (missing.length > 0) {
    throw new DaemonConfigError(`missing ${missing.map((m) => `--${m}`).join(', ')} (flag, ${envName(missing[0]!)} or the config file)`);
  }
  const format = v.string('format') ?? 'auto';
  if (format !== 'auto' && !(FLOW_FORMATS as readonly string[]).includes(format)) {
    throw new DaemonConfigError(`format ${format} is not one of auto, ${FLOW_FORMATS.join(', ')}`);
  }
  const logLevel = v.string('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new DaemonConfigError(`log-level ${logLevel} is not one of ${LOG_LEVELS.join(', ')}`);
  const backoff = { initialMs: v.positive('retry-initial-ms') ?? DEFAULT_BACKOFF.initialMs, maxMs: v.positive('retry-max-ms') ?? DEFAULT_BACKOFF.maxMs };
  if (backoff.maxMs < backoff.initialMs) throw new DaemonConfigError('retry-max-ms must not be less than retry-initial-ms');
  const metricsPort = v.number('metrics-port') ?? 9464;
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) throw new DaemonConfigError(`metrics-port ${metricsPort} is not a port`);

  return {
    kafka: kafkaOptions(kafkaSettingsFromFlags({ ...kafkaValues(v) }), env),
    topic: topic!,
    groupId: group!,
    fromBeginning: v.boolean('from-beginning') ?? true,
    clickhouse: clickHouseOptions(clickHouseSettingsFromFlags(clickHouseValues(v)), env),
    migrate: v.boolean('migrate') ?? true,
    sources: { policies, proposal: proposal(v), inventory: v.list('inventory') },
    format: format as FlowFormat | 'auto',
    runId: v.string('run-id') ?? `daemon:${group!}`,
    deadLetterTopic: v.string('dead-letter-topic'),
    metricsHost: v.string('metrics-host') ?? '0.0.0.0',
    metricsPort,
    backoff,
    shutdownGraceMs: v.positive('shutdown-grace-ms') ?? 30_000,
    reloadDebounceMs: v.positive('reload-debounce-ms') ?? 500,
    maxMessageBytes: v.positive('max-message-bytes') ?? 1 << 20,
    insertRows: v.positive('insert-rows') ?? 50_000,
    sessionTimeoutMs: v.positive('session-timeout-ms') ?? 30_000,
    logLevel: logLevel as LogLevel,
  };
}

function proposal(v: Values): Proposal {
  const proposed = v.list('proposed');
  const change = v.list('change');
  const staged = v.boolean('staged') ?? false;
  if ([proposed.length > 0, change.length > 0, staged].filter(Boolean).length > 1) {
    throw new DaemonConfigError('give at most one of --proposed, --change and --staged');
  }
  if (proposed.length > 0) return { kind: 'set', paths: proposed };
  if (change.length > 0) return { kind: 'change', paths: change };
  return staged ? { kind: 'staged' } : { kind: 'none' };
}

function kafkaValues(v: Values) {
  return {
    brokers: v.list('brokers'),
    'kafka-client-id': v.string('kafka-client-id'),
    'kafka-tls': v.boolean('kafka-tls'),
    'kafka-ca-file': v.string('kafka-ca-file'),
    'kafka-cert-file': v.string('kafka-cert-file'),
    'kafka-key-file': v.string('kafka-key-file'),
    'kafka-sasl-mechanism': v.string('kafka-sasl-mechanism'),
    'kafka-sasl-username': v.string('kafka-sasl-username'),
    'kafka-sasl-password-file': v.string('kafka-sasl-password-file'),
  };
}

function clickHouseValues(v: Values) {
  return {
    'clickhouse-url': v.string('clickhouse-url'),
    'clickhouse-database': v.string('clickhouse-database'),
    'clickhouse-user': v.string('clickhouse-user'),
    'clickhouse-password-file': v.string('clickhouse-password-file'),
    'clickhouse-ca-file': v.string('clickhouse-ca-file'),
    'clickhouse-cert-file': v.string('clickhouse-cert-file'),
    'clickhouse-key-file': v.string('clickhouse-key-file'),
    'clickhouse-timeout-ms': v.number('clickhouse-timeout-ms'),
  };
}

/** A variable's text as the option's type; undefined when unset or empty. */
function fromEnv(name: OptionName, text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  const option: Options = DAEMON_OPTIONS[name];
  if (option.type === 'boolean') {
    if (/^(1|true|yes)$/i.test(text)) return true;
    if (/^(0|false|no)$/i.test(text)) return false;
    throw new DaemonConfigError(`${envName(name)}=${text}: expected true or false`);
  }
  if (option.type === 'number') return Number(text);
  if (option.array === true) return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return text;
}

/** Typed reads of the layered settings, each naming the setting when its value has the wrong type. */
class Values {
  constructor(private readonly settings: Readonly<Record<string, unknown>>) {}

  string(name: OptionName): string | undefined {
    const value = this.settings[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') throw new DaemonConfigError(`${name}: expected text, got ${JSON.stringify(value)}`);
    return value;
  }

  list(name: OptionName): string[] {
    const value = this.settings[name];
    if (value === undefined || value === null) return [];
    const items = Array.isArray(value) ? value : [value];
    if (!items.every((i) => typeof i === 'string')) throw new DaemonConfigError(`${name}: expected a list of text`);
    return items as string[];
  }

  number(name: OptionName): number | undefined {
    const value = this.settings[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new DaemonConfigError(`${name}: expected a number, got ${JSON.stringify(value)}`);
    return value;
  }

  positive(name: OptionName): number | undefined {
    const value = this.number(name);
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new DaemonConfigError(`${name}: expected a whole number > 0, got ${value}`);
    return value;
  }

  boolean(name: OptionName): boolean | undefined {
    const value = this.settings[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw new DaemonConfigError(`${name}: expected true or false, got ${JSON.stringify(value)}`);
    return value;
  }
}
