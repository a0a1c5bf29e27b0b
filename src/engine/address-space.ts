/**
 * Address classes: the policy set mentions finitely many CIDRs (rule `nets`/`notNets`, network sets), and every
 * IP condition the engine evaluates — CIDR membership, network-set membership, IP family — depends only on which
 * of those CIDRs contain the address. CIDRs are nested or disjoint, so the CIDRs containing an address are the
 * innermost one and its ancestors: the innermost containing CIDR (or "none" of the address's family) is the
 * address's class, and two addresses of one class decide every rule alike. The verdict cache keys flows by class
 * instead of by IP, so flows between the same workloads share entries whatever their pod IPs.
 *
 * Address keys name what a flow tells about one side's address, as small integers:
 * - `NO_ADDRESS`: nothing (no flow IP, and no own IP either);
 * - `1 + class`: the flow's IP, of that class;
 * - higher keys: no flow IP, but the endpoint's own IPs, of these classes (an interned list);
 * - `NOT_AN_ADDRESS`: the flow's IP text is no IP (such flows are not cached: the reason quotes the text).
 */
import type { Cidr } from '../policy/model.js';
import { parseIPv4, parseIPv6 } from './address.js';

export const NO_ADDRESS = 0;
export const NOT_AN_ADDRESS = -1;

/** Classes of the addresses no CIDR contains. */
const NONE_V4 = 0;
const NONE_V6 = 1;

interface CidrRange {
  readonly start: bigint;
  readonly end: bigint;
  readonly prefix: number;
}

export class AddressSpace {
  /** First address of each elementary range (ascending), and its class. */
  private readonly v4Starts: Float64Array;
  private readonly v4Classes: Int32Array;
  private readonly v6Starts: Uint8Array;
  private readonly v6Classes: Int32Array;
  /** Per class: the class of the enclosing CIDR, -1 for the two "none" classes. */
  private readonly parents: number[] = [-1, -1];
  private readonly families: (4 | 6)[] = [4, 6];
  private readonly classByCidr = new Map<string, number>();
  /** Own-IP keys: the classes of an endpoint's IPs, sorted, by key − firstOwnKey. */
  private readonly ownLists: (readonly number[])[] = [];
  private readonly ownKeys = new Map<string, number>();
  /** Parsed addresses, in place: IPv4 as a number, IPv6 as bytes. */
  private readonly v4Scratch = new Float64Array(1);
  private readonly v6Scratch = new Uint8Array(16);

  constructor(cidrs: Iterable<Cidr>) {
    const byFamily: Record<4 | 6, Map<string, CidrRange>> = { 4: new Map(), 6: new Map() };
    for (const c of cidrs) {
      const bits = c.family === 4 ? 32 : 128;
      const size = 1n << BigInt(bits - c.prefix);
      const start = (toBigInt(c.bytes) / size) * size;
      byFamily[c.family].set(cidrKey(c.family, start, c.prefix), { start, end: start + size - 1n, prefix: c.prefix });
    }
    const v4 = this.layOut(4, byFamily[4], NONE_V4);
    const v6 = this.layOut(6, byFamily[6], NONE_V6);
    this.v4Starts = Float64Array.from(v4.starts, Number);
    this.v4Classes = Int32Array.from(v4.classes);
    this.v6Starts = new Uint8Array(v6.starts.length * 16);
    v6.starts.forEach((s, i) => this.v6Starts.set(toBytes(s, 16), i * 16));
    this.v6Classes = Int32Array.from(v6.classes);
  }

  get classCount(): number {
    return this.parents.length;
  }

  /** The class of a CIDR the set mentions (every CIDR given to the constructor has one). */
  classOfCidr(c: Cidr): number {
    const bits = c.family === 4 ? 32 : 128;
    const size = 1n << BigInt(bits - c.prefix);
    const cls = this.classByCidr.get(cidrKey(c.family, (toBigInt(c.bytes) / size) * size, c.prefix));
    if (cls === undefined) throw new Error(`engine: CIDR ${c.text} is not part of the address space`);
    return cls;
  }

  /** The key of a flow's IP text: `1 + class`, or NOT_AN_ADDRESS. Allocates nothing for IPv4 and plain IPv6. */
  keyOfText(text: string): number {
    if (parseIPv4(text, this.v4Scratch)) return 1 + this.v4Classes[this.v4Range()]!;
    if (parseIPv6(text, this.v6Scratch)) return 1 + this.v6Classes[this.v6Range()]!;
    return NOT_AN_ADDRESS;
  }

