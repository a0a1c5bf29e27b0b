import { deadLetter, type DeadLetterSink, ReasonCounts } from './dead-letter.js';
import { DecodeFailure, type DecodeReason, type SkipReason, SkippedLine } from './decode-result.js';
import { createDecoder, type DecoderOptions, type FlowDecoder, type FlowFormat } from './decoders/index.js';
import type { ScannedLine } from './decoders/types.js';
import { DETECTION_LINES, detectFormat } from './detect.js';
import { type FlowLine, type FlowSource, isOversized, type ReadOptions, readFlowLines, type SourceLine } from './read.js';
import { type DeadLetter, type DecodedFlow, decodedFlow, type FlowRecord, type SourcePosition } from './record.js';

/**
 * The decoding stage: batches of source lines in, batches of decoded flows out. Failures go to the dead-letter
 * sink (awaited per batch, so a slow sink slows the reader), skipped lines and failures are counted by reason.
 */

export interface DecodeStats {
  decoded: number;
  readonly deadLetters: ReasonCounts<DecodeReason>;
  readonly skipped: ReasonCounts<SkipReason>;
}

export function newDecodeStats(): DecodeStats {
  return { decoded: 0, deadLetters: new ReasonCounts(), skipped: new ReasonCounts() };
}

export interface DecodeOptions {
  /** Names the input in positions (`file:line`) and messages. */
  readonly file: string;
  readonly format: FlowFormat | 'auto';
  readonly decoderOptions?: DecoderOptions;
  readonly deadLetters: DeadLetterSink;
  readonly stats: DecodeStats;
}

/** `auto` found no format it recognises in the first lines: nothing in the input can be decoded. */
export class FlowFormatError extends Error {
  override readonly name = 'FlowFormatError';
}

export async function* decodeFlowLines(
  batches: AsyncIterable<readonly SourceLine[]>,
  options: DecodeOptions,
): AsyncGenerator<DecodedFlow[]> {
  const { file, stats } = options;
  let decoder: FlowDecoder | undefined =
    options.format === 'auto' ? undefined : createDecoder(options.format, options.decoderOptions);
  for await (const batch of batches) {
    decoder ??= detectDecoder(batch, options);
    // A batch of blank or oversized lines only tells nothing yet; any decoder skips blanks the same way.
    const current = decoder ?? createDecoder('canonical');
    // Sized once (most lines decode): pushed onto from empty, the array copied itself nine times a batch.
    const flows = new Array<DecodedFlow>(batch.length);
    let decoded = 0;
    const letters: DeadLetter[] = [];
    for (const l of batch) {
      if (isOversized(l)) {
        const pos = filePosition(file, l.line);
        const failure = new DecodeFailure('line-too-long', `the line has ${l.bytes} bytes, more than the limit`);
        letters.push(deadLetter(pos, failure, l.head));
        stats.deadLetters.add(failure.reason);
        continue;
      }
      const scanned = current.scan?.(l.bytes, l.start, l.end);
      if (scanned !== undefined) {
        flows[decoded++] = new ScannedFileFlow(file, l, scanned);
        continue;
      }
      const pos = filePosition(file, l.line);
      const text = l.text;
      const out = current.decode(text, pos);
      if (out instanceof SkippedLine) stats.skipped.add(out.reason);
      else if (out instanceof DecodeFailure) {
        letters.push(deadLetter(pos, out, text));
        stats.deadLetters.add(out.reason);
      } else flows[decoded++] = decodedFlow(out, pos, current.verbatim === true ? l : undefined);
    }
    flows.length = decoded;
    stats.decoded += decoded;
    if (letters.length > 0) await options.deadLetters.write(letters);
    if (flows.length > 0) yield flows;
  }
}

function filePosition(file: string, line: number): SourcePosition {
  return { kind: 'file', file, line };
}

/**
 * A line the byte scanner read: its position is made when asked for (sinks that store it), not for each of
 * millions of lines (48 of the 151 bytes decodeFlowLines allocated a line, by heap sampling of a 1M-flow replay).
 */
class ScannedFileFlow implements DecodedFlow {
  readonly record: FlowRecord;
  readonly srcV4: number;
  readonly dstV4: number;

  constructor(
    private readonly file: string,
    readonly json: FlowLine,
    scanned: ScannedLine,
  ) {
    this.record = scanned.record;
    this.srcV4 = scanned.srcV4;
    this.dstV4 = scanned.dstV4;
  }

  get pos(): SourcePosition {
    return filePosition(this.file, this.json.line);
  }
}

/** Reads and decodes one input: readFlowLines piped into decodeFlowLines. */
export function decodeFlowSource(source: FlowSource, options: DecodeOptions & ReadOptions): AsyncGenerator<DecodedFlow[]> {
  return decodeFlowLines(readFlowLines(source, options), options);
}

/** The decoder for the format the batch's first lines show; undefined when the batch has no line to look at. */
function detectDecoder(batch: readonly SourceLine[], options: DecodeOptions): FlowDecoder | undefined {
  const sample: string[] = [];
  for (const l of batch) {
    if (sample.length === DETECTION_LINES) break;
    if (!isOversized(l) && l.text.trim() !== '') sample.push(l.text);
  }
  if (sample.length === 0) return undefined;
  const format = detectFormat(sample);
  if (format === undefined) {
    throw new FlowFormatError(`cannot tell the flow format of ${options.file} from its first lines; name it with --format`);
  }
  return createDecoder(format, options.decoderOptions);
}
