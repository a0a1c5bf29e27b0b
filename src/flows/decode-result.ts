/**
 * What a line decoder returns besides a record. Both are classes so that `instanceof` tells them apart from a
 * FlowRecord, whose open index signature makes a tag field unreliable (a flow may carry any extra field).
 * The reason codes are the catalogue in docs/flow-record.md ("Dead-letter reasons", "Skipped lines").
 */

/** Why a line became a dead letter. */
export type DecodeReason =
  /** The line is not JSON (JSON formats), or not an object. */
  | 'invalid-json'
  /** The line is not one CSV record (unbalanced quotes, a record spanning lines). */
  | 'invalid-csv'
  /** A required field is absent: `proto`, `dst_port` for a port protocol, an address or hint for a side. */
  | 'missing-field'
  /** A field has the wrong type, is out of range, or cannot be parsed (time, protocol, IP, label, policy hit). */
  | 'invalid-field'
  /** A text format line whose field count does not match its header. */
  | 'field-count'
  /** The line is longer than `maxLineBytes`; it was not parsed. */
  | 'line-too-long';

export class DecodeFailure {
  constructor(
    readonly reason: DecodeReason,
    readonly message: string,
  ) {}
}

/** Why a line was consumed without producing a record; these are counted, not dead-lettered. */
export type SkipReason =
  /** An empty or whitespace-only line. */
  | 'blank'
  /** A header line (AWS custom format, CSV). */
  | 'header'
  /** AWS `log-status` NODATA: no traffic in the interval. */
  | 'aws-nodata'
  /** AWS `log-status` SKIPDATA: records were lost in the interval. */
  | 'aws-skipdata'
  /** Hubble reply-direction event: the connection is audited once, from its request direction. */
  | 'hubble-reply'
  /** Hubble output that is not a flow (lost events, node status, agent events). */
  | 'hubble-non-flow';

export class SkippedLine {
  private constructor(readonly reason: SkipReason) {}

  /** One shared instance per reason: skipping allocates nothing. */
  static readonly blank = new SkippedLine('blank');
  static readonly header = new SkippedLine('header');
  static readonly awsNoData = new SkippedLine('aws-nodata');
  static readonly awsSkipData = new SkippedLine('aws-skipdata');
  static readonly hubbleReply = new SkippedLine('hubble-reply');
  static readonly hubbleNonFlow = new SkippedLine('hubble-non-flow');
}
