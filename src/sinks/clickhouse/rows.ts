/**
 * Outcomes → the TabSeparated body of one INSERT into the results table, written straight from each Outcome: no
 * row object per flow, and every piece that flows share is made once. Pre-built text is what ClickHouse ingests
 * fastest over HTTP (docs/services.md: about 2x JSONEachRow through the client), and the daemon pays for every
 * microsecond here on its one core (BENCHMARKS.md, issue 5).
 *
 * Shared pieces: the run stamp and the source prefix per batch; per verdict pair (the engine shares Verdict
 * objects between flows) the six verdict columns, as src/pipeline/output-row.ts does for JSONL; per pod endpoint
 * its three side columns. Only the source offset, time, addresses and counters are written per row. Rule texts go
 * as their ids (rule-ids.ts); the body lists the texts its rows name, for the rules table.
 */
import type { Verdict } from '../../engine/verdict.js';
import type { FlowRecord, SourcePosition } from '../../flows/record.js';
import type { Endpoint, Peer } from '../../inventory/endpoint.js';
import type { Outcome } from '../../pipeline/outcome.js';
import { ruleColumn } from '../../pipeline/output-row.js';
import { rowIp, rowTime, sideColumns, sourceCoordinates, type RunStamp } from '../../pipeline/result-row.js';
import { ruleId, type RuleTexts } from './rule-ids.js';
import type { Covers, ResultColumn, RULE_TEXT_COLUMNS } from './schema.js';
import { tsvString } from './tsv.js';

/** The order every row writes its columns in; the INSERT names them in this order. Groups shared pieces together. */
export const ROW_COLUMNS = [
  'run_id', 'policy_version', 'source', 'time', 'time_ms',
  'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto',
  'src_namespace', 'src_name', 'src_endpoint', 'dst_namespace', 'dst_name', 'dst_endpoint',
  'verdict', 'reason', 'rule_id', 'proposed_verdict', 'proposed_rule_id', 'class',
  'observed_action', 'observed_mismatch', 'bytes', 'packets', 'count', 'observed_rule', 'observed_rule_mismatch',
] as const satisfies readonly ResultColumn[];
// A column added to the table must be written: this stops the build until ROW_COLUMNS (and the writer) has it.
true satisfies Covers<Exclude<ResultColumn, (typeof RULE_TEXT_COLUMNS)[number]>, (typeof ROW_COLUMNS)[number]>;

/** An outcome whose row the table would refuse (a number out of range), left out of the body. */
export interface RefusedRow {
  /** Index in the outcomes given. */
  readonly index: number;
  readonly message: string;
}

/** The body of one INSERT. */
export interface EncodedRows {
  /** UTF-8 chunks of about CHUNK_BYTES, each ending at the end of a row; emptied by `releaseRows`. */
  readonly chunks: Buffer[];
  readonly rows: number;
  /** The rule texts the rows name by id: the rules table must hold them before the rows are inserted. */
  readonly rules: RuleTexts;
}

/**
 * The rows of one INSERT body in ROW_COLUMNS order, one line each, added a slice of outcomes at a time (a caller
 * can let each slice's outcomes go before making the next).
 */
export class ResultRowsWriter {
  private readonly out = new TsvWriter();
  private readonly sources: SourcePrefix;
  private readonly fields = new RowFields();
  private readonly rules = new BodyRules();
  private rows = 0;

  constructor(stamp: RunStamp) {
    this.sources = new SourcePrefix(`${tsvString(stamp.runId)}\t${tsvString(stamp.policyVersion)}\t`);
  }

  /** Writes the rows of `outcomes`; returns the outcomes whose rows the table would refuse, which are left out. */
  add(outcomes: readonly Outcome[]): RefusedRow[] {
    const refused: RefusedRow[] = [];
    const f = this.fields;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      f.read(o);
      const problem = refusal(f);
      if (problem !== undefined) refused.push({ index: i, message: `result ${sourceCoordinates(o.flow.pos)}: ${problem}` });
      else writeRow(this.out, o, f, this.sources, this.rules);
    }
    this.rows += outcomes.length - refused.length;
    return refused;
  }

  /** The body; the writer is done. */
  finish(): EncodedRows {
    return { chunks: this.out.finish(), rows: this.rows, rules: this.rules.texts };
  }
}

/**
 * The record's fields a row writes, read once per row: records come from JSON.parse in many shapes (fields
 * present or not, in any order), so every read of one is a slow (megamorphic) property load, and the checks and
 * the writing would read each twice. One instance per writer, overwritten row after row.
 */
