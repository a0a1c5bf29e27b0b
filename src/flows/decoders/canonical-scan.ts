/**
 * The canonical decoder's fast path: a canonical line read straight from its bytes, for the shape flow exporters
 * write (one flat object, no whitespace, ASCII strings without escapes, whole numbers, only canonical scalar
 * fields), already in the form normalisation leaves as it is. It makes the record JSON.parse and normaliseRecord
 * would make (same keys in the same order, same values) without making the line's text, its keys or most of its
 * strings. Anything else, including every line that is wrong, is declined (undefined) and goes the general way
 * (JSON.parse, then normaliseRecord), which also names the mistake: this is a subset of canonical JSON read the
 * same way, never a second grammar (test/flows/canonical-scan.test.ts compares the two on many mutated lines).
 */
import { BufferMemory } from '../buffer-memory.js';
import { ipv4NumberOfBytes } from '../ip.js';
import { carriesPorts, protocolName } from '../protocol.js';
import type { FlowRecord } from '../record.js';
import type { ScannedLine } from './types.js';
import { ISO_TIME_LENGTH, IsoTimeReader } from '../time.js';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN = 123;
const CLOSE = 125;

/** The canonical scalar fields, by the kind of value each takes. Ids are bits of a 32-bit "seen" mask. */
const enum Field {
  time, end_time, src_ip, dst_ip, src_port, dst_port, dst_service_port, icmp_type, icmp_code, bytes, packets, count,
  proto, action, reporter, src_kind, dst_kind, src_namespace, src_name, src_service_account, src_name_aggr,
  dst_namespace, dst_name, dst_service_account, dst_name_aggr, dst_service_name, dst_service_namespace,
  dst_service_port_name,
}

const FIELD_NAMES: readonly string[] = [
  'time', 'end_time', 'src_ip', 'dst_ip', 'src_port', 'dst_port', 'dst_service_port', 'icmp_type', 'icmp_code', 'bytes',
  'packets', 'count', 'proto', 'action', 'reporter', 'src_kind', 'dst_kind', 'src_namespace', 'src_name',
  'src_service_account', 'src_name_aggr', 'dst_namespace', 'dst_name', 'dst_service_account', 'dst_name_aggr',
  'dst_service_name', 'dst_service_namespace', 'dst_service_port_name',
];

/**
 * Field names by a hash of their length and three of their bytes (collision-free over the names; the multiplier
 * is searched once at load): a key is found with one table read and one comparison.
 */
const KEY_TABLE_BITS = 8;
const NAME_BYTES = FIELD_NAMES.map((name) => Buffer.from(name, 'latin1'));
/**
 * A key as it follows its opening quote (the name, its closing quote and the colon), and its bytes four at a time
 * (little-endian, as DataView reads them): comparing words takes a quarter of the steps.
 */
interface KeyToken {
  readonly bytes: Buffer;
  readonly words: Uint32Array;
}
const KEY_TOKENS: readonly KeyToken[] = FIELD_NAMES.map((name) => {
  const bytes = Buffer.from(`${name}":`, 'latin1');
  return { bytes, words: Uint32Array.from({ length: bytes.length >> 2 }, (_, w) => bytes.readUInt32LE(4 * w)) };
});
const KEY_MULTIPLIER = (() => {
  for (let m = 3; m < 1 << 16; m += 2) {
    const slots = new Set(NAME_BYTES.map((b) => keyHash(b, 0, b.length, m)));
    if (slots.size === NAME_BYTES.length) return m;
  }
  throw new Error('canonical-scan: no collision-free key hash for the field names');
})();
const KEY_TABLE = (() => {
  const table = new Int8Array(1 << KEY_TABLE_BITS).fill(-1);
  NAME_BYTES.forEach((b, id) => (table[keyHash(b, 0, b.length, KEY_MULTIPLIER)] = id));
  return table;
})();

