/**
 * Text → UTF-8 bytes row by row, into buffers handed off whole. Building a batch of rows as one string and
 * converting it at the end costs two to three times more: V8 first flattens the rope of thousands of pieces,
 * then encodes it. Here each row is encoded as it is made, into a buffer that is never written to again once
 * taken, so a stream may hold on to it.
 */
const CHUNK_BYTES = 256 * 1024;

export class Utf8Chunks {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private sealed: Buffer[] = [];

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

  /** The bytes added since the last call, in order. */
  take(): Buffer[] {
    this.seal();
    const out = this.sealed;
    this.sealed = [];
    return out;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    this.seal();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
  }

  private seal(): void {
    if (this.used === 0) return;
    this.sealed.push(this.buffer.subarray(0, this.used));
    this.buffer = this.buffer.subarray(this.used);
    this.used = 0;
  }
}