class RowFields {
  time = 0;
  srcIp = '';
  dstIp = '';
  srcPort: number | undefined = undefined;
  dstPort: number | undefined = undefined;
  proto = 0;
  action: FlowRecord['action'] = undefined;
  bytes = 0;
  packets = 0;
  count = 1;

  read(o: Outcome): void {
    const r = o.flow.record;
    this.time = rowTime(r);
    this.srcIp = rowIp(r.src_ip, o.src);
    this.dstIp = rowIp(r.dst_ip, o.dst);
    // `??` reads a JSON null as absent, as the record's type has it.
    this.srcPort = r.src_port ?? undefined;
    this.dstPort = r.dst_port ?? undefined;
    this.proto = r.proto;
    this.action = r.action;
    this.bytes = r.bytes ?? 0;
    this.packets = r.packets ?? 0;
    this.count = r.count ?? 1;
  }
}

const UINT32_MAX = 4_294_967_295;

/** Why the table would refuse this row (a number out of range would fail the whole block), if it would. */
function refusal(f: RowFields): string | undefined {
  if (!Number.isSafeInteger(f.time)) return `time must be epoch milliseconds >= 0, got ${f.time}`;
  return (
    outOfRange(f.srcPort ?? 0, 65535, 'src_port') ??
    outOfRange(f.dstPort ?? 0, 65535, 'dst_port') ??
    outOfRange(f.proto, 255, 'proto') ??
    outOfRange(f.bytes, Number.MAX_SAFE_INTEGER, 'bytes') ??
    outOfRange(f.packets, Number.MAX_SAFE_INTEGER, 'packets') ??
    outOfRange(f.count, UINT32_MAX, 'count')
  );
}

function outOfRange(value: number, max: number, field: string): string | undefined {
  return Number.isSafeInteger(value) && value >= 0 && value <= max ? undefined : `${field} must be an integer from 0 to ${max}, got ${value}`;
}

/** One row; `refusal` has checked every number. */
function writeRow(out: TsvWriter, o: Outcome, f: RowFields, sources: SourcePrefix, rules: BodyRules): void {
  const pos = o.flow.pos;
  const prefix = sources.prefix(pos);
  const src = side(o.src, o.flow.record, true);
  const dst = side(o.dst, o.flow.record, false);
  const d = decision(o);
  rules.note(d);
  const verdicts = d.bytes;
  const offset = pos.kind === 'file' ? '' : pos.offset;
  const { srcIp, dstIp } = f;
  const logged = o.drift?.observed ?? '';
  // The row's own text is written as it is, one byte a character; a character that is not (`ascii` < 0) sends the
  // whole row to the slow path, which writes over what was written of it.
  const buf = out.reserve(prefix.length + offset.length + srcIp.length + dstIp.length + src.length + dst.length + verdicts.length + logged.length + FIXED_BYTES);
  let at = put(buf, out.at, prefix);
  if (pos.kind === 'file') at = digits(buf, at, pos.line, 1);
  else {
    at = ascii(buf, at, offset);
    if (at < 0) return out.slowRow(o, f, prefix, src, dst, verdicts);
    if (pos.line !== undefined) {
      buf[at++] = HASH;
      at = digits(buf, at, pos.line, 1);
    }
  }
  buf[at++] = TAB;
  at = out.seconds(buf, at, Math.floor(f.time / 1000));
  buf[at++] = TAB;
  at = digits(buf, at, f.time % 1000, 1);
  buf[at++] = TAB;
  at = ascii(buf, at, srcIp);
  if (at < 0) return out.slowRow(o, f, prefix, src, dst, verdicts);
  buf[at++] = TAB;
  at = nullableDigits(buf, at, f.srcPort);
  buf[at++] = TAB;
  at = ascii(buf, at, dstIp);
  if (at < 0) return out.slowRow(o, f, prefix, src, dst, verdicts);
  buf[at++] = TAB;
  at = nullableDigits(buf, at, f.dstPort);
  buf[at++] = TAB;
  at = digits(buf, at, f.proto, 1);
  buf[at++] = TAB;
  at = put(buf, at, src);
  buf[at++] = TAB;
  at = put(buf, at, dst);
  buf[at++] = TAB;
  at = put(buf, at, verdicts);
  buf[at++] = TAB;
  at = observed(buf, at, f.action, o.mismatch);
  buf[at++] = TAB;
  at = digits(buf, at, f.bytes, 1);
  buf[at++] = TAB;
  at = digits(buf, at, f.packets, 1);
  buf[at++] = TAB;
  at = digits(buf, at, f.count, 1);
  buf[at++] = TAB;
  at = ascii(buf, at, logged);
  if (at < 0) return out.slowRow(o, f, prefix, src, dst, verdicts);
  buf[at++] = TAB;
  at = nullableDigits(buf, at, ruleMismatch(o));
  buf[at++] = NEWLINE;
  out.endRow(at);
}

