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
  const rows = new Utf8Batch();
  return {
    async write(batch) {
      if (batch.length === 0) return;
      if (format === 'jsonl') {
        for (const o of batch) writeJsonRow(o, rows);
        await writeAndRelease(stream, rows.take());
        return;
      }
      const records = batch.map((o) => toCsvRecord(o, opts.withProposal));
      if (!headerDone) records.unshift(csvHeader(opts.withProposal));
      headerDone = true;
      await writeChunk(stream, stringify(records, CSV_OPTIONS));
    },
    async close() {
      if (format === 'csv' && !headerDone) await writeChunk(stream, stringify([csvHeader(opts.withProposal)], CSV_OPTIONS));
      if (path !== '-') {
        stream.end();
        await finished(stream as NodeJS.WritableStream & import('node:stream').Writable);
      }
    },
  };
}
