/**
 * The command-line flags that reach Kafka, as one table that every command reading Kafka spreads into its yargs
 * options; absent flags fall back to the `FLOWAUDIT_KAFKA_*` variables (options.ts). Secrets only by file.
 */
import type { Options } from 'yargs';
import type { KafkaSettingsInput } from './options.js';

export const KAFKA_FLAGS = {
  brokers: { type: 'string', array: true, describe: 'Kafka brokers, host:port (FLOWAUDIT_KAFKA_BROKERS, comma separated)' },
  'kafka-client-id': { type: 'string', describe: 'Kafka client id (default flowaudit)' },
  'kafka-tls': { type: 'boolean', describe: 'TLS to the brokers (on by itself with a CA or client certificate)' },
  'kafka-ca-file': { type: 'string', describe: 'PEM CA bundle of the brokers' },
  'kafka-cert-file': { type: 'string', describe: 'Client certificate for mutual TLS' },
  'kafka-key-file': { type: 'string', describe: 'Client key for mutual TLS' },
  'kafka-sasl-mechanism': { type: 'string', describe: 'plain, scram-sha-256 or scram-sha-512' },
  'kafka-sasl-username': { type: 'string', describe: 'SASL user' },
  'kafka-sasl-password-file': { type: 'string', describe: 'File holding the SASL password (or FLOWAUDIT_KAFKA_SASL_PASSWORD)' },
} as const satisfies Record<string, Options>;

export interface KafkaFlagValues {
  readonly brokers?: readonly string[] | undefined;
  readonly 'kafka-client-id'?: string | undefined;
  readonly 'kafka-tls'?: boolean | undefined;
  readonly 'kafka-ca-file'?: string | undefined;
  readonly 'kafka-cert-file'?: string | undefined;
  readonly 'kafka-key-file'?: string | undefined;
  readonly 'kafka-sasl-mechanism'?: string | undefined;
  readonly 'kafka-sasl-username'?: string | undefined;
  readonly 'kafka-sasl-password-file'?: string | undefined;
}

export function kafkaSettingsFromFlags(a: KafkaFlagValues): KafkaSettingsInput {
  // `--brokers a:1,b:2` and `--brokers a:1 b:2` both work.
  const brokers = a.brokers?.flatMap((b) => b.split(',')).map((b) => b.trim()).filter((b) => b !== '');
  return {
    ...(brokers !== undefined && brokers.length > 0 ? { brokers } : {}),
    ...(a['kafka-client-id'] !== undefined ? { clientId: a['kafka-client-id'] } : {}),
    ...(a['kafka-tls'] !== undefined ? { tls: a['kafka-tls'] } : {}),
    ...(a['kafka-ca-file'] !== undefined ? { caFile: a['kafka-ca-file'] } : {}),
    ...(a['kafka-cert-file'] !== undefined ? { certFile: a['kafka-cert-file'] } : {}),
    ...(a['kafka-key-file'] !== undefined ? { keyFile: a['kafka-key-file'] } : {}),
    ...(a['kafka-sasl-mechanism'] !== undefined ? { saslMechanism: a['kafka-sasl-mechanism'] } : {}),
    ...(a['kafka-sasl-username'] !== undefined ? { saslUsername: a['kafka-sasl-username'] } : {}),
    ...(a['kafka-sasl-password-file'] !== undefined ? { saslPasswordFile: a['kafka-sasl-password-file'] } : {}),
  };
}
