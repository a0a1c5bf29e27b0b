import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonConfigError, envName, readConfigFile, resolveDaemonConfig } from '../../src/daemon/config.js';

const REQUIRED = { topic: 'flows', group: 'audit', policies: ['policies/'] };

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flowaudit-config-'));
  const path = join(dir, 'daemon.yaml');
  await writeFile(path, text);
  return path;
}

describe('resolveDaemonConfig', () => {
  it('fills what no flag, variable or file sets with the documented defaults', () => {
    const c = resolveDaemonConfig(REQUIRED, {});
    expect(c).toMatchObject({
      topic: 'flows',
      groupId: 'audit',
      runId: 'daemon:audit',
      fromBeginning: true,
      migrate: true,
      format: 'auto',
      deadLetterTopic: undefined,
      metricsHost: '0.0.0.0',
      metricsPort: 9464,
      backoff: { initialMs: 250, maxMs: 10_000 },
      shutdownGraceMs: 30_000,
      sources: { policies: ['policies/'], proposal: { kind: 'none' }, inventory: [] },
    });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.clickhouse).toMatchObject({ url: 'http://127.0.0.1:8123', database: 'flowaudit' });
  });

  it('takes a flag over a variable over the config file', async () => {
    const path = await configFile('topic: from-file\ngroup: from-file\nrun-id: from-file\nclickhouse-database: from_file\npolicies: [p]\n');
    const env = { FLOWAUDIT_GROUP: 'from-env', FLOWAUDIT_RUN_ID: 'from-env', FLOWAUDIT_CONFIG: path };
    const c = resolveDaemonConfig({ 'run-id': 'from-flag' }, env);
    expect([c.topic, c.groupId, c.runId, c.clickhouse.database]).toEqual(['from-file', 'from-env', 'from-flag', 'from_file']);
  });

  it.each([
    ['FLOWAUDIT_BROKERS', 'k1:9092, k2:9092', (c: ReturnType<typeof resolveDaemonConfig>) => c.kafka.brokers, ['k1:9092', 'k2:9092']],
    ['FLOWAUDIT_MIGRATE', 'false', (c: ReturnType<typeof resolveDaemonConfig>) => c.migrate, false],
    ['FLOWAUDIT_METRICS_PORT', '9100', (c: ReturnType<typeof resolveDaemonConfig>) => c.metricsPort, 9100],
    ['FLOWAUDIT_STAGED', '1', (c: ReturnType<typeof resolveDaemonConfig>) => c.sources.proposal, { kind: 'staged' }],
  ] as const)('reads %s=%s as the option of its name', (name, value, read, expected) => {
    expect(read(resolveDaemonConfig(REQUIRED, { [name]: value }))).toEqual(expected);
  });

  it('ignores FLOWAUDIT_* variables that name no option (the services and password variables)', () => {
    expect(() => resolveDaemonConfig(REQUIRED, { FLOWAUDIT_KAFKA_PORT: '9092', FLOWAUDIT_CLICKHOUSE_PASSWORD: 'x' })).not.toThrow();
  });

  it.each([
    [{}, /missing --topic, --group, --policies/],
    [{ ...REQUIRED, staged: true, change: ['c/'] }, /at most one of --proposed, --change and --staged/],
    [{ ...REQUIRED, 'retry-initial-ms': 500, 'retry-max-ms': 100 }, /retry-max-ms/],
    [{ ...REQUIRED, 'metrics-port': 70000 }, /not a port/],
    [{ ...REQUIRED, 'shutdown-grace-ms': 0 }, /shutdown-grace-ms: expected a whole number > 0/],
  ])('refuses %j', (cli, message) => {
    expect(() => resolveDaemonConfig(cli, {})).toThrow(message);
  });

  it('refuses a variable that is not a boolean where one is needed', () => {
    expect(() => resolveDaemonConfig(REQUIRED, { FLOWAUDIT_STAGED: 'maybe' })).toThrow(DaemonConfigError);
  });
});

describe('readConfigFile', () => {
  it('resolves relative paths against the file’s folder, inventory snapshot times kept', async () => {
    const path = await configFile('policies: [pol, /abs/pol]\ninventory: [inv/pods.json@2026-11-20T08:00:00Z]\nclickhouse-password-file: secret.txt\n');
    const dir = join(path, '..');
    expect(readConfigFile(path)).toEqual({
      policies: [join(dir, 'pol'), '/abs/pol'],
      inventory: [`${join(dir, 'inv/pods.json')}@2026-11-20T08:00:00Z`],
      'clickhouse-password-file': join(dir, 'secret.txt'),
    });
  });

  it.each([
    ['clickhouse-password: hunter2\n', /secrets are read from the environment or a file/],
    ['kafka-sasl-password: hunter2\n', /secrets are read from the environment or a file/],
    ['topik: flows\n', /unknown setting topik/],
    ['- a\n- b\n', /expected a mapping/],
  ])('refuses %j', async (text, message) => {
    const path = await configFile(text);
    expect(() => readConfigFile(path)).toThrow(message);
  });
});

describe('envName', () => {
  it.each([
    ['clickhouse-url', 'FLOWAUDIT_CLICKHOUSE_URL'],
    ['kafka-sasl-password-file', 'FLOWAUDIT_KAFKA_SASL_PASSWORD_FILE'],
    ['topic', 'FLOWAUDIT_TOPIC'],
  ])('%s ← %s', (option, name) => {
    expect(envName(option)).toBe(name);
  });
});
