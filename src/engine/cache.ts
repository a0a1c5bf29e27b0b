/**
 * The verdict cache: an open-addressing hash table in one Int32Array, keyed by the flow's primary key (both
 * sides' numbers — identity and address key, engine/side-keys.ts — protocol and dst_port) and holding the
 * verdict's number, so a hit reads one 16-byte slot, within one cache line, and allocates nothing.
 *
 * An evaluation also reports which other flow fields it read (context.ts DEP_*: src_port, ICMP type and code, and
 * the flow's time as the epoch of the Services' endpoints).
 * The entry for a primary key is either a verdict (the evaluation read nothing else, so every flow with that key
 * takes the same path) or a trie keyed by the fields evaluations under that key have read so far. When a later
 * evaluation reads a field the trie does not key on, the trie widens and starts empty: a stored verdict is always
 * keyed by a superset of the fields its evaluation read, so a hit is always correct.
 *
 * Memory is bounded in bytes: the table grows while it fits the budget, tries count by an estimate of what V8
 * spends on them, and reaching the budget empties the cache (it holds only what it can recompute).
 */
import type { FlowRecord } from '../flows/record.js';
import { DEP_ICMP_CODE, DEP_ICMP_TYPE, DEP_SERVICE_EPOCH, DEP_SRC_PORT } from './context.js';

/** Trie levels in a fixed order. */
const DEP_ORDER = [DEP_SRC_PORT, DEP_ICMP_TYPE, DEP_ICMP_CODE, DEP_SERVICE_EPOCH] as const;

/** A flow field's value for a trie level; the epoch is computed from the flow's time. */
type FieldValue = (bit: number, flow: FlowRecord) => number | undefined;

/** One level per field the entry keys on; the last level holds verdict numbers. */
interface Trie extends Map<number | undefined, Trie | number> {}

class DependentEntry {
  trie: Trie = new Map();
  constructor(public deps: number) {}
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Primary keys held. */
  readonly entries: number;
  /** Times the cache was emptied because it reached its budget. */
  readonly resets: number;
  /** Bytes held: the table as allocated plus an estimate for tries. */
  readonly bytes: number;
}

/** The verdict number `get` returns on a miss. */
export const MISS = -1;

/** Slot layout: source side, destination side, protoPort, value. */
const STRIDE = 4;
const PP = 2;
const VALUE = 3;
/** protoPort of a free slot (real ones are ≥ 0). */
const EMPTY = -1;
const INITIAL_CAPACITY = 1024;
/** Rough V8 costs of trie parts: a DependentEntry with its first Map, a Map, one Map entry. */
const DEPENDENT_BYTES = 200;
const MAP_BYTES = 160;
const ENTRY_BYTES = 32;

export class VerdictCache {
  private capacity = INITIAL_CAPACITY;
  private slots = emptySlots(INITIAL_CAPACITY);
  /** Values < 0 in a slot are -(index + 1) here. */
  private dependents: DependentEntry[] = [];
  private dependentBytes = 0;
  private size = 0;
  private hits = 0;
  private misses = 0;
  private resets = 0;

  private readonly fieldValue: FieldValue;

  constructor(
    private readonly maxBytes: number,
    /** ServiceMatches.epochOf: the flow's time as DEP_SERVICE_EPOCH keys it. */
    epochOf: (time: number | undefined) => number,
  ) {
    this.fieldValue = fieldReader(epochOf);
  }

  /** The verdict number cached for this flow, or MISS. */
  get(src: number, dst: number, flow: FlowRecord): number {
    const v = this.peek(src, dst, flow);
    if (v === MISS) this.misses++;
    else this.hits++;
    return v;
  }

  /** `get` without counting: a caller that looks again after a MISS counts the answer it keeps (countHit, get). */
  peek(src: number, dst: number, flow: FlowRecord): number {
    const slots = this.slots;
    const at = this.slot(src, dst, protoPortKey(flow)) * STRIDE;
    if (slots[at + PP] === EMPTY) return MISS;
    const v = slots[at + VALUE]!;
    return v < 0 ? walk(this.dependents[-v - 1]!, flow, this.fieldValue) : v;
  }

  /** Counts a hit that `peek` found. */
  countHit(): void {
    this.hits++;
  }

