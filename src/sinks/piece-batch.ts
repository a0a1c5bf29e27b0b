import { BufferMemory } from '../flows/buffer-memory.js';

/**
 * Rows as the pieces they are made of, for a file written with writev: the input line's bytes where they were
 * read, the pieces rows share (endpoint and verdict columns, made once) as they are. Nothing is copied on the
 * thread that evaluates; the kernel gathers the pieces when the write runs on libuv's thread pool (which also
 * writes past IOV_MAX pieces and partial writes, so one writev call takes any number). The pieces must stay as
 * they are until their write is done: lines keep their chunks, shared pieces never change.
 */
export class PieceBatch {
  /**
   * One array, refilled batch after batch: a fresh one grew by copying itself a dozen times on the way to a
   * batch's few thousand pieces (about 70 bytes allocated a row).
   */
  private readonly pieces: Uint8Array[] = [];
  private count = 0;
  private readonly memory = new BufferMemory();

  add(text: string): void {
    this.pieces[this.count++] = Buffer.from(text);
  }

  addBytes(bytes: Uint8Array): void {
    this.pieces[this.count++] = bytes;
  }

  addRange(bytes: Buffer, start: number, end: number): void {
    this.pieces[this.count++] = this.memory.view(bytes, start, end);
  }

  /**
   * The pieces added since the last call, in order. The array is the batch's own: the caller must be done with it
   * (its write done) before adding more.
   */
  take(): Uint8Array[] {
    const taken = this.pieces;
    taken.length = this.count;
    this.count = 0;
    return taken;
  }
}
