/**
 * Side numbers (engine/side-keys.ts) remembered by peer slot (inventory/peers.ts): a direct-mapped table in one
 * typed array, so the warm path finds both sides of a flow with two loads from one cache line each, allocating
 * nothing and hashing nothing. A slot that lands where another slot was stored simply replaces it; the table
 * grows with the slots seen, up to MAX_ENTRIES (8 MiB), so peers made and dropped over a long run (new
 * addresses) never pile up.
 */
const MAX_ENTRIES = 1 << 20;
/** Entry layout: the slot it holds (EMPTY: none), then its side number; side by side, so a lookup reads one line. */
const STRIDE = 2;
const SIDE = 1;
const EMPTY = -1;

export class PeerSides {
  private entries = emptyEntries(1024);
  private mask = 1023;

  /** The side remembered for `slot` (≥ 0), if any. */
  get(slot: number): number | undefined {
    const at = (slot & this.mask) * STRIDE;
    return this.entries[at] === slot ? this.entries[at + SIDE]! : undefined;
  }

  set(slot: number, side: number): void {
    if (slot > this.mask && this.mask + 1 < MAX_ENTRIES) this.grow(slot);
    const at = (slot & this.mask) * STRIDE;
    this.entries[at] = slot;
    this.entries[at + SIDE] = side;
  }

  private grow(slot: number): void {
    const size = Math.min(MAX_ENTRIES, 2 ** Math.ceil(Math.log2(slot + 1)));
    const old = this.entries;
    this.entries = emptyEntries(size);
    this.mask = size - 1;
    for (let from = 0; from < old.length; from += STRIDE) {
      const tag = old[from]!;
      if (tag === EMPTY) continue;
      const at = (tag & this.mask) * STRIDE;
      this.entries[at] = tag;
      this.entries[at + SIDE] = old[from + SIDE]!;
    }
  }
}

function emptyEntries(size: number): Int32Array {
  return new Int32Array(size * STRIDE).fill(EMPTY);
}
