import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaOptions } from '../../src/sources/kafka/options.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-kafka-options-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const passwordFile = file('password', 'hunter2\n');
const caFile = file('ca.pem', 'CA');
const certFile = file('cert.pem', 'CERT');
const keyFile = file('key.pem', 'KEY');

describe('kafkaOptions', () => {
  it('defaults to the local development broker, plaintext', () => {
    expect(kafkaOptions({}, {})).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'flowaudit' });
  });

  it('reads brokers, SASL with a password file, and TLS from the environment', () => {
    const options = kafkaOptions(
      {},
      {
        FLOWAUDIT_KAFKA_BROKERS: 'b1:9093, b2:9093,',
        FLOWAUDIT_KAFKA_CLIENT_ID: 'audit',
        FLOWAUDIT_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        FLOWAUDIT_KAFKA_SASL_USERNAME: 'reader',
        FLOWAUDIT_KAFKA_SASL_PASSWORD_FILE: passwordFile,
        FLOWAUDIT_KAFKA_CA_FILE: caFile,
      },
    );
    expect(options).toMatchObject({
      brokers: ['b1:9093', 'b2:9093'],
      clientId: 'audit',
      sasl: { mechanism: 'scram-sha-512', username: 'reader', password: 'hunter2' },
    });
    expect(options.tls?.ca?.toString()).toBe('CA');
    expect(options.tls?.client).toBeUndefined();
  });

  it.each([
    ['TLS=1 alone', {}, { FLOWAUDIT_KAFKA_TLS: '1' }, {}],
    ['a client certificate', { certFile, keyFile }, {}, { client: true }],
    ['tls: false overrides the variable', { tls: false }, { FLOWAUDIT_KAFKA_TLS: 'true' }, undefined],
  ] as const)('TLS from %s', (_, input, env, expected) => {
    const tls = kafkaOptions(input, env).tls;
    if (expected === undefined) expect(tls).toBeUndefined();
    else expect(tls?.client !== undefined).toBe('client' in expected);
  });

  it('prefers explicit settings over the environment', () => {
    expect(kafkaOptions({ brokers: ['x:1'], clientId: 'cli' }, { FLOWAUDIT_KAFKA_BROKERS: 'y:2' })).toEqual({
      brokers: ['x:1'],
      clientId: 'cli',
    });
  });

  it.each([
    ['a broker without port', { brokers: ['kafka'] }, {}, /not host:port/],
    ['an unknown SASL mechanism', { saslMechanism: 'gssapi' }, {}, /not one of/],
    ['SASL without username', { saslMechanism: 'plain' }, {}, /needs a username/],
    ['SASL without password', { saslMechanism: 'plain', saslUsername: 'u' }, {}, /needs a password/],
    ['both password sources', { saslMechanism: 'plain', saslUsername: 'u', saslPasswordFile: passwordFile }, { FLOWAUDIT_KAFKA_SASL_PASSWORD: 'p' }, /either/],
    ['a certificate without key', { certFile }, {}, /needs its key/],
    ['an unreadable CA', { caFile: join(dir, 'missing.pem') }, {}, /cannot read/],
  ])('refuses %s', (_, input, env, message) => {
    expect(() => kafkaOptions(input, env)).toThrow(message);
  });
});
