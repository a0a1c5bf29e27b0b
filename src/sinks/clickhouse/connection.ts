/**
 * The one owner of the @clickhouse/client instance. Everything else in flowaudit holds a `ClickHouseConnection`
 * and calls the functions of this folder (migrate, insertRows, countResults, dropPartitionsOlderThan); no
 * client object, and no SQL built from outside input, leaves it.
 */
import { Readable } from 'node:stream';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { classifyClickHouseError } from './errors.js';
import { ClickHouseSinkError, type ClickHouseOperation } from './sink-error.js';
import type { ClickHouseOptions } from './options.js';
import { parseServerVersion, MINIMUM_SERVER, versionAtLeast, type ServerVersion } from './version.js';

export class ClickHouseConnection {
  readonly #client: ClickHouseClient;

  private constructor(
    client: ClickHouseClient,
    /** Database of flowaudit's tables; every statement names it, none relies on the session's current one. */
    readonly database: string,
    readonly server: ServerVersion,
  ) {
    this.#client = client;
  }

  /** Connects, checks the credentials with a real query and reads the server version. */
  static async open(options: ClickHouseOptions): Promise<ClickHouseConnection> {
    const client = createClient({
      url: options.url,
      username: options.user,
      password: options.password,
      application: 'flowaudit',
      request_timeout: options.requestTimeoutMs,
      // The client prints every server error with a stack trace otherwise; ours are classified and returned.
      log: { level: ClickHouseLogLevel.OFF },
      ...(options.tls === undefined
        ? {}
        : {
            tls:
              options.tls.client === undefined
                ? { ca_cert: options.tls.ca }
                : { ca_cert: options.tls.ca, cert: options.tls.client.cert, key: options.tls.client.key },
          }),
    });
    try {
      const [row] = await queryJsonRows<{ version: string }>(client, 'SELECT version() AS version', 'connect');
      const server = parseServerVersion(row?.version ?? '');
      if (!versionAtLeast(server, MINIMUM_SERVER)) {
        throw new ClickHouseSinkError(
          'connect',
          `ClickHouse ${server.text} is older than ${MINIMUM_SERVER.text}, the oldest release flowaudit is tested on`,
          false,
          '',
        );
      }
      return new ClickHouseConnection(client, options.database, server);
    } catch (error) {
      await client.close();
      throw classifyClickHouseError('connect', error);
    }
  }

  /** Runs a statement that returns no rows (DDL, ALTER, INSERT ... SELECT). */
  async command(sql: string, operation: ClickHouseOperation): Promise<void> {
    try {
      await this.#client.command({ query: sql });
    } catch (error) {
      throw classifyClickHouseError(operation, error);
    }
  }

  /** Runs a SELECT and returns its rows as objects (JSONEachRow: 64-bit integers arrive as strings). */
  async rows<Row>(sql: string, operation: ClickHouseOperation): Promise<Row[]> {
    return queryJsonRows<Row>(this.#client, sql, operation);
  }

  /**
   * Runs a SELECT and yields its rows in the blocks the response arrives in, so a report over millions of rows
   * holds one block at a time.
   */
  async *streamRows<Row>(sql: string, operation: ClickHouseOperation): AsyncGenerator<Row[]> {
    let stream;
    try {
      const result = await this.#client.query({ query: sql, format: 'JSONEachRow' });
      stream = result.stream<Row>();
    } catch (error) {
      throw classifyClickHouseError(operation, error);
    }
    try {
      for await (const block of stream) yield block.map((row) => row.json());
    } catch (error) {
      throw classifyClickHouseError(operation, error);
    }
  }

  /**
   * Streams pre-built rows (UTF-8 chunks) as the body of `INSERT INTO <table> (<columns>) FORMAT <format>`: one HTTP request, one
   * block on the server. `table` and `columns` must already be quoted identifiers.
   */
  async insertText(table: string, columns: readonly string[], format: 'TabSeparated', body: readonly Buffer[]): Promise<void> {
    try {
      await this.#client.insert({
        table,
        columns: columns as [string, ...string[]],
        format,
        // Raw formats need a byte stream; Readable.from would default to object mode and send nothing usable.
        values: Readable.from(body, { objectMode: false }),
      });
    } catch (error) {
      throw classifyClickHouseError('insert', error);
    }
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Connects to ClickHouse (see `ClickHouseConnection.open`). */
export function connectClickHouse(options: ClickHouseOptions): Promise<ClickHouseConnection> {
  return ClickHouseConnection.open(options);
}

async function queryJsonRows<Row>(client: ClickHouseClient, sql: string, operation: ClickHouseOperation): Promise<Row[]> {
  try {
    const result = await client.query({ query: sql, format: 'JSONEachRow' });
    return await result.json<Row>();
  } catch (error) {
    throw classifyClickHouseError(operation, error);
  }
}