  /** The key of an endpoint's own IPs (written `10.0.0.1` or `10.0.0.1/32`); NO_ADDRESS when none parses. */
  ownKey(ips: readonly string[]): number {
    const classes: number[] = [];
    for (const ip of ips) {
      const slash = ip.indexOf('/');
      const key = this.keyOfText(slash < 0 ? ip : ip.slice(0, slash));
      if (key !== NOT_AN_ADDRESS && !classes.includes(key - 1)) classes.push(key - 1);
    }
    if (classes.length === 0) return NO_ADDRESS;
    classes.sort((a, b) => a - b);
    const text = classes.join(',');
    let key = this.ownKeys.get(text);
    if (key === undefined) {
      key = this.firstOwnKey + this.ownLists.length;
      this.ownLists.push(classes);
      this.ownKeys.set(text, key);
    }
    return key;
  }

  /** The classes of an own-IP key. */
  ownClasses(key: number): readonly number[] {
    return this.ownLists[key - this.firstOwnKey]!;
  }

  family(cls: number): 4 | 6 {
    return this.families[cls]!;
  }

  /** Whether every address of class `cls` lies in the CIDR whose class is `cidr`. */
  within(cls: number, cidr: number): boolean {
    for (let c = cls; c >= 0; c = this.parents[c]!) if (c === cidr) return true;
    return false;
  }

  private get firstOwnKey(): number {
    return 1 + this.parents.length;
  }

  /**
   * Gives each CIDR of a family a class and its parent, and cuts the family's address range into elementary
   * ranges, each labelled with its innermost CIDR: sorted by start and then by size (largest first), each CIDR
   * lies inside the CIDRs still open on the stack.
   */
  private layOut(family: 4 | 6, ranges: Map<string, CidrRange>, none: number): { starts: bigint[]; classes: number[] } {
    const sorted = [...ranges.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.prefix - b.prefix));
    const starts: bigint[] = [0n];
    const classes: number[] = [none];
    const mark = (at: bigint, cls: number): void => {
      if (starts[starts.length - 1] === at) classes[classes.length - 1] = cls;
      else {
        starts.push(at);
        classes.push(cls);
      }
    };
    const open: { end: bigint; cls: number }[] = [];
    const close = (before: bigint): void => {
      while (open.length > 0 && open[open.length - 1]!.end < before) {
        const done = open.pop()!;
        mark(done.end + 1n, open[open.length - 1]?.cls ?? none);
      }
    };
    for (const r of sorted) {
      close(r.start);
      const cls = this.parents.length;
      this.parents.push(open[open.length - 1]?.cls ?? none);
      this.families.push(family);
      this.classByCidr.set(cidrKey(family, r.start, r.prefix), cls);
      mark(r.start, cls);
      open.push({ end: r.end, cls });
    }
    const last = (1n << (family === 4 ? 32n : 128n)) - 1n;
    close(last);
    // What is still open reaches the last address: nothing follows it.
    return { starts, classes };
  }

  /** The elementary IPv4 range holding the address in `v4Scratch`: the last one starting at or before it. */
  private v4Range(): number {
    const starts = this.v4Starts;
    const x = this.v4Scratch[0]!;
    let lo = 0;
    let hi = starts.length;
    // Invariant: ranges before lo start at or before x, ranges from hi on start after it (range 0 starts at 0).
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The elementary IPv6 range holding the 16 bytes in `v6Scratch`. */
  private v6Range(): number {
    const a = this.v6Scratch;
    const starts = this.v6Starts;
    let lo = 0;
    let hi = starts.length / 16;
    // Invariant: range lo-1 starts at or before `a`, range hi starts after it (range 0 starts at ::).
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(starts, mid * 16, a) <= 0) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}

/** A set of CIDRs (a rule's `nets`, the networks sets a selector matches), queried by address class. */
export class CidrSet {
  private readonly members: readonly number[];

  constructor(
    private readonly space: AddressSpace,
    cidrs: readonly Cidr[],
  ) {
    this.members = [...new Set(cidrs.map((c) => space.classOfCidr(c)))];
  }

  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  /** Whether the addresses of class `cls` lie in one of the CIDRs. */
  containsClass(cls: number): boolean {
    for (const m of this.members) if (this.space.within(cls, m)) return true;
    return false;
  }
}

function compareAt(starts: Uint8Array, offset: number, a: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const d = starts[offset + i]! - a[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function cidrKey(family: 4 | 6, start: bigint, prefix: number): string {
  return `${family}/${start}/${prefix}`;
}

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function toBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