/** Bytes a row may take besides its pieces and its own text: separators, 9 numbers of at most 16 digits, the action. */
const FIXED_BYTES = 21 + 9 * 16 + 'allow'.length;

const TAB = 0x09;
const NEWLINE = 0x0a;
const HASH = 0x23;
const BACKSLASH = 0x5c;

/**
 * Writes `s` one byte a character when it is printable ASCII without a backslash (no escapes, bytes =
 * characters), which addresses and offsets always are; -1 when it is not.
 */
function ascii(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
    buf[at++] = c;
  }
  return at;
}

function put(buf: Uint8Array, at: number, piece: Uint8Array): number {
  buf.set(piece, at);
  return at + piece.length;
}

/** "00" to "99" as bytes: two digits per division. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 0x30 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** A safe integer >= 0 in decimal, zero-padded to `width` digits. */
function digits(buf: Uint8Array, at: number, n: number, width: number): number {
  let count = n < 1e5 ? (n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : n < 1e4 ? 4 : 5) : n < 1e10 ? (n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10) : 11;
  for (let m = 1e11; m <= n; m *= 10) count++;
  if (count < width) count = width;
  let i = at + count;
  // Small integer arithmetic down to 2^31 (every field but bytes and packets, and those mostly).
  for (; n > 0x7fffffff; n = Math.floor(n / 10)) buf[--i] = 0x30 + (n % 10);
  for (; n >= 100; ) {
    const q = (n / 100) | 0;
    const pair = (n - q * 100) << 1;
    buf[--i] = DIGIT_PAIRS[pair + 1]!;
    buf[--i] = DIGIT_PAIRS[pair]!;
    n = q;
  }
  if (n >= 10) {
    buf[--i] = DIGIT_PAIRS[(n << 1) + 1]!;
    buf[--i] = DIGIT_PAIRS[n << 1]!;
  } else buf[--i] = 0x30 + n;
  while (i > at) buf[--i] = 0x30;
  return at + count;
}

/** A port, or NULL when the log has none. */
function nullableDigits(buf: Uint8Array, at: number, n: number | undefined): number {
  if (n !== undefined) return digits(buf, at, n, 1);
  buf[at] = BACKSLASH;
  buf[at + 1] = 0x4e; // N
  return at + 2;
}

/** A chunk is closed at the first row end past this size: few stream writes, and allocated often enough. */
const CHUNK_BYTES = 1 << 20;
/** Room past CHUNK_BYTES for the row that crosses it: a longer one grows the chunk (a copy). */
const ROW_SLACK = 64 << 10;

/**
 * A body written byte by byte into chunks: no string per row, no rope to flatten. Numbers go in as digits, shared
 * pieces as UTF-8 bytes made once, and per-row text (offsets, addresses) as it is when it is printable ASCII
 * without a backslash, which it almost always is (`slowRow` takes the others). A row is never split between chunks.
 */
class TsvWriter {
  private readonly chunks: Buffer[] = [];
  private buf = newChunk();
  /** Where the next row starts. */
  at = 0;
  /** The digits of the last `seconds` written: the rows of a batch mostly share their second. */
  private second = -1;
  private readonly secondDigits = new Uint8Array(16);
  private secondWidth = 0;

  /**
   * Epoch seconds as 18.16 reads a DateTime from TabSeparated: exactly ten digits (zero-padded before
   * 2001-09-09).
   */
  seconds(buf: Uint8Array, at: number, second: number): number {
    if (second !== this.second) {
      this.second = second;
      this.secondWidth = digits(this.secondDigits, 0, second, 10);
    }
    const d = this.secondDigits;
    for (let i = 0; i < this.secondWidth; i++) buf[at + i] = d[i]!;
    return at + this.secondWidth;
  }

