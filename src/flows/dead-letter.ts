import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DecodeFailure } from './decode-result.js';
import type { DeadLetter, SourcePosition } from './record.js';

/**
 * Dead letters: records that could not be decoded, with where they came from and why. Nothing bad is dropped
 * silently: each one is counted by reason and written to a sink (the JSONL file here; a Kafka topic elsewhere).
 */

/** The raw input kept in a dead letter, in bytes of UTF-8. */
export const DEAD_LETTER_RAW_BYTES = 4096;

export function deadLetter(pos: SourcePosition, failure: DecodeFailure, raw: string): DeadLetter {
  return { pos, reason: failure.reason, message: failure.message, raw: truncateUtf8(raw, DEAD_LETTER_RAW_BYTES) };
}

/** `text` cut to at most `maxBytes` of UTF-8, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text);
  // If the byte after the cut continues a character (10xxxxxx), step back to that character's first byte.
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}

/** Counts per reason code (dead letters, skipped lines). */
export class ReasonCounts<R extends string = string> {
  private readonly counts = new Map<R, number>();

  add(reason: R, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get(reason: R): number {
    return this.counts.get(reason) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Reason → count, reasons in first-seen order. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** Where dead letters go. `write` takes a batch and resolves once the sink can take more (backpressure). */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A JSONL file, one dead letter per line:
 * `{"pos":{"kind":"file","file":"flows.jsonl","line":7},"reason":"invalid-json","message":"...","raw":"..."}`.
 */
export function deadLetterFile(path: string): DeadLetterSink {
  const out: WriteStream = createWriteStream(path);
  let failed: Error | undefined;
  out.on('error', (err) => {
    failed = err;
  });
  return {
    async write(letters) {
      if (failed) throw failed;
      if (letters.length === 0) return;
      let text = '';
      for (const l of letters) text += `${JSON.stringify(l)}\n`;
      if (!out.write(text)) await once(out, 'drain'); // rejects if the stream errors meanwhile
      if (failed) throw failed;
    },
    async close() {
      if (failed) throw failed;
      await new Promise<void>((resolve, reject) => {
        out.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
    },
  };
}