function keyHash(bytes: Uint8Array, from: number, to: number, multiplier: number): number {
  // Length, first and last bytes, and the bytes 4 from either end (names are at least 4 long): no two names agree
  // on all of them (icmp_type and icmp_code share length, ends and middle).
  const n = to - from;
  const mixed = (((n * 31 + bytes[from]!) * 31 + bytes[to - 1]!) * 31 + bytes[from + 3]!) * 31 + bytes[to - 4]!;
  const h = Math.imul(mixed, multiplier);
  return (h >>> 13) & ((1 << KEY_TABLE_BITS) - 1);
}

/** Enumerated values as JSON.parse would give them (one shared string each). */
const ACTIONS = ['allow', 'deny'] as const;
const REPORTERS = ['src', 'dst'] as const;
const KINDS = ['pod', 'host', 'networkset', 'net'] as const;
/** Protocols by the name canonical JSON writes them with (protocolName): other spellings are edits. */
const PROTOCOLS = [1, 6, 17, 58, 132, 136].map((n) => ({ n, bytes: Buffer.from(protocolName(n), 'latin1') }));

/**
 * The text of recently met IPv4 addresses, direct-mapped by a hash of the address: most flows repeat addresses, and
 * a hit returns the string made before. Small on purpose: a table sized to every address a day of logs holds
 * (tens of thousands) misses the CPU caches on each probe, and the probe then costs more than making the text
 * (read + scan of the benchmark sample: ~20% faster than with an IPv4Table of up to 65,536 addresses).
 */
const IP_TEXT_BITS = 12;

class RecentIpTexts {
  private readonly addresses = new Int32Array(1 << IP_TEXT_BITS);
  private readonly texts = new Array<string | undefined>(1 << IP_TEXT_BITS).fill(undefined);

  /** The canonical text of `address`, which `bytes[from, to)` spells (as normaliseIp returns it). */
  text(address: number, bytes: Buffer, from: number, to: number): string {
    const key = address | 0;
    const slot = Math.imul(key ^ (key >>> 15), 0x2c1b3c6d) >>> (32 - IP_TEXT_BITS);
    const known = this.texts[slot];
    if (known !== undefined && this.addresses[slot] === key) return known;
    const text = ipText(bytes, from, to);
    this.addresses[slot] = key;
    this.texts[slot] = text;
    return text;
  }
}

/**
 * A scanned record's constructor. Made with `new`, a record keeps all its fields in the object (V8 sizes the
 * objects of a constructor by the fields its first ones got); a `{}` keeps four there and the rest in a property
 * array that grows, and is copied, as fields are added. Its prototype is Object.prototype: to every reader a
 * record is the plain object JSON.parse would make.
 */
const ScannedRecord = function ScannedRecord() {} as unknown as new () => Record<string, unknown>;
ScannedRecord.prototype = Object.prototype;

export class CanonicalScanner {
  private readonly ipTexts = new RecentIpTexts();
  /** One per time field: a record's start and end lie in different minutes as often as not (aggregated logs). */
  private readonly times = new IsoTimeReader();
  private readonly endTimes = new IsoTimeReader();
  /** The field of each key of the last line read, by place (-1: none yet); a line has at most one key per field. */
  private readonly keyOrder = new Int8Array(FIELD_NAMES.length).fill(-1);

  /** Where the last line's Buffer lies; lines of one chunk share it. */
  private readonly memory = new BufferMemory();
  private viewed: ArrayBufferLike | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** What `scan` returns, overwritten by each scan. */
  private readonly scanned: { record: FlowRecord; srcV4: number; dstV4: number } = { record: { proto: 0 }, srcV4: -1, dstV4: -1 };

