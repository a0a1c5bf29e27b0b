/**
 * Where the last Buffer asked about lies: its memory (ArrayBuffer) and the offset it starts at there. The lines of
 * a file chunk share one Buffer, and the records of a Kafka fetch one memory. Reading `.buffer` calls into V8's
 * runtime (about 370 instructions), and `.byteOffset` is a generic property lookup in the hot functions, so both
 * are read once per Buffer rather than once per line.
 */
export class BufferMemory {
  private of: Buffer | undefined;
  private memory_: ArrayBufferLike = new ArrayBuffer(0);
  private offset_ = 0;

  /** Makes `memory` and `offset` those of `bytes`. */
  locate(bytes: Buffer): void {
    if (bytes === this.of) return;
    this.of = bytes;
    this.memory_ = bytes.buffer;
    this.offset_ = bytes.byteOffset;
  }

  get memory(): ArrayBufferLike {
    return this.memory_;
  }

  get offset(): number {
    return this.offset_;
  }

  /**
   * `bytes[start, end)` as a plain Uint8Array over their memory, copying nothing: Buffer#subarray makes a Buffer
   * through its species constructor (about twice the cost), and Buffer#copy reads `.buffer` each time.
   */
  view(bytes: Buffer, start: number, end: number): Uint8Array {
    this.locate(bytes);
    return new Uint8Array(this.memory_, this.offset_ + start, end - start);
  }
}
