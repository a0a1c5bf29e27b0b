/** Replay results to a file or stdout, as JSONL or CSV (chosen by the file extension). */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Outcome } from '../pipeline/outcome.js';
import { csvHeader, type RowBytes, toCsvRecord, writeJsonRow } from '../pipeline/output-row.js';
import { PieceBatch } from './piece-batch.js';
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
  const out = path === '-' ? streamOutput(opts.stdout) : await fileOutput(path);
  let headerDone = false;
  return {
    async write(batch) {
      if (batch.length === 0) return;
      if (format === 'jsonl') {
        const rows = await out.rows.free();
        for (const o of batch) writeJsonRow(o, rows);
        out.rows.send();
        return;
      }
      const records = batch.map((o) => toCsvRecord(o, opts.withProposal));
      if (!headerDone) records.unshift(csvHeader(opts.withProposal));
      headerDone = true;
      await out.text(stringify(records, CSV_OPTIONS));
    },
    async close() {
      try {
        await out.rows.flushed();
        if (format === 'csv' && !headerDone) await out.text(stringify([csvHeader(opts.withProposal)], CSV_OPTIONS));
      } finally {
        // A file is closed even when a write failed (the failure is what close reports).
        await out.close();
      }
    },
  };
}

/** Where results go: JSONL rows a batch at a time (TakingTurns), or text (CSV). */
interface Output {
  readonly rows: { free(): Promise<RowBytes>; send(): void; flushed(): Promise<void> };
  text(text: string): Promise<void>;
  close(): Promise<void>;
}

/** stdout: rows copied into two buffers taking turns; waits for 'drain' when the stream's buffer is full. */
function streamOutput(stream: NodeJS.WritableStream): Output {
  return {
    rows: new TakingTurns([new Utf8Batch(), new Utf8Batch()], (rows) => writeAndRelease(stream, rows.take())),
    text: (text) => writeChunk(stream, text),
    close: async () => {},
  };
}

/** A file: rows as pieces written with writev, one write at a time, in order. */
async function fileOutput(path: string): Promise<Output> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w');
  let last: Promise<unknown> = Promise.resolve();
  const inOrder = (write: () => Promise<unknown>): Promise<void> => {
    const done = last.then(write);
    last = done;
    return done.then(() => {});
  };
  return {
    rows: new TakingTurns([new PieceBatch(), new PieceBatch()], (rows) => {
      const pieces = rows.take();
      return inOrder(() => handle.writev(pieces));
    }),
    text: (text) => inOrder(() => handle.write(text)),
    close: async () => {
      try {
        await last;
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * Two row collectors taking turns: one batch's rows are written while the next batch's are made in the other, so
 * the thread does not wait for each write (waiting for every write cost about 5% of a replay). A collector is
 * reused only once its write is done: at most two batches of rows are held.
 */
class TakingTurns<C extends RowBytes> {
  private readonly writes: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  private turn: 0 | 1 = 0;

  constructor(
    private readonly collectors: readonly [C, C],
    private readonly write: (rows: C) => Promise<void>,
  ) {}

  /** The collector whose turn it is, once its last write is done (rejects when that write failed). */
  async free(): Promise<C> {
    await this.writes[this.turn];
    return this.collectors[this.turn];
  }

  /** Writes what the collector `free` gave holds, and gives the turn to the other collector. */
  send(): void {
    const written = this.write(this.collectors[this.turn]);
    // Awaited at the collector's next turn or at close; until then a failure must not count as unhandled.
    written.catch(() => {});
    this.writes[this.turn] = written;
    this.turn = this.turn === 0 ? 1 : 0;
  }

  /** Resolves once both collectors' writes are done; rejects when one failed. */
  async flushed(): Promise<void> {
    await Promise.all(this.writes);
  }
}
