import { fileURLToPath } from 'node:url';
import type { DeadLetterSink } from '../../src/flows/dead-letter.js';
import { decodeFlowSource, type DecodeStats, newDecodeStats } from '../../src/flows/decode.js';
import type { DecoderOptions, FlowFormat } from '../../src/flows/decoders/index.js';
import type { FlowSource, ReadOptions } from '../../src/flows/read.js';
import type { DeadLetter, DecodedFlow, FlowRecord } from '../../src/flows/record.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/flows/', import.meta.url));

export function fixture(path: string): string {
  return `${FIXTURES}${path}`;
}

export interface Decoded {
  readonly flows: DecodedFlow[];
  readonly records: FlowRecord[];
  readonly letters: DeadLetter[];
  readonly stats: DecodeStats;
}

/** Decodes a whole input through the real stage, collecting flows and dead letters in memory. */
export async function decodeAll(
  source: FlowSource,
  format: FlowFormat | 'auto',
  options: { decoderOptions?: DecoderOptions; file?: string } & ReadOptions = {},
): Promise<Decoded> {
  const letters: DeadLetter[] = [];
  const sink: DeadLetterSink = {
    async write(batch) {
      letters.push(...batch);
    },
    async close() {},
  };
  const stats = newDecodeStats();
  const flows: DecodedFlow[] = [];
  const file = options.file ?? (typeof source === 'string' ? source : 'stream');
  for await (const batch of decodeFlowSource(source, { ...options, file, format, deadLetters: sink, stats })) {
    flows.push(...batch);
  }
  return { flows, records: flows.map((f) => f.record), letters, stats };
}

/** A record with its `undefined`-valued keys removed, as JSON would write it. */
export function plain(record: FlowRecord): Record<string, unknown> {
  return JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
}
