/**
 * Where the integration tests find Kafka and ClickHouse (scripts/services.sh or compose.yaml, same ports and
 * the same `flowaudit` ClickHouse user), and names that keep test files apart on a shared server.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseOptions } from '../../src/sinks/clickhouse/index.js';
import type { KafkaOptions } from '../../src/sources/kafka/index.js';

export const KAFKA_PORT = Number(process.env.FLOWAUDIT_KAFKA_PORT ?? 9092);
export const CLICKHOUSE_PORT = Number(process.env.FLOWAUDIT_CLICKHOUSE_PORT ?? 8123);
export const KAFKA_BROKERS: readonly string[] = [`127.0.0.1:${KAFKA_PORT}`];
export const CLICKHOUSE_URL = `http://127.0.0.1:${CLICKHOUSE_PORT}`;
/** services/clickhouse/users.xml and compose.yaml both create this user. */
export const CLICKHOUSE_USER = 'flowaudit';
export const CLICKHOUSE_PASSWORD = 'flowaudit';

export interface TestNames {
  /** A ClickHouse database name for this file and run: [a-z0-9_], dropped by the file's afterAll. */
  readonly database: string;
  /** A Kafka topic name for this file and run, with `suffix` to tell a file's topics apart. */
  topic(suffix: string): string;
}

/**
 * Names unique per test file and run (`import.meta.url` of the file), so files never see each other's data and
 * a rerun never sees an earlier run's.
 */
export function testNames(fileUrl: string): TestNames {
  const file = basename(fileURLToPath(fileUrl)).replace(/\.test\.ts$/, '').replace(/[^a-z0-9]+/gi, '_').toLowerCase();
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  return {
    database: `fa_test_${file}_${run}`,
    topic: (suffix) => `fa-test-${file}-${run}-${suffix}`,
  };
}

export function clickHouseTestOptions(database: string): ClickHouseOptions {
  return { url: CLICKHOUSE_URL, database, user: CLICKHOUSE_USER, password: CLICKHOUSE_PASSWORD, requestTimeoutMs: 30_000 };
}

export function kafkaTestOptions(clientId: string): KafkaOptions {
  return { brokers: KAFKA_BROKERS, clientId };
}