  set(src: number, dst: number, flow: FlowRecord, verdict: number, deps: number): void {
    const pp = protoPortKey(flow);
    let at = this.slot(src, dst, pp) * STRIDE;
    const slots = this.slots;
    if (slots[at + PP] === EMPTY) {
      if ((this.size + 1) * 2 > this.capacity && !this.grow()) this.clear();
      at = this.slot(src, dst, pp) * STRIDE;
      const s = this.slots;
      s[at] = src;
      s[at + 1] = dst;
      s[at + PP] = pp;
      s[at + VALUE] = verdict;
      this.size++;
      if (deps === 0) return;
    }
    const value = this.slots[at + VALUE]!;
    if (deps === 0 && value >= 0) {
      this.slots[at + VALUE] = verdict;
      return;
    }
    let dep: DependentEntry;
    if (value < 0) {
      dep = this.dependents[-value - 1]!;
      if ((deps & ~dep.deps) !== 0) {
        dep.deps |= deps;
        dep.trie = new Map();
        this.dependentBytes += MAP_BYTES;
      }
    } else {
      dep = new DependentEntry(deps);
      this.dependents.push(dep);
      this.dependentBytes += DEPENDENT_BYTES;
      this.slots[at + VALUE] = -this.dependents.length;
    }
    this.dependentBytes += insert(dep, flow, verdict, this.fieldValue);
    if (this.bytes > this.maxBytes) this.clear();
  }

  clear(): void {
    for (let i = PP; i < this.slots.length; i += STRIDE) this.slots[i] = EMPTY;
    this.dependents = [];
    this.dependentBytes = 0;
    this.size = 0;
    this.resets++;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.size, resets: this.resets, bytes: this.bytes };
  }

  private get bytes(): number {
    return this.slots.byteLength + this.dependentBytes;
  }

  /** The slot holding the key, or the empty slot where it would go (linear probing). */
  private slot(src: number, dst: number, pp: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let i = hash(src, dst, pp) & mask;
    for (;;) {
      const at = i * STRIDE;
      const k = slots[at + PP];
      if (k === EMPTY || (k === pp && slots[at] === src && slots[at + 1] === dst)) return i;
      i = (i + 1) & mask;
    }
  }

  /** Doubles the table if that fits the budget; false otherwise. */
  private grow(): boolean {
    const { slots, capacity } = this;
    if (slots.byteLength * 2 + this.dependentBytes > this.maxBytes) return false;
    this.capacity = capacity * 2;
    this.slots = emptySlots(this.capacity);
    for (let at = 0; at < slots.length; at += STRIDE) {
      const pp = slots[at + PP]!;
      if (pp === EMPTY) continue;
      const to = this.slot(slots[at]!, slots[at + 1]!, pp) * STRIDE;
      for (let j = 0; j < STRIDE; j++) this.slots[to + j] = slots[at + j]!;
    }
    return true;
  }
}

function emptySlots(capacity: number): Int32Array {
  const slots = new Int32Array(capacity * STRIDE);
  for (let i = PP; i < slots.length; i += STRIDE) slots[i] = EMPTY;
  return slots;
}

/** proto 0-255 and dst_port 0-65535, or 65536 when the flow has none: one int32. */
function protoPortKey(flow: FlowRecord): number {
  return flow.proto * 65537 + (flow.dst_port ?? 65536);
}

function hash(src: number, dst: number, pp: number): number {
  let h = Math.imul(src, 0x9e3779b1) ^ Math.imul(dst + 0x7f4a7c15, 0x85ebca77) ^ Math.imul(pp, 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

/** The flow field each DEP_ORDER level keys on; the epoch from the flow's time. */
function fieldReader(epochOf: (time: number | undefined) => number): FieldValue {
  return (bit, flow) => {
    switch (bit) {
      case DEP_SRC_PORT:
        return flow.src_port;
      case DEP_ICMP_TYPE:
        return flow.icmp_type;
      case DEP_ICMP_CODE:
        return flow.icmp_code;
      case DEP_SERVICE_EPOCH:
        return epochOf(flow.time);
      default:
        throw new Error(`engine: the verdict cache has no flow field for dependency ${bit}`);
    }
  };
}

function walk(entry: DependentEntry, flow: FlowRecord, fieldValue: FieldValue): number {
  let node: Trie | number | undefined = entry.trie;
  for (const bit of DEP_ORDER) {
    if ((entry.deps & bit) === 0) continue;
    node = (node as Trie).get(fieldValue(bit, flow));
    if (node === undefined) return MISS;
  }
  return node as number;
}

/** Stores the verdict under the flow's dependent fields; returns the estimated bytes this added. */
function insert(entry: DependentEntry, flow: FlowRecord, verdict: number, fieldValue: FieldValue): number {
  let levels = 0;
  for (const bit of DEP_ORDER) if ((entry.deps & bit) !== 0) levels++;
  let node: Trie = entry.trie;
  let bytes = 0;
  for (const bit of DEP_ORDER) {
    if ((entry.deps & bit) === 0) continue;
    const value = fieldValue(bit, flow);
    if (--levels === 0) {
      if (!node.has(value)) bytes += ENTRY_BYTES;
      node.set(value, verdict);
      return bytes;
    }
    let next = node.get(value) as Trie | undefined;
    if (next === undefined) {
      node.set(value, (next = new Map()));
      bytes += ENTRY_BYTES + MAP_BYTES;
    }
    node = next;
  }
  return bytes;
}
