/** Replay results to a file or stdout, as JSONL or CSV (chosen by the file extension). */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import type { Outcome } from '../pipeline/outcome.js';
import { csvHeader, toCsvRecord, writeJsonRow } from '../pipeline/output-row.js';
import { Utf8Batch } from './utf8-batch.js';
import { writeAndRelease, writeChunk } from './write-stream.js';

/** csv-stringify writes `false` as an empty cell by default; results say `true` or `false`. */
const CSV_OPTIONS = { cast: { boolean: (v: boolean) => (v ? 'true' : 'false') } };

export type ResultsFormat = 'jsonl' | 'csv';

export interface OutcomeSink {
  write(batch: readonly Outcome[]): Promise<void>;
  close(): Promise<void>;
}

export function resultsFormatFor(path: string): ResultsFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'jsonl';
}

/** `-` is stdout (never closed); anything else a file, created with its folder. */
export async function openResultsFile(
  path: string,
  opts: { withProposal: boolean; stdout: NodeJS.WritableStream },
): Promise<OutcomeSink> {
  const format = path === '-' ? 'jsonl' : resultsFormatFor(path);
  let stream: NodeJS.WritableStream;
  if (path === '-') stream = opts.stdout;
  else {
    await mkdir(dirname(path), { recursive: true });
    stream = createWriteStream(path);
  }
  let headerDone = false;
  const rows = new DoubleBuffer(stream);
  return {
    async write(batch) {
      if (batch.length === 0) return;
      if (format === 'jsonl') {
        const buffer = await rows.free();
        for (const o of batch) writeJsonRow(o, buffer);
        rows.send(buffer);
        return;
      }
      const records = batch.map((o) => toCsvRecord(o, opts.withProposal));
      if (!headerDone) records.unshift(csvHeader(opts.withProposal));
      headerDone = true;
      await writeChunk(stream, stringify(records, CSV_OPTIONS));
    },
    async close() {
      await rows.flushed();
      if (format === 'csv' && !headerDone) await writeChunk(stream, stringify([csvHeader(opts.withProposal)], CSV_OPTIONS));
      if (path !== '-') {
        stream.end();
        await finished(stream as NodeJS.WritableStream & import('node:stream').Writable);
      }
    },
  };
}

/**
 * Two row buffers taking turns: one batch's rows are written while the next batch's are made in the other, so the
 * thread does not wait for each write (waiting for every write's callback cost about 5% of a replay to
 * /dev/null). A buffer is reused only once the stream is done with its bytes: at most two batches of rows are held.
 */
class DoubleBuffer {
  private readonly buffers = [new Utf8Batch(), new Utf8Batch()] as const;
  private readonly writes: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  private turn: 0 | 1 = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  /** The buffer whose turn it is, once its last write is done (rejects when that write failed). */
  async free(): Promise<Utf8Batch> {
    await this.writes[this.turn];
    return this.buffers[this.turn];
  }

  /** Writes what `buffer` (the one `free` gave) holds, and gives the turn to the other buffer. */
  send(buffer: Utf8Batch): void {
    const written = writeAndRelease(this.stream, buffer.take());
    // Awaited at the buffer's next turn or at close; until then a failure must not count as unhandled.
    written.catch(() => {});
    this.writes[this.turn] = written;
    this.turn = this.turn === 0 ? 1 : 0;
  }

  /** Resolves once both buffers' writes are done; rejects when one failed. */
  async flushed(): Promise<void> {
    await Promise.all(this.writes);
  }
}