  /** The chunk, with room for `n` more bytes at `at` (grown when a row would not fit). */
  reserve(n: number): Buffer {
    if (this.at + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + n));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** The row ends before `at`; the chunk is closed once it is full. */
  endRow(at: number): void {
    this.at = at;
    if (at < CHUNK_BYTES) return;
    this.chunks.push(this.buf.subarray(0, at));
    this.buf = newChunk();
    this.at = 0;
  }

  /** A row whose own text needs escaping or is not ASCII: the pieces as escaped UTF-8, in the fast path's order. */
  slowRow(o: Outcome, f: RowFields, prefix: Buffer, src: Buffer, dst: Buffer, verdicts: Buffer): void {
    const pos = o.flow.pos;
    const source = pos.kind === 'file' ? `${pos.line}` : pos.line === undefined ? pos.offset : `${pos.offset}#${pos.line}`;
    const text = (s: string) => utf8(tsvString(s));
    const number = (n: number | undefined) => utf8(n === undefined ? '\\N' : String(n));
    const pieces = [
      Buffer.concat([prefix, text(source)]),
      utf8(String(Math.floor(f.time / 1000)).padStart(10, '0')),
      number(f.time % 1000),
      text(f.srcIp),
      number(f.srcPort),
      text(f.dstIp),
      number(f.dstPort),
      number(f.proto),
      src,
      dst,
      verdicts,
      utf8(`${f.action ?? ''}\t${o.mismatch ? 1 : 0}`),
      number(f.bytes),
      number(f.packets),
      number(f.count),
      text(o.drift?.observed ?? ''),
      number(ruleMismatch(o)),
    ];
    const row = Buffer.concat([...pieces.flatMap((p) => [p, TAB_BYTE]).slice(0, -1), NEWLINE_BYTE]);
    this.endRow(put(this.reserve(row.length), this.at, row));
  }

  finish(): Buffer[] {
    if (this.at === 0) release(this.buf);
    else if (this.at < CHUNK_BYTES / 4) {
      // A short tail gets a buffer of its size: a body waiting for its insert holds no chunk it barely uses.
      this.chunks.push(Buffer.from(this.buf.subarray(0, this.at)));
      release(this.buf);
    } else this.chunks.push(this.buf.subarray(0, this.at));
    this.at = 0;
    return this.chunks;
  }
}

/**
 * Chunk buffers of bodies already stored, kept for the next bodies: memory already touched costs no page faults
 * and stays in the caches (sinks/utf8-batch.ts measured the same for result files), and freed chunks do not pile
 * up as external memory for the collector to chase.
 */
const spare: Buffer[] = [];
const SPARE_CHUNKS = 32;
const CHUNK_SIZE = CHUNK_BYTES + ROW_SLACK;

function newChunk(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE);
}

function release(chunk: Uint8Array): void {
  // Only whole chunks of the usual size (a grown one, or a tail copied out, is left to the collector).
  if (chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK_SIZE && spare.length < SPARE_CHUNKS) {
    spare.push(Buffer.from(chunk.buffer, 0, CHUNK_SIZE));
  }
}

