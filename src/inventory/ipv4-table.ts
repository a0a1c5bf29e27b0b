/**
 * IPv4 address → value, keyed by the address as a 32-bit number. Resolution looks up both sides of every flow by
 * IP, and a Map keyed by the flow's IP text pays for hashing a string it has never seen (V8 hashes a string on
 * its first lookup, through the runtime) on every record: parsing four octets in JIT code and probing a typed
 * array costs a fraction of that.
 */

/** Slot value of a free slot (values are indexes ≥ 0 into `values`). */
const FREE = -1;

export class IPv4Table<T> {
  private keys: Int32Array;
  private slots: Int32Array;
  private values: T[] = [];
  private mask: number;

  constructor(capacity = 1024) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.keys = new Int32Array(size);
    this.slots = new Int32Array(size).fill(FREE);
    this.mask = size - 1;
  }

  get size(): number {
    return this.values.length;
  }

  /** `address` is ipv4Number's result (≥ 0). */
  get(address: number): T | undefined {
    const key = address | 0;
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i]!;
      if (slot === FREE) return undefined;
      if (this.keys[i] === key) return this.values[slot];
    }
  }

  set(address: number, value: T): void {
    const key = address | 0;
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i]!;
      if (slot === FREE) {
        this.keys[i] = key;
        this.slots[i] = this.values.length;
        this.values.push(value);
        if (this.values.length * 2 > this.mask) this.grow();
        return;
      }
      if (this.keys[i] === key) {
        this.values[slot] = value;
        return;
      }
    }
  }

  clear(): void {
    this.slots.fill(FREE);
    this.values = [];
  }

  private grow(): void {
    const { keys, slots } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.slots = new Int32Array(slots.length * 2).fill(FREE);
    this.mask = this.keys.length - 1;
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === FREE) continue;
      let i = hash(keys[j]!) & this.mask;
      while (this.slots[i] !== FREE) i = (i + 1) & this.mask;
      this.keys[i] = keys[j]!;
      this.slots[i] = slots[j]!;
    }
  }
}

function hash(key: number): number {
  const h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}