  /**
   * The record of the line `bytes[start, end)` and its addresses as numbers, or undefined when the line must go the
   * general way. The result is overwritten by the next scan.
   */
  scan(bytes: Buffer, start: number, end: number): ScannedLine | undefined {
    this.memory.locate(bytes);
    const view = this.viewOf(this.memory.memory);
    const base = this.memory.offset;
    let i = start;
    if (bytes[i] !== OPEN || bytes[end - 1] !== CLOSE) return undefined;
    i++;
    const r = new ScannedRecord();
    let seen = 0;
    this.scanned.srcV4 = -1;
    this.scanned.dstV4 = -1;
    for (let k = 0; ; k++) {
      // A key: one of the field names, once. Lines from one exporter keep one key order, so the key the last line
      // had at this place is tried first: one comparison, no search for the closing quote, no hash.
      if (bytes[i] !== QUOTE) return undefined;
      i++;
      let id = this.keyOrder[k]!;
      if (id >= 0 && startsWith(view, base, bytes, i, end, KEY_TOKENS[id]!)) i += KEY_TOKENS[id]!.bytes.length;
      else {
        const keyStart = i;
        while (i < end && bytes[i] !== QUOTE) i++;
        id = fieldAt(bytes, keyStart, i);
        if (id < 0 || bytes[++i] !== COLON) return undefined;
        i++;
        this.keyOrder[k] = id;
      }
      if ((seen & (1 << id)) !== 0) return undefined;
      seen |= 1 << id;
      // Its value: text for the fields that take text, whole numbers for the others.
      if (bytes[i] === QUOTE) {
        const from = ++i;
        // A time is read where it stands: IsoTimeReader checks each of its bytes, so none is a quote or escape.
        // The other values read exactly (addresses, enumerations) need only their closing quote found: a byte
        // that is no part of such a value (an escape, a control) fails its reader.
        if (id === Field.time || id === Field.end_time) i = from + ISO_TIME_LENGTH;
        else i = (READ_EXACTLY & (1 << id)) !== 0 ? quoteAt(bytes, i, end) : stringEnd(bytes, i, end);
        if (i < 0 || i >= end || bytes[i] !== QUOTE || !this.text(r, id, bytes, from, i)) return undefined;
        i++;
      } else {
        let n = 0;
        const from = i;
        for (let d = bytes[i]! - 48; d >= 0 && d <= 9 && i < end; d = bytes[++i]! - 48) n = n * 10 + d;
        // No leading zero (not JSON), at most 15 digits (exact in a double, below MAX_SAFE_INTEGER).
        const digits = i - from;
        if (digits === 0 || digits > 15 || (bytes[from] === 48 && digits > 1)) return undefined;
        if (!wholeNumber(r, id, n)) return undefined;
      }
      const c = bytes[i];
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c !== CLOSE || i !== end - 1) return undefined;
      break;
    }
    if (!complete(r, seen)) return undefined;
    this.scanned.record = r as FlowRecord;
    return this.scanned;
  }

  /** Sets a field that takes text; false when the field takes no text or not this one. */
  private text(r: Record<string, unknown>, id: Field, bytes: Buffer, from: number, to: number): boolean {
    switch (id) {
      case Field.time:
      case Field.end_time: {
        const ms = (id === Field.time ? this.times : this.endTimes).read(bytes, this.view, this.memory.offset, from);
        if (ms === undefined) return false;
        if (id === Field.time) r.time = ms;
        else r.end_time = ms;
        return true;
      }
      case Field.src_ip:
      case Field.dst_ip: {
        const address = ipv4NumberOfBytes(bytes, from, to);
        if (address < 0) return false;
        const ip = this.ipTexts.text(address, bytes, from, to);
        if (id === Field.src_ip) {
          r.src_ip = ip;
          this.scanned.srcV4 = address;
        } else {
          r.dst_ip = ip;
          this.scanned.dstV4 = address;
        }
        return true;
      }
      case Field.proto: {
        for (const p of PROTOCOLS) {
          if (!equal(bytes, from, to, p.bytes)) continue;
          r.proto = p.n;
          return true;
        }
        return false;
      }
      case Field.action:
        return (r.action = oneOf(ACTIONS, bytes, from, to)) !== undefined;
      case Field.reporter:
        return (r.reporter = oneOf(REPORTERS, bytes, from, to)) !== undefined;
      case Field.src_kind:
        return (r.src_kind = oneOf(KINDS, bytes, from, to)) !== undefined;
      case Field.dst_kind:
        return (r.dst_kind = oneOf(KINDS, bytes, from, to)) !== undefined;
      // ASCII without escapes (stringEnd checked): latin1 is its UTF-8. Stores by name, one per field: a store
      // under a computed key goes through V8's slowest (megamorphic) path.
      case Field.src_namespace:
        r.src_namespace = latin1(bytes, from, to);
        return true;
      case Field.src_name:
        r.src_name = latin1(bytes, from, to);
        return true;
      case Field.src_service_account:
        r.src_service_account = latin1(bytes, from, to);
        return true;
      case Field.src_name_aggr:
        r.src_name_aggr = latin1(bytes, from, to);
        return true;
      case Field.dst_namespace:
        r.dst_namespace = latin1(bytes, from, to);
        return true;
      case Field.dst_name:
        r.dst_name = latin1(bytes, from, to);
        return true;
      case Field.dst_service_account:
        r.dst_service_account = latin1(bytes, from, to);
        return true;
      case Field.dst_name_aggr:
        r.dst_name_aggr = latin1(bytes, from, to);
        return true;
      case Field.dst_service_name:
        r.dst_service_name = latin1(bytes, from, to);
        return true;
      case Field.dst_service_namespace:
        r.dst_service_namespace = latin1(bytes, from, to);
        return true;
      case Field.dst_service_port_name:
        r.dst_service_port_name = latin1(bytes, from, to);
        return true;
      default:
        return false;
    }
  }

  /**
   * A DataView of `memory`, made once per ArrayBuffer: the lines of a file chunk, and the records of a Kafka fetch
   * (each a Buffer of its own over the fetch's memory), share it.
   */
  private viewOf(memory: ArrayBufferLike): DataView {
    if (memory !== this.viewed) {
      this.viewed = memory;
      this.view = new DataView(memory);
    }
    return this.view;
  }

}