/** Gives the chunks of stored bodies back for the next bodies; the bodies are empty afterwards. */
export function releaseRows(bodies: readonly EncodedRows[]): void {
  for (const body of bodies) for (const chunk of body.chunks.splice(0)) release(chunk);
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * run_id, policy_version and the `source` up to the record's offset (or line), per partition (or file) and
 * stamp: `kafka:<topic>/<partition>/` or `file:<path>:`. Offsets are the decimal text of a 64-bit integer
 * (SourcePosition), which `text` writes as it is.
 */
class SourcePrefix {
  private topic: string | undefined;
  private partition = -1;
  private file: string | undefined;
  private written: Buffer = Buffer.alloc(0);

  constructor(private readonly head: string) {}

  prefix(pos: SourcePosition): Buffer {
    if (pos.kind === 'file') {
      if (pos.file !== this.file) {
        this.file = pos.file;
        this.topic = undefined;
        this.written = utf8(this.head + tsvString(`file:${pos.file}:`));
      }
    } else if (pos.topic !== this.topic || pos.partition !== this.partition) {
      this.topic = pos.topic;
      this.partition = pos.partition;
      this.file = undefined;
      this.written = utf8(this.head + tsvString(`kafka:${pos.topic}/${pos.partition}/`));
    }
    return this.written;
  }
}

/**
 * The three columns of a side (sideColumns). A pod's depend on the endpoint alone and are made once per endpoint,
 * kept in a direct-mapped cache by endpoint id: a slot read is several times cheaper than a WeakMap lookup (two
 * per row), and the cache stays the same size however many endpoints reloads make; a collision only makes text
 * again. Any other side takes what the log says of it (read from the record only then), and is made per row,
 * except for the commonest: an address the log says nothing more about.
 */
const SIDE_SLOTS = 1 << 16;
const slotEndpoint = new Array<Endpoint | undefined>(SIDE_SLOTS).fill(undefined);
const slotText = new Array<Buffer | undefined>(SIDE_SLOTS).fill(undefined);
function side(p: Peer, r: FlowRecord, source: boolean): Buffer {
  if (p.kind === 'endpoint' && p.endpoint.kind === 'pod') {
    const e = p.endpoint;
    const slot = e.id & (SIDE_SLOTS - 1);
    if (slotEndpoint[slot] === e) return slotText[slot]!;
    const text = sideText(p, undefined, undefined);
    slotEndpoint[slot] = e;
    slotText[slot] = text;
    return text;
  }
  const namespace = source ? r.src_namespace : r.dst_namespace;
  const name = source ? r.src_name : r.dst_name;
  if (p.kind !== 'endpoint' && namespace === undefined && name === undefined) return NO_SIDE;
  return sideText(p, namespace, name);
}

function sideText(p: Peer, namespace: string | undefined, name: string | undefined): Buffer {
  const c = sideColumns(p, namespace, name);
  return utf8(`${tsvString(c.namespace)}\t${tsvString(c.name)}\t${tsvString(c.endpoint)}`);
}

const NO_SIDE = utf8('\t\t');

/** The six verdict columns of a (current, proposed) pair of verdicts, and the rule texts they name by id. */
interface Decision {
  readonly bytes: Buffer;
  readonly rules: readonly (readonly [id: string, text: string])[];
  /** The last BodyRules that noted these rules (BodyRules.mark). */
  noted: number;
}

/**
 * verdict, reason, rule_id, proposed_verdict, proposed_rule_id, class: made once per (current, proposed) pair of
 * Verdict objects, since the class follows from the two verdicts.
 */
const NO_PROPOSAL = {};
const decisions = new WeakMap<Verdict, WeakMap<object, Decision>>();
function decision(o: Outcome): Decision {
  let byProposed = decisions.get(o.current);
  if (byProposed === undefined) {
    byProposed = new WeakMap();
    decisions.set(o.current, byProposed);
  }
  const key = o.proposed ?? NO_PROPOSAL;
  let d = byProposed.get(key);
  if (d === undefined) {
    const { current, proposed } = o;
    const rule = ruleColumn(current);
    const rules: [string, string][] = [[ruleId(rule), rule]];
    if (proposed !== undefined) {
      const proposedRule = ruleColumn(proposed);
      rules.push([ruleId(proposedRule), proposedRule]);
    }
    const bytes = utf8(
      [current.verdict, tsvString(current.reason ?? ''), rules[0]![0], proposed?.verdict ?? '', rules[1]?.[0] ?? '0', o.cls ?? ''].join('\t'),
    );
    d = { bytes, rules, noted: 0 };
    byProposed.set(key, d);
  }
  return d;
}

/**
 * The rule texts one body's rows name. A decision is noted by the body that met it last, so a row costs one
 * comparison; bodies written at the same time (the daemon writes the next while one is inserted) each note it again.
 */
let bodies = 0;
class BodyRules {
  readonly texts = new Map<string, string>();
  private readonly mark = ++bodies;

  note(d: Decision): void {
    if (d.noted === this.mark) return;
    d.noted = this.mark;
    for (const [id, text] of d.rules) this.texts.set(id, text);
  }
}

const TAB_BYTE = utf8('\t');
const NEWLINE_BYTE = utf8('\n');

/** observed_rule_mismatch: 1 or 0, or undefined (NULL) when not compared. */
function ruleMismatch(o: Outcome): number | undefined {
  const m = o.drift?.mismatch;
  return m === undefined ? undefined : m ? 1 : 0;
}

/** observed_action and observed_mismatch. */
function observed(buf: Uint8Array, at: number, action: FlowRecord['action'], mismatch: boolean): number {
  if (action !== undefined) at = ascii(buf, at, action);
  buf[at] = TAB;
  buf[at + 1] = mismatch ? 0x31 : 0x30;
  return at + 2;
}
