/**
 * The one error the ClickHouse modules throw, apart from the client they wrap (errors.ts classifies what the
 * client and the socket throw into it). A module of its own so that the commands can recognise it without
 * loading the ClickHouse client, which a replay to files never needs.
 */

/** What the module was doing, for the message and for metrics labels. */
export type ClickHouseOperation = 'connect' | 'migrate' | 'insert' | 'query' | 'drop-partitions';

export class ClickHouseSinkError extends Error {
  override readonly name = 'ClickHouseSinkError';
  constructor(
    readonly operation: ClickHouseOperation,
    message: string,
    /** True when the same request may succeed later (overload, network); false when it never will as sent. */
    readonly retriable: boolean,
    /** The server's numeric error code as text when the server answered with one, else a socket code or ''. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
