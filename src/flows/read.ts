import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { LineBytes } from './record.js';

/**
 * The reading side of every file or stdin input: bytes → lines, in batches. Gzip is recognised by its magic bytes
 * (`.gz` files, or gzip piped to stdin) and inflated on the way. Memory stays bounded by one batch plus one line:
 * a line longer than `maxLineBytes` is not accumulated but skipped to its end and reported as an OversizedLine,
 * which the decoding stage turns into a `line-too-long` dead letter.
 */

/**
 * A line as read: its bytes, without its `\n` / `\r\n` (they stay in the chunk they came in, which the line
 * keeps alive; the readers of files, pipes and gzip never reuse a chunk they handed on), and its text on demand.
 */
export class FlowLine implements LineBytes {
  constructor(
    /** 1-based line number in the (decompressed) input. */
    readonly line: number,
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

  /** The line as UTF-8 text (made at each call: decoders that read bytes never ask). */
  get text(): string {
    return this.bytes.toString('utf8', this.start, this.end);
  }
}

export interface OversizedLine {
  readonly line: number;
  /** The whole line's length in bytes. */
  readonly bytes: number;
  /** Its first bytes (up to OVERSIZED_HEAD_BYTES), for the dead letter. */
  readonly head: string;
}

export type SourceLine = FlowLine | OversizedLine;

export function isOversized(l: SourceLine): l is OversizedLine {
  return !(l instanceof FlowLine);
}

export interface ReadOptions {
  /** Longest line accepted, in bytes; default 1 MiB. */
  readonly maxLineBytes?: number;
  /** A batch is handed on once it holds at least this many lines; default 1000. */
  readonly batchLines?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
export const DEFAULT_BATCH_LINES = 1000;
export const OVERSIZED_HEAD_BYTES = 4096;

/** `path` (`-` for stdin) or an open byte stream. */
export type FlowSource = string | Readable;

/**
 * Lines of `source` in batches of about `batchLines` (a batch closes at the first chunk boundary past the count,
 * so the per-line cost of async iteration is paid per batch, not per line).
 */
export async function* readFlowLines(source: FlowSource, options: ReadOptions = {}): AsyncGenerator<SourceLine[]> {
  const batchLines = options.batchLines ?? DEFAULT_BATCH_LINES;
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  let batch: SourceLine[] = [];
  for await (const chunk of inflated(open(source))) {
    splitter.push(chunk, batch);
    if (batch.length >= batchLines) {
      yield batch;
      batch = [];
    }
  }
  splitter.end(batch);
  if (batch.length > 0) yield batch;
}

/**
 * Bytes a file is read in: a batch's worth of typical lines (about 200 bytes each), so that the next chunk is read
 * while a batch is evaluated instead of several small reads being waited for (fs streams read 64 KiB by default).
 */
const READ_CHUNK_BYTES = 256 * 1024;

function open(source: FlowSource): Readable {
  if (typeof source !== 'string') return source;
  return source === '-' ? process.stdin : createReadStream(source, { highWaterMark: READ_CHUNK_BYTES });
}

/** The input's bytes, gunzipped when they start with the gzip magic number (1f 8b). */
async function* inflated(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  // The magic number may arrive split over chunks (a pipe can deliver one byte at a time).
  const first: Buffer[] = [];
  let firstBytes = 0;
  while (firstBytes < 2) {
    const next = await it.next();
    if (next.done === true) break;
    first.push(next.value);
    firstBytes += next.value.length;
  }
  const head = Buffer.concat(first);
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    yield* rest;
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* whole();
    return;
  }
  // pipeline forwards a corrupt-stream error to the gunzip stream, which rejects the iteration below.
  yield* pipeline(Readable.from(whole()), createGunzip(), () => {}) as AsyncIterable<Buffer>;
}

/**
 * Splits byte chunks into lines; a line may span chunks (and a UTF-8 character may straddle two). Of a line over
 * the limit only its head is kept while the rest is skipped.
 */
class LineSplitter {
  /** Stored bytes of the current line, up to the limit (up to the head size once it is known to be oversized). */
  private pending: Buffer[] = [];
  private stored = 0;
  /** All bytes of the current line seen so far. */
  private lineBytes = 0;
  private oversized = false;
  private line = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer, out: SourceLine[]): void {
    let start = 0;
    for (let nl = indexOf.call(chunk, 10, start); nl >= 0; nl = indexOf.call(chunk, 10, start)) {
      this.emit(chunk, start, nl, out);
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  end(out: SourceLine[]): void {
    if (this.lineBytes > 0) this.emit(EMPTY, 0, 0, out);
  }

  /** A part of the current line that does not end it. */
  private append(part: Buffer): void {
    this.lineBytes += part.length;
    if (this.lineBytes > this.maxLineBytes) this.oversized = true;
    const room = (this.oversized ? OVERSIZED_HEAD_BYTES : this.maxLineBytes) - this.stored;
    if (room <= 0) return;
    // Copy: the chunk's memory may be reused by the stream once we return.
    const kept = Buffer.from(part.length <= room ? part : part.subarray(0, room));
    this.pending.push(kept);
    this.stored += kept.length;
  }

  /** The last part of the current line, `chunk[start, end)`, up to its `\n`. */
  private emit(chunk: Buffer, start: number, end: number, out: SourceLine[]): void {
    this.line++;
    const bytes = this.lineBytes + end - start;
    if (this.oversized || bytes > this.maxLineBytes) {
      const head = chunk.subarray(start, Math.min(end, start + OVERSIZED_HEAD_BYTES));
      out.push({ line: this.line, bytes, head: headOf(Buffer.concat([...this.pending, head])) });
    } else if (this.pending.length === 0) {
      // The common case, a line within one chunk: kept where it is, no copy and no Buffer view per line.
      const stop = end > start && chunk[end - 1] === 13 ? end - 1 : end; // \r\n
      out.push(new FlowLine(this.line, chunk, start, stop));
    } else {
      const whole = Buffer.concat([...this.pending, chunk.subarray(start, end)]);
      const stop = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.length - 1 : whole.length;
      out.push(new FlowLine(this.line, whole, 0, stop));
    }
    // A fresh array only after a line that spanned chunks: one per line was a quarter of what reading allocated.
    if (this.pending.length > 0) this.pending = [];
    this.stored = 0;
    this.lineBytes = 0;
    this.oversized = false;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Buffer#indexOf, taken once: loaded from each chunk, the method was a generic property lookup on every line
 * (optimised code calls V8's LoadIC for it), about a quarter of the search's cost.
 */
const indexOf = Buffer.prototype.indexOf;

function headOf(bytes: Buffer): string {
  return bytes.toString('utf8', 0, Math.min(bytes.length, OVERSIZED_HEAD_BYTES));
}
