/**
 * How flowaudit reaches Kafka. Secrets (the SASL password, TLS keys) come from the environment or from files,
 * never from the command line, where every user of the machine can read them in `ps`.
 */
import { readFileSync } from 'node:fs';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

export interface KafkaSasl {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** Present means TLS is on; without `ca` the system's CAs verify the brokers. */
export interface KafkaTls {
  readonly ca?: Buffer;
  /** Client certificate and key for mutual TLS: both or neither. */
  readonly client?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface KafkaOptions {
  /** `host:port` of at least one broker. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly tls?: KafkaTls;
  readonly sasl?: KafkaSasl;
}

/** What a command line may set: everything but secrets, which are named by file. */
export interface KafkaSettingsInput {
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly tls?: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly saslMechanism?: string;
  readonly saslUsername?: string;
  readonly saslPasswordFile?: string;
}

export const KAFKA_DEFAULTS = { brokers: ['127.0.0.1:9092'], clientId: 'flowaudit' } as const;

/**
 * Resolves options from explicit settings, then `FLOWAUDIT_KAFKA_*` variables, then defaults: BROKERS (comma
 * separated), CLIENT_ID, TLS (`1`/`true`), CA_FILE, CERT_FILE, KEY_FILE, SASL_MECHANISM, SASL_USERNAME,
 * SASL_PASSWORD or SASL_PASSWORD_FILE. A CA or client certificate turns TLS on by itself.
 * Throws a `TypeError` naming the setting when a value is unusable.
 */
export function kafkaOptions(input: KafkaSettingsInput = {}, env: NodeJS.ProcessEnv = process.env): KafkaOptions {
  const setting = (explicit: string | undefined, name: string): string | undefined =>
    nonEmpty(explicit) ?? nonEmpty(env[`FLOWAUDIT_KAFKA_${name}`]);

  const brokers =
    input.brokers !== undefined && input.brokers.length > 0
      ? [...input.brokers]
      : (nonEmpty(env.FLOWAUDIT_KAFKA_BROKERS)?.split(',').map((b) => b.trim()).filter((b) => b !== '') ??
        [...KAFKA_DEFAULTS.brokers]);
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) throw new TypeError(`Kafka broker ${JSON.stringify(broker)} is not host:port`);
  }

  const caFile = setting(input.caFile, 'CA_FILE');
  const certFile = setting(input.certFile, 'CERT_FILE');
  const keyFile = setting(input.keyFile, 'KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new TypeError('a Kafka client certificate needs its key, and a key its certificate');
  }
  const tlsWanted =
    input.tls ?? (['1', 'true'].includes(env.FLOWAUDIT_KAFKA_TLS ?? '') || caFile !== undefined || certFile !== undefined);
  const tls: KafkaTls | undefined = tlsWanted
    ? {
        ...(caFile !== undefined ? { ca: readFile(caFile) } : {}),
        ...(certFile !== undefined && keyFile !== undefined
          ? { client: { cert: readFile(certFile), key: readFile(keyFile) } }
          : {}),
      }
    : undefined;

  const mechanismText = setting(input.saslMechanism, 'SASL_MECHANISM')?.toLowerCase();
  let sasl: KafkaSasl | undefined;
  if (mechanismText !== undefined) {
    if (!SASL_MECHANISMS.includes(mechanismText as SaslMechanism)) {
      throw new TypeError(`Kafka SASL mechanism ${mechanismText} is not one of ${SASL_MECHANISMS.join(', ')}`);
    }
    const username = setting(input.saslUsername, 'SASL_USERNAME');
    if (username === undefined) throw new TypeError(`Kafka SASL ${mechanismText} needs a username`);
    const passwordFile = setting(input.saslPasswordFile, 'SASL_PASSWORD_FILE');
    const passwordEnv = env.FLOWAUDIT_KAFKA_SASL_PASSWORD;
    if (passwordFile !== undefined && passwordEnv !== undefined) {
      throw new TypeError('set either FLOWAUDIT_KAFKA_SASL_PASSWORD or a SASL password file, not both');
    }
    // A file written by `echo secret > file` ends in a newline that is no part of the password.
    const password = passwordFile !== undefined ? readFile(passwordFile).toString('utf8').replace(/\r?\n$/, '') : passwordEnv;
    if (password === undefined) throw new TypeError(`Kafka SASL ${mechanismText} needs a password (variable or file)`);
    sasl = { mechanism: mechanismText as SaslMechanism, username, password };
  }

  return {
    brokers,
    clientId: setting(input.clientId, 'CLIENT_ID') ?? KAFKA_DEFAULTS.clientId,
    ...(tls !== undefined ? { tls } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TypeError(`cannot read ${file}: ${(error as Error).message}`);
  }
}
