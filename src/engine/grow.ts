/**
 * Tables by dense id (endpoint, class, side number) live in typed arrays that grow by doubling: copies long enough
 * to hold index `id`, never shorter than 64 entries, so tables that start empty do not grow one entry at a time.
 */
export function int32sHolding(a: Int32Array, id: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(lengthHolding(a.length, id));
  out.set(a);
  return out;
}

export function bytesHolding(a: Uint8Array, id: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(lengthHolding(a.length, id));
  out.set(a);
  return out;
}

function lengthHolding(length: number, id: number): number {
  return Math.max(id + 1, length * 2, 64);
}
