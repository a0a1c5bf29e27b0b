/**
 * The verdict cache: an open-addressing hash table keyed by numbers (source identity, destination identity,
 * protocol and dst_port), so a hit reads a few typed-array slots and allocates nothing.
 *
 * An evaluation also reports which other flow fields it read (context.ts DEP_*). The entry for a primary key is
 * either a verdict (the evaluation read nothing else, so every flow with that key takes the same path) or a trie
 * keyed by the fields evaluations under that key have read so far. When a later evaluation reads a field the trie
 * does not key on, the trie widens and starts empty: a stored verdict is always keyed by a superset of the fields
 * its evaluation read, so a hit is always correct.
 */
import type { FlowRecord } from '../flows/record.js';
import { DEP_DST_IP, DEP_ICMP_CODE, DEP_ICMP_TYPE, DEP_SRC_IP, DEP_SRC_PORT } from './context.js';
import type { Verdict } from './verdict.js';

/** Trie levels in a fixed order. */
const DEP_ORDER = [DEP_SRC_IP, DEP_DST_IP, DEP_SRC_PORT, DEP_ICMP_TYPE, DEP_ICMP_CODE] as const;

type FieldValue = string | number | undefined;
/** One level per field the entry keys on; the last level holds verdicts. */
interface Trie extends Map<FieldValue, Trie | Verdict> {}

class DependentEntry {
  trie: Trie = new Map();
  constructor(public deps: number) {}
}

type Entry = Verdict | DependentEntry;

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  /** Times the cache was emptied because it reached its bound. */
  readonly resets: number;
}

/** The flow fields a trie may key on, as the evaluation read them (IPs as the peers give them). */
export interface DependentFields {
  readonly flow: FlowRecord;
  readonly srcIp: string | undefined;
  readonly dstIp: string | undefined;
}

const EMPTY = -1;
const INITIAL_CAPACITY = 1024;

export class VerdictCache {
  private capacity = INITIAL_CAPACITY;
  /** Per slot, side by side: source identity, destination identity, protoPortKey (EMPTY for a free slot). */
  private keys = emptyKeys(INITIAL_CAPACITY);
  private values: (Entry | undefined)[] = new Array<Entry | undefined>(INITIAL_CAPACITY).fill(undefined);
  private size = 0;
  private hits = 0;
  private misses = 0;
  private resets = 0;

  /** `maxEntries` bounds the primary keys held; reaching it empties the cache. */
  constructor(private readonly maxEntries: number) {}

  get(src: number, dst: number, flow: FlowRecord, fields: DependentFields): Verdict | undefined {
    const pp = protoPortKey(flow);
    const i = this.slot(src, dst, pp);
    const entry = this.keys[i * 3 + 2] === EMPTY ? undefined : this.values[i];
    const v = entry instanceof DependentEntry ? walk(entry, fields) : entry;
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }

  set(src: number, dst: number, flow: FlowRecord, fields: DependentFields, verdict: Verdict, deps: number): void {
    const pp = protoPortKey(flow);
    let i = this.slot(src, dst, pp);
    if (this.keys[i * 3 + 2] === EMPTY) {
      if (this.size >= this.maxEntries) this.clear();
      else if ((this.size + 1) * 2 > this.capacity) this.grow();
      i = this.slot(src, dst, pp);
      this.keys[i * 3] = src;
      this.keys[i * 3 + 1] = dst;
      this.keys[i * 3 + 2] = pp;
      this.values[i] = undefined;
      this.size++;
    }
    const entry = this.values[i];
    if (deps === 0 && !(entry instanceof DependentEntry)) {
      this.values[i] = verdict;
      return;
    }
    let dep: DependentEntry;
    if (entry instanceof DependentEntry) {
      dep = entry;
      if ((deps & ~dep.deps) !== 0) {
        dep.deps |= deps;
        dep.trie = new Map();
      }
    } else {
      dep = new DependentEntry(deps);
      this.values[i] = dep;
    }
    insert(dep, fields, verdict);
  }

  clear(): void {
    this.keys = emptyKeys(this.capacity);
    this.values.fill(undefined);
    this.size = 0;
    this.resets++;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.size, resets: this.resets };
  }

  /** The slot holding the key, or the empty slot where it would go (linear probing). */
  private slot(src: number, dst: number, pp: number): number {
    const keys = this.keys;
    const mask = this.capacity - 1;
    let i = hash(src, dst, pp) & mask;
    for (;;) {
      const k = keys[i * 3 + 2];
      if (k === EMPTY || (k === pp && keys[i * 3] === src && keys[i * 3 + 1] === dst)) return i;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { keys, values, capacity } = this;
    this.capacity = capacity * 2;
    this.keys = emptyKeys(this.capacity);
    this.values = new Array<Entry | undefined>(this.capacity).fill(undefined);
    for (let j = 0; j < capacity; j++) {
      const pp = keys[j * 3 + 2]!;
      if (pp === EMPTY) continue;
      const i = this.slot(keys[j * 3]!, keys[j * 3 + 1]!, pp);
      this.keys[i * 3] = keys[j * 3]!;
      this.keys[i * 3 + 1] = keys[j * 3 + 1]!;
      this.keys[i * 3 + 2] = pp;
      this.values[i] = values[j];
    }
  }
}

function emptyKeys(capacity: number): Float64Array {
  const keys = new Float64Array(capacity * 3);
  for (let i = 2; i < keys.length; i += 3) keys[i] = EMPTY;
  return keys;
}

/** proto 0-255 and dst_port 0-65535, or 65536 when the flow has none: one int32. */
function protoPortKey(flow: FlowRecord): number {
  return flow.proto * 65537 + (flow.dst_port ?? 65536);
}

function hash(src: number, dst: number, pp: number): number {
  let h = Math.imul(src | 0, 0x9e3779b1) ^ Math.imul((dst | 0) + 0x7f4a7c15, 0x85ebca77) ^ Math.imul(pp, 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

function fieldValue(bit: number, f: DependentFields): FieldValue {
  switch (bit) {
    case DEP_SRC_IP:
      return f.srcIp;
    case DEP_DST_IP:
      return f.dstIp;
    case DEP_SRC_PORT:
      return f.flow.src_port;
    case DEP_ICMP_TYPE:
      return f.flow.icmp_type;
    default:
      return f.flow.icmp_code;
  }
}

function walk(entry: DependentEntry, fields: DependentFields): Verdict | undefined {
  let node: Trie | Verdict | undefined = entry.trie;
  for (const bit of DEP_ORDER) {
    if ((entry.deps & bit) === 0) continue;
    node = (node as Trie).get(fieldValue(bit, fields));
    if (node === undefined) return undefined;
  }
  return node as Verdict;
}

function insert(entry: DependentEntry, fields: DependentFields, verdict: Verdict): void {
  let levels = 0;
  for (const bit of DEP_ORDER) if ((entry.deps & bit) !== 0) levels++;
  let node: Trie = entry.trie;
  for (const bit of DEP_ORDER) {
    if ((entry.deps & bit) === 0) continue;
    const value = fieldValue(bit, fields);
    if (--levels === 0) {
      node.set(value, verdict);
      return;
    }
    let next = node.get(value) as Trie | undefined;
    if (next === undefined) node.set(value, (next = new Map()));
    node = next;
  }
}
