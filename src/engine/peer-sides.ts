/**
 * Side numbers (engine/side-keys.ts) remembered by peer slot (inventory/peers.ts): a direct-mapped table in two
 * typed arrays, so the warm path finds both sides of a flow with two loads each, allocating nothing and hashing
 * nothing. A slot that lands where another slot was stored simply replaces it; the table grows with the slots
 * seen, up to MAX_ENTRIES (8 MiB), so peers made and dropped over a long run (new addresses) never pile up.
 */
const MAX_ENTRIES = 1 << 20;
/** Tag of an empty entry (slots are ≥ 0). */
const EMPTY = -1;

export class PeerSides {
  private tags = new Int32Array(1024).fill(EMPTY);
  private sides = new Int32Array(1024);
  private mask = 1023;

  /** The side remembered for `slot` (≥ 0), if any. */
  get(slot: number): number | undefined {
    const i = slot & this.mask;
    return this.tags[i] === slot ? this.sides[i]! : undefined;
  }

  set(slot: number, side: number): void {
    if (slot > this.mask && this.mask + 1 < MAX_ENTRIES) this.grow(slot);
    const i = slot & this.mask;
    this.tags[i] = slot;
    this.sides[i] = side;
  }

  private grow(slot: number): void {
    const size = Math.min(MAX_ENTRIES, 2 ** Math.ceil(Math.log2(slot + 1)));
    const { tags, sides } = this;
    this.tags = new Int32Array(size).fill(EMPTY);
    this.sides = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i]!;
      if (t === EMPTY) continue;
      this.tags[t & this.mask] = t;
      this.sides[t & this.mask] = sides[i]!;
    }
  }
}
