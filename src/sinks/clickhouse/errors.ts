/**
 * Every failure of this module is a `ClickHouseSinkError` that says whether trying the same request again can
 * help (kafkajs `src/errors.js` does the same with `retriable`): the daemon backs off and retries a retriable
 * insert, and stops with the message otherwise (a wrong password or a missing table will not fix itself).
 */
import { ClickHouseError } from '@clickhouse/client';
import { ClickHouseSinkError, type ClickHouseOperation } from './sink-error.js';

/**
 * Server error codes (ClickHouse `src/Common/ErrorCodes.cpp`; the same numbers on 18.16 and current releases)
 * that describe load, capacity or a transient cluster state rather than a wrong request.
 */
const RETRIABLE_SERVER_CODES: ReadonlySet<string> = new Set([
  '159', // TIMEOUT_EXCEEDED
  '173', // CANNOT_ALLOCATE_MEMORY
  '201', // QUOTA_EXPIRED: the interval ends
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '236', // ABORTED
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY: a replica lost its coordinator
  '243', // NOT_ENOUGH_SPACE: an operator frees disk, the insert goes through
  '252', // TOO_MANY_PARTS: merges catch up
  '279', // ALL_CONNECTION_TRIES_FAILED
  '285', // TOO_FEW_LIVE_REPLICAS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '364', // RECEIVED_ERROR_TOO_MANY_REQUESTS
  '394', // QUERY_WAS_CANCELLED
  '999', // KEEPER_EXCEPTION
]);

/** Node socket errors: the request may never have reached the server, or its answer was lost. */
const RETRIABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** The server's error text: `Code: 60. DB::Exception: ...` (current) or `Code: 60, e.displayText() = ...` (18.x). */
const SERVER_ERROR_TEXT = /^Code: (\d+)[.,]/;

/** Wraps anything thrown by the client or the socket into a classified `ClickHouseSinkError`. */
export function classifyClickHouseError(operation: ClickHouseOperation, error: unknown): ClickHouseSinkError {
  if (error instanceof ClickHouseSinkError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The client parses a server error into ClickHouseError only when the text ends in `(TYPE_NAME)`, which 18.x
  // does not write: there the code is read from the text itself.
  const serverCode = error instanceof ClickHouseError ? error.code : SERVER_ERROR_TEXT.exec(message.trim())?.[1];
  if (serverCode !== undefined) {
    return new ClickHouseSinkError(
      operation,
      `ClickHouse ${operation} failed: ${message.trim()}`,
      RETRIABLE_SERVER_CODES.has(serverCode),
      serverCode,
      { cause: error },
    );
  }
  const socketCode = socketErrorCode(error);
  // The client reports its own request timeout as a plain Error ("Timeout error."), and an HTTP error without a
  // ClickHouse body (a proxy's 502/503) as "Unexpected ... status code": both are worth another try.
  const transient = socketCode !== '' || /timeout|socket hang up|status code 5\d\d/i.test(message);
  return new ClickHouseSinkError(operation, `ClickHouse ${operation} failed: ${message}`, transient, socketCode, {
    cause: error,
  });
}

function socketErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && RETRIABLE_SOCKET_CODES.has(code) ? code : '';
}
