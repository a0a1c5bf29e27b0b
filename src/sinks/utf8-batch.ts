/**
 * Text → UTF-8 bytes row by row, into one buffer reused batch after batch. Building a batch of rows as one string
 * and converting it at the end costs two to three times more (V8 first flattens the rope of thousands of pieces,
 * then encodes it), and a fresh buffer per batch costs page faults on memory never touched before; a reused one
 * stays in the CPU caches.
 */
import { BufferMemory } from '../flows/buffer-memory.js';

const INITIAL_BYTES = 256 * 1024;

export class Utf8Batch {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;
  private readonly memory = new BufferMemory();

  add(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    this.reserve(text.length * 3);
    this.used += this.buffer.write(text, this.used);
  }

  /** Bytes already encoded (pieces made once and copied into many rows). */
  addBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** `bytes[start, end)` (a line as it was read). */
  addRange(bytes: Buffer, start: number, end: number): void {
    this.reserve(end - start);
    this.buffer.set(this.memory.view(bytes, start, end), this.used);
    this.used += end - start;
  }

  /**
   * The bytes added since the last call. They live in the shared buffer: the caller must be done with them (a
   * stream's write callback has run) before adding more.
   */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.used);
    this.used = 0;
    return bytes;
  }

  private reserve(bytes: number): void {
    const need = this.used + bytes;
    if (need <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }
}
