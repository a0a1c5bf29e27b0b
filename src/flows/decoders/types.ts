import type { DecodeFailure, SkippedLine } from '../decode-result.js';
import type { FlowRecord, SourcePosition } from '../record.js';

/** The input formats (docs/flow-record.md, "Formats"); `auto` picks one of them from the first lines. */
export const FLOW_FORMATS = ['canonical', 'calico', 'goldmane', 'hubble', 'aws-vpc', 'csv'] as const;
export type FlowFormat = (typeof FLOW_FORMATS)[number];

/**
 * A stateful line decoder: one per input stream, fed its lines in order (text formats learn their header from the
 * first line). `decode` never throws for bad data: it returns a DecodeFailure, which the caller turns into a dead
 * letter, or a SkippedLine, which the caller counts.
 */
export interface FlowDecoder {
  readonly format: FlowFormat;
  decode(line: string, pos: SourcePosition): FlowRecord | DecodeFailure | SkippedLine;
  /**
   * True when the record the last `decode` returned is the line's own JSON, already canonical (DecodedFlow
   * `json`): only the canonical decoder can say so, and only for records normalisation did not rewrite.
   */
  readonly verbatim?: boolean;
  /**
   * The record of a line given as its bytes, when the decoder reads it straight from them (the canonical decoder,
   * canonical-scan.ts); such a record is the line's own canonical JSON (verbatim). Undefined when the line's text
   * must go through `decode`, which is always right, and the only way that names a mistake.
   */
  scan?(bytes: Buffer, start: number, end: number): ScannedLine | undefined;
}

/** What `scan` read of a line: the decoder's own object, overwritten by its next scan. */
export interface ScannedLine {
  readonly record: FlowRecord;
  /** src_ip and dst_ip as IPv4 numbers, as in DecodedFlow. */
  readonly srcV4: number;
  readonly dstV4: number;
}

/** A mistake in how the input was described (`--map` names a missing column...): no line can decode. */
export class DecoderConfigError extends Error {
  override readonly name = 'DecoderConfigError';
}
