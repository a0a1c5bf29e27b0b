/**
 * IPv4 address → value, keyed by the address as a 32-bit number. Resolution looks up both sides of every flow by
 * IP, and a Map keyed by the flow's IP text pays for hashing a string it has never seen (V8 hashes a string on
 * its first lookup, through the runtime) on every record: parsing four octets in JIT code and probing a typed
 * array costs a fraction of that.
 */

/**
 * Slot layout in `entries`: the key, then the index of its value in `values` (FREE when the slot is free). Key
 * and index side by side: a probe reads one cache line, where two arrays would read two (the tables are too big
 * for the CPU caches, and every flow probes several).
 */
const STRIDE = 2;
const INDEX = 1;
const FREE = -1;

export class IPv4Table<T> {
  private entries: Int32Array;
  private values: T[] = [];
  /** Slots - 1 (slots are a power of two). */
  private mask: number;

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.entries = freeEntries(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.values.length;
  }

  /** `address` is ipv4Number's result (≥ 0). */
  get(address: number): T | undefined {
    const index = this.indexOf(address);
    return index < 0 ? undefined : this.values[index];
  }

  /**
   * The address's index, or -1: indexes count the addresses from 0 in the order they were first set (until
   * `clear`), so a caller can keep more about each address in arrays of its own.
   */
  indexOf(address: number): number {
    const key = address | 0;
    const entries = this.entries;
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * STRIDE;
      const index = entries[at + INDEX]!;
      if (index === FREE || entries[at] === key) return index;
    }
  }

  /** The value at an index indexOf gave. */
  at(index: number): T {
    return this.values[index]!;
  }

  /** Sets the address's value; returns its index (indexOf). */
  set(address: number, value: T): number {
    const key = address | 0;
    const entries = this.entries;
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * STRIDE;
      const index = entries[at + INDEX]!;
      if (index === FREE) {
        const added = this.values.length;
        entries[at] = key;
        entries[at + INDEX] = added;
        this.values.push(value);
        if (this.values.length * 2 > this.mask) this.grow();
        return added;
      }
      if (entries[at] === key) {
        this.values[index] = value;
        return index;
      }
    }
  }

  clear(): void {
    for (let at = INDEX; at < this.entries.length; at += STRIDE) this.entries[at] = FREE;
    this.values = [];
  }

  private grow(): void {
    const old = this.entries;
    const slots = (this.mask + 1) * 2;
    this.entries = freeEntries(slots);
    this.mask = slots - 1;
    for (let from = 0; from < old.length; from += STRIDE) {
      if (old[from + INDEX] === FREE) continue;
      let i = hash(old[from]!) & this.mask;
      while (this.entries[i * STRIDE + INDEX] !== FREE) i = (i + 1) & this.mask;
      this.entries[i * STRIDE] = old[from]!;
      this.entries[i * STRIDE + INDEX] = old[from + INDEX]!;
    }
  }
}

function freeEntries(slots: number): Int32Array {
  const entries = new Int32Array(slots * STRIDE);
  for (let at = INDEX; at < entries.length; at += STRIDE) entries[at] = FREE;
  return entries;
}

function hash(key: number): number {
  const h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}
