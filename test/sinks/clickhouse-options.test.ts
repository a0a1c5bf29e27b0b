import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { classifyClickHouseError } from '../../src/sinks/clickhouse/errors.js';
import { ClickHouseSinkError } from '../../src/sinks/clickhouse/sink-error.js';
import { clickHouseOptions } from '../../src/sinks/clickhouse/options.js';
import { parseServerVersion, versionAtLeast, MINIMUM_SERVER } from '../../src/sinks/clickhouse/version.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-ch-options-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const passwordFile = file('password', 's3cret\n');
const caFile = file('ca.pem', 'CA');
const certFile = file('cert.pem', 'CERT');
const keyFile = file('key.pem', 'KEY');

describe('clickHouseOptions', () => {
  it('defaults to the local development server', () => {
    expect(clickHouseOptions({}, {})).toEqual({
      url: 'http://127.0.0.1:8123',
      database: 'flowaudit',
      user: 'default',
      password: '',
      requestTimeoutMs: 60_000,
    });
  });

  it('reads the environment, the password from a file without its newline', () => {
    const env = {
      FLOWAUDIT_CLICKHOUSE_URL: 'https://ch.example:8443',
      FLOWAUDIT_CLICKHOUSE_DATABASE: 'audit',
      FLOWAUDIT_CLICKHOUSE_USER: 'writer',
      FLOWAUDIT_CLICKHOUSE_PASSWORD_FILE: passwordFile,
      FLOWAUDIT_CLICKHOUSE_CA_FILE: caFile,
      FLOWAUDIT_CLICKHOUSE_CERT_FILE: certFile,
      FLOWAUDIT_CLICKHOUSE_KEY_FILE: keyFile,
      FLOWAUDIT_CLICKHOUSE_TIMEOUT_MS: '5000',
    };
    const options = clickHouseOptions({}, env);
    expect(options).toMatchObject({ url: 'https://ch.example:8443', database: 'audit', user: 'writer', password: 's3cret', requestTimeoutMs: 5000 });
    expect(options.tls?.ca.toString()).toBe('CA');
    expect(options.tls?.client?.cert.toString()).toBe('CERT');
    expect(options.tls?.client?.key.toString()).toBe('KEY');
  });

  it('prefers explicit settings over the environment', () => {
    const options = clickHouseOptions(
      { url: 'http://other:8123', database: 'explicit', requestTimeoutMs: 10 },
      { FLOWAUDIT_CLICKHOUSE_URL: 'http://env:8123', FLOWAUDIT_CLICKHOUSE_DATABASE: 'env', FLOWAUDIT_CLICKHOUSE_PASSWORD: 'pw' },
    );
    expect(options).toMatchObject({ url: 'http://other:8123', database: 'explicit', password: 'pw', requestTimeoutMs: 10 });
  });

  it.each([
    ['a URL with credentials', {}, { FLOWAUDIT_CLICKHOUSE_URL: 'http://u:p@h:8123' }, /must not carry credentials/],
    ['a non-HTTP URL', { url: 'tcp://h:9000' }, {}, /must be http or https/],
    ['not a URL', { url: 'h:8123:x' }, {}, /must be http or https|is not a URL/],
    ['both password sources', { passwordFile }, { FLOWAUDIT_CLICKHOUSE_PASSWORD: 'x' }, /either/],
    ['a missing password file', { passwordFile: join(dir, 'nope') }, {}, /cannot read/],
    ['a certificate without key', { url: 'https://h', caFile, certFile }, {}, /needs its key/],
    ['mutual TLS without CA', { url: 'https://h', certFile, keyFile }, {}, /needs the CA/],
    ['a CA on plain HTTP', { caFile }, {}, /not https/],
    ['a zero timeout', {}, { FLOWAUDIT_CLICKHOUSE_TIMEOUT_MS: '0' }, /positive number/],
    ['a timeout that is no number', {}, { FLOWAUDIT_CLICKHOUSE_TIMEOUT_MS: '5s' }, /positive number/],
  ])('refuses %s', (_, input, env, message) => {
    expect(() => clickHouseOptions(input, env)).toThrow(message);
  });
});

describe('classifyClickHouseError', () => {
  const serverError = (code: string, message = 'boom') => new ClickHouseError({ message, code, type: 'X' });
  const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
  it.each([
    ['TOO_MANY_PARTS', serverError('252'), true, '252'],
    ['MEMORY_LIMIT_EXCEEDED', serverError('241'), true, '241'],
    ['TIMEOUT_EXCEEDED', serverError('159'), true, '159'],
    ['SYNTAX_ERROR', serverError('62'), false, '62'],
    ['UNKNOWN_TABLE', serverError('60'), false, '60'],
    ['AUTHENTICATION_FAILED', serverError('516'), false, '516'],
    ['an 18.x error text', new Error('Code: 252, e.displayText() = DB::Exception: Too many parts'), true, '252'],
    ['an 18.x wrong password', new Error('Code: 193, e.displayText() = DB::Exception: Wrong password'), false, '193'],
    ['a refused connection', socketError('ECONNREFUSED'), true, 'ECONNREFUSED'],
    ['a reset connection', socketError('ECONNRESET'), true, 'ECONNRESET'],
    ["the client's own timeout", new Error('Timeout error.'), true, ''],
    ['a proxy 503', new Error('Unexpected response status code 503'), true, ''],
    ['a TLS failure', socketError('DEPTH_ZERO_SELF_SIGNED_CERT'), false, ''],
    ['a thrown string', 'weird', false, ''],
  ])('%s', (_, error, retriable, code) => {
    const classified = classifyClickHouseError('insert', error);
    expect(classified).toBeInstanceOf(ClickHouseSinkError);
    expect(classified).toMatchObject({ retriable, code, operation: 'insert' });
    expect(classified.cause).toBe(error);
  });

  it('passes an already classified error through', () => {
    const error = new ClickHouseSinkError('query', 'x', true, '252');
    expect(classifyClickHouseError('insert', error)).toBe(error);
  });
});

describe('server version', () => {
  it.each([
    ['18.16.1', true],
    ['26.7.1.1234', true],
    ['19.1.0', true],
    ['18.14.18', false],
    ['1.1.54394', false],
  ])('%s is supported: %s', (text, supported) => {
    expect(versionAtLeast(parseServerVersion(text), MINIMUM_SERVER)).toBe(supported);
  });

  it('refuses a version it cannot read', () => {
    expect(() => parseServerVersion('dev')).toThrow(TypeError);
  });
});
