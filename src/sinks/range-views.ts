/**
 * Views of ranges of the Buffers lines lie in (a line as read: `bytes[start, end)`), made as plain Uint8Arrays
 * over the Buffer's memory. Buffer#subarray makes a Buffer through its species constructor, about twice the
 * cost, and Buffer#copy and reading `.buffer` call into V8's runtime: the memory is read once per Buffer, and the
 * lines of one chunk share it.
 */
export class RangeViews {
  private of: Buffer | undefined;
  private memory: ArrayBufferLike = new ArrayBuffer(0);
  private offset = 0;

  view(bytes: Buffer, start: number, end: number): Uint8Array {
    if (bytes !== this.of) {
      this.of = bytes;
      this.memory = bytes.buffer;
      this.offset = bytes.byteOffset;
    }
    return new Uint8Array(this.memory, this.offset + start, end - start);
  }
}
