/**
 * The one place a kafkajs `Kafka` is built. The consumer and the helpers of this folder take it; nothing outside
 * src/sources/kafka/ does.
 */
import { Kafka, logLevel, type logCreator, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaOptions } from './options.js';

export interface KafkaClientExtras {
  /** Where kafkajs' warnings and errors go; without one it stays silent (its default prints JSON to stdout). */
  readonly logger?: Logger;
}

export function kafkaClient(options: KafkaOptions, extras: KafkaClientExtras = {}): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.tls === undefined
      ? {}
      : {
          ssl: {
            ...(options.tls.ca !== undefined ? { ca: [options.tls.ca] } : {}),
            ...(options.tls.client !== undefined ? { cert: options.tls.client.cert, key: options.tls.client.key } : {}),
          },
        }),
    ...(options.sasl === undefined ? {} : { sasl: saslOptions(options.sasl) }),
    logLevel: extras.logger === undefined ? logLevel.NOTHING : logLevel.WARN,
    ...(extras.logger === undefined ? {} : { logCreator: pinoLogCreator(extras.logger) }),
  });
}

function saslOptions(sasl: NonNullable<KafkaOptions['sasl']>): SASLOptions {
  // Spelled out per mechanism: kafkajs types each one separately.
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...fields } = log;
      const child = { kafkajs: fields };
      if (level === logLevel.ERROR) logger.error(child, message);
      else if (level === logLevel.WARN) logger.warn(child, message);
      else if (level === logLevel.INFO) logger.info(child, message);
      else logger.debug(child, message);
    };
}