/** The field named by `bytes[from, to)`, or -1. */
function fieldAt(bytes: Uint8Array, from: number, to: number): number {
  if (to - from < 4) return -1;
  const id = KEY_TABLE[keyHash(bytes, from, to, KEY_MULTIPLIER)]!;
  return id >= 0 && equal(bytes, from, to, NAME_BYTES[id]!) ? id : -1;
}

/** Whether `bytes[at, end)` starts with `token`; `view` is a DataView of `bytes`' memory, where they start at `base`. */
function startsWith(view: DataView, base: number, bytes: Uint8Array, at: number, end: number, token: KeyToken): boolean {
  const { bytes: expected, words } = token;
  if (at + expected.length > end) return false;
  let i = 0;
  for (let w = 0; w < words.length; w++, i += 4) if (view.getUint32(base + at + i, true) !== words[w]) return false;
  for (; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

function equal(bytes: Uint8Array, from: number, to: number, expected: Buffer): boolean {
  if (to - from !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[from + i] !== expected[i]) return false;
  return true;
}

/** Fields whose text reader accepts only the bytes of a few exact forms: digits and dots, or one of a few words. */
const READ_EXACTLY =
  (1 << Field.src_ip) | (1 << Field.dst_ip) | (1 << Field.proto) | (1 << Field.action) | (1 << Field.reporter) |
  (1 << Field.src_kind) | (1 << Field.dst_kind);

/** Index of the first quote from `i`, or -1. */
function quoteAt(bytes: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) if (bytes[i] === QUOTE) return i;
  return -1;
}

/** Index of the quote closing a string that starts at `i`; -1 when it holds an escape, a control or non-ASCII byte. */
function stringEnd(bytes: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i;
    if (c < 32 || c >= 127 || c === BACKSLASH) return -1;
  }
  return -1;
}

/** The member of `values` that `bytes[from, to)` spells (the shared string JSON.parse would give), or undefined. */
function oneOf<V extends string>(values: readonly V[], bytes: Uint8Array, from: number, to: number): V | undefined {
  for (const v of values) {
    if (to - from !== v.length || bytes[from] !== v.charCodeAt(0)) continue;
    let same = true;
    for (let i = 1; i < v.length && same; i++) same = bytes[from + i] === v.charCodeAt(i);
    if (same) return v;
  }
  return undefined;
}

/**
 * The text of an IPv4 address, `bytes[from, to)` (7 to 15 ASCII bytes): String.fromCharCode given the bytes as
 * arguments makes the string in JIT code, where Buffer#toString calls into C++ (36 against 95 ns an address).
 */
function ipText(c: Uint8Array, a: number, to: number): string {
  switch (to - a) {
    case 7:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!);
    case 8:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!);
    case 9:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!);
    case 10:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!, c[a + 9]!);
    case 11:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!, c[a + 9]!, c[a + 10]!);
    case 12:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!, c[a + 9]!, c[a + 10]!, c[a + 11]!);
    case 13:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!, c[a + 9]!, c[a + 10]!, c[a + 11]!, c[a + 12]!);
    case 14:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!, c[a + 9]!, c[a + 10]!, c[a + 11]!, c[a + 12]!, c[a + 13]!);
    case 15:
      return String.fromCharCode(c[a]!, c[a + 1]!, c[a + 2]!, c[a + 3]!, c[a + 4]!, c[a + 5]!, c[a + 6]!, c[a + 7]!, c[a + 8]!, c[a + 9]!, c[a + 10]!, c[a + 11]!, c[a + 12]!, c[a + 13]!, c[a + 14]!);
    default:
      throw new Error(`canonical-scan: an IPv4 address of ${to - a} bytes`);
  }
}

/**
 * Buffer#toString, taken once: loaded from each line's Buffer, the method was a generic property lookup (optimised
 * code calls V8's LoadIC for it).
 */
const toString = Buffer.prototype.toString;

function latin1(bytes: Buffer, from: number, to: number): string {
  return toString.call(bytes, 'latin1', from, to);
}

/** Sets a field that takes a whole number in its range; false otherwise. */
function wholeNumber(r: Record<string, unknown>, id: Field, n: number): boolean {
  switch (id) {
    case Field.src_port:
      r.src_port = n;
      return n <= 65535;
    case Field.dst_port:
      r.dst_port = n;
      return n <= 65535;
    case Field.dst_service_port:
      r.dst_service_port = n;
      return n <= 65535;
    case Field.icmp_type:
      r.icmp_type = n;
      return n <= 255;
    case Field.icmp_code:
      r.icmp_code = n;
      return n <= 255;
    case Field.bytes:
      r.bytes = n;
      return true;
    case Field.packets:
      r.packets = n;
      return true;
    case Field.count:
      r.count = n;
      return true;
    default:
      return false;
  }
}

/** Either side needs an address, a name or a kind (normaliseRecord). */
const SRC_SIDE = (1 << Field.src_ip) | (1 << Field.src_name) | (1 << Field.src_kind);
const DST_SIDE = (1 << Field.dst_ip) | (1 << Field.dst_name) | (1 << Field.dst_kind);

/**
 * normaliseRecord's record-level checks, from the fields seen (reading them back from a record of one of several
 * shapes costs more): a record failing them goes the general way, which names the failure.
 */
function complete(r: Record<string, unknown>, seen: number): boolean {
  if ((seen & (1 << Field.proto)) === 0 || (seen & SRC_SIDE) === 0 || (seen & DST_SIDE) === 0) return false;
  return (seen & (1 << Field.dst_port)) !== 0 || !carriesPorts(r.proto as number);
}
