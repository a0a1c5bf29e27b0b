/**
 * Shapes an Outcome into the replay output row (docs/results.md): the flow's canonical fields (extra input fields
 * carried through), then the verdict columns. One shape for JSONL and CSV.
 */
import { formatDecision } from '../engine/format.js';
import type { Verdict } from '../engine/verdict.js';
import { isSharedHitList } from '../flows/policy-hits.js';
import { protocolName } from '../flows/protocol.js';
import type { FlowRecord, LineBytes, ObservedPolicyHit } from '../flows/record.js';
import type { EndpointPeer } from '../inventory/peers.js';
import type { Outcome } from './outcome.js';
import type { RuleDrift } from './rule-drift.js';

/** Verdicts are shared between flows, so their rule text is formatted once per verdict object. */
const ruleText = new WeakMap<Verdict, string>();
export function ruleColumn(v: Verdict): string {
  let text = ruleText.get(v);
  if (text === undefined) {
    text = formatDecision(v);
    ruleText.set(v, text);
  }
  return text;
}

/** Canonical flow columns in CSV order; anything else a record carries goes to the `extra` JSON column. */
export const FLOW_COLUMNS = [
  'time', 'end_time', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto', 'icmp_type', 'icmp_code', 'action', 'reporter',
  'bytes', 'packets', 'count', 'src_kind', 'src_namespace', 'src_name', 'src_service_account', 'src_labels',
  'dst_kind', 'dst_namespace', 'dst_name', 'dst_service_account', 'dst_labels',
] as const;

export const VERDICT_COLUMNS = [
  'src_endpoint', 'dst_endpoint', 'verdict', 'reason', 'rule', 'proposed_verdict', 'proposed_reason', 'proposed_rule', 'class', 'observed_mismatch',
  'observed_rule', 'observed_rule_mismatch',
] as const;

const KNOWN = new Set<string>(FLOW_COLUMNS);

/**
 * The resolved endpoints (their inventory key, as they were at the flow's time) and the verdict columns of one
 * outcome; absent ones (no endpoint, no proposal, no observed action) are left out.
 */
export function verdictFields(o: Outcome): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  if (o.src.kind === 'endpoint') out.src_endpoint = o.src.endpoint.key;
  if (o.dst.kind === 'endpoint') out.dst_endpoint = o.dst.endpoint.key;
  Object.assign(out, decisionFields(o.current, o.proposed, o.cls));
  if (o.flow.record.action !== undefined) out.observed_mismatch = o.mismatch;
  if (o.drift !== undefined) Object.assign(out, driftFields(o.drift));
  return out;
}

/** The rule-drift columns (pipeline/rule-drift.ts); the mismatch is left out when the verdict is unknown. */
function driftFields(d: RuleDrift): Record<string, string | boolean> {
  return d.mismatch === undefined ? { observed_rule: d.observed } : { observed_rule: d.observed, observed_rule_mismatch: d.mismatch };
}

/** The verdict columns of both views, in column order; the one definition JSONL and CSV rows share. */
function decisionFields(current: Verdict, proposed: Verdict | undefined, cls: string | undefined): Record<string, string> {
  const out: Record<string, string> = { verdict: current.verdict };
  if (current.reason !== undefined) out.reason = current.reason;
  out.rule = ruleColumn(current);
  if (proposed !== undefined) {
    out.proposed_verdict = proposed.verdict;
    if (proposed.reason !== undefined) out.proposed_reason = proposed.reason;
    out.proposed_rule = ruleColumn(proposed);
    out.class = cls ?? 'unknown';
  }
  return out;
}

/** The flow's fields as written back: times as RFC 3339, protocol by name. */
export function flowFields(record: FlowRecord): Record<string, unknown> {
  return {
    ...record,
    time: isoTime(record.time),
    ...(record.end_time === undefined ? {} : { end_time: isoTime(record.end_time) }),
    proto: protocolName(record.proto),
  };
}

/**
 * Recent times' text, by second: aggregated flow logs (Calico's, Goldmane's) give the flows of one interval the
 * same start and end, and toISOString costs more than the rest of a row's flow fields.
 */
const ISO_SLOTS = 64;
const isoMs = new Float64Array(ISO_SLOTS).fill(NaN);
const isoText = new Array<string>(ISO_SLOTS).fill('');

function isoTime(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  const slot = Math.floor(ms / 1000) & (ISO_SLOTS - 1);
  if (isoMs[slot] === ms) return isoText[slot];
  const text = new Date(ms).toISOString();
  isoMs[slot] = ms;
  isoText[slot] = text;
  return text;
}

/** Where JSONL rows go: text to encode, and pieces already encoded (sinks/utf8-batch.ts). */
export interface RowBytes {
  add(text: string): void;
  addBytes(bytes: Uint8Array): void;
  /** `bytes[start, end)`. */
  addRange(bytes: Buffer, start: number, end: number): void;
}

/**
 * One JSONL row, newline included, assembled from pieces (pino's way): the flow's JSON, then the endpoint and
 * verdict columns as UTF-8 made once per endpoint and per (verdict, proposed verdict, observed action) — verdicts
 * and endpoints are shared objects — so a row builds no string; `out` copies the pieces (stdout) or keeps them
 * for one writev (files).
 * The flow's JSON is the input line's bytes when they are already canonical (DecodedFlow `json`): serialising the
 * record again would cost more than everything else in a replay. Same keys and order as
 * `{...flowFields(record), ...verdictFields(o)}`.
 */
export function writeJsonRow(o: Outcome, out: RowBytes): void {
  const { record, json } = o.flow;
  if (json !== undefined) out.addRange(json.bytes, json.start, closingBrace(json));
  else writeFlowFields(record, out);
  if (o.src.kind === 'endpoint') out.addBytes(endpointField(srcFields, 'src_endpoint', o.src));
  if (o.dst.kind === 'endpoint') out.addBytes(endpointField(dstFields, 'dst_endpoint', o.dst));
  const tails = verdictTails(o.current, o.proposed, o.cls);
  const tail = record.action === undefined ? tails.unobserved : o.mismatch ? tails.mismatch : tails.match;
  if (o.drift === undefined) out.addBytes(tail);
  else {
    // Only logs that name policies carry drift: their rows take the general way, without `}\n`, and the columns.
    out.addRange(tail, 0, tail.length - 2);
    out.addBytes(driftTail(o.drift));
  }
}

/**
 * The drift columns and the row's end (`,"observed_rule":...}\n`) as UTF-8, by observed rule and mismatch: a log
 * names the same few deciding rules on line after line. Past DRIFT_TAILS rules, the memory starts over.
 */
const DRIFT_TAILS = 1 << 12;
const driftTails = new Map<string, Partial<Record<'true' | 'false' | 'undefined', Buffer>>>();
function driftTail(d: RuleDrift): Buffer {
  let byMismatch = driftTails.get(d.observed);
  if (byMismatch === undefined) {
    if (driftTails.size >= DRIFT_TAILS) driftTails.clear();
    byMismatch = {};
    driftTails.set(d.observed, byMismatch);
  }
  const state = String(d.mismatch) as 'true' | 'false' | 'undefined';
  return (byMismatch[state] ??= Buffer.from(`,${JSON.stringify(driftFields(d)).slice(1)}\n`));
}

/**
 * The flow's fields of a record without its line's bytes. A shared list of policy hits (sharedHitList) has its JSON
 * made once, written last, where the decoder that shares lists puts it.
 */
function writeFlowFields(record: FlowRecord, out: RowBytes): void {
  const hits = record.observed_policies;
  const shared = hits !== undefined && isSharedHitList(hits);
  const fields = flowFields(record);
  if (shared) fields.observed_policies = undefined;
  out.add(JSON.stringify(fields).slice(0, -1));
  if (shared) out.addBytes(hitsField(hits));
}

const hitsFields = new WeakMap<readonly ObservedPolicyHit[], Buffer>();
function hitsField(hits: readonly ObservedPolicyHit[]): Buffer {
  let bytes = hitsFields.get(hits);
  if (bytes === undefined) {
    bytes = Buffer.from(`,"observed_policies":${JSON.stringify(hits)}`);
    hitsFields.set(hits, bytes);
  }
  return bytes;
}

/** One JSONL row as text, without its newline (tests, and callers that want a string). */
export function toJsonLine(o: Outcome): string {
  const pieces: Buffer[] = [];
  writeJsonRow(o, {
    add: (text) => pieces.push(Buffer.from(text)),
    addBytes: (bytes) => pieces.push(Buffer.from(bytes)),
    addRange: (bytes, start, end) => pieces.push(bytes.subarray(start, end)),
  });
  return Buffer.concat(pieces).toString('utf8').slice(0, -1);
}

/** Index of the `}` closing a line's JSON object (trailing whitespace allowed). */
function closingBrace(line: LineBytes): number {
  let i = line.end - 1;
  while (line.bytes[i] !== 125) i--;
  return i;
}

/**
 * `,"src_endpoint":"pod:ns/name"` and its dst twin as UTF-8, by endpoint id (ids are dense, process-wide). The
 * arrays are kept without holes: an array written far past its end first turns into a dictionary, and every row
 * would pay a hash lookup.
 */
const srcFields: (Buffer | undefined)[] = [];
const dstFields: (Buffer | undefined)[] = [];
function endpointField(fields: (Buffer | undefined)[], name: string, peer: EndpointPeer): Buffer {
  const id = peer.endpointId;
  let bytes = fields[id];
  if (bytes === undefined) {
    while (fields.length <= id) fields.push(undefined);
    fields[id] = bytes = Buffer.from(`,"${name}":${JSON.stringify(peer.endpoint.key)}`);
  }
  return bytes;
}

/** The end of a row after the endpoint columns, for a row without an observed action, and with one (dis)agreeing. */
interface VerdictTails {
  readonly unobserved: Buffer;
  readonly match: Buffer;
  readonly mismatch: Buffer;
}

/**
 * A current verdict's tails, found with one lookup for most rows: `alone` for rows without a proposed view,
 * `alike` for rows whose proposed view decides as the current one (audit then gives the same object); the other
 * rows' by proposed verdict.
 */
interface TailsOf {
  alone: VerdictTails | undefined;
  alike: VerdictTails | undefined;
  readonly byProposed: WeakMap<Verdict, VerdictTails>;
}
const fragments = new WeakMap<Verdict, TailsOf>();
function verdictTails(current: Verdict, proposed: Verdict | undefined, cls: string | undefined): VerdictTails {
  let of = fragments.get(current);
  if (of === undefined) {
    of = { alone: undefined, alike: undefined, byProposed: new WeakMap() };
    fragments.set(current, of);
  }
  if (proposed === undefined) return (of.alone ??= makeTails(current, undefined, cls));
  if (proposed === current) return (of.alike ??= makeTails(current, proposed, cls));
  let tails = of.byProposed.get(proposed);
  if (tails === undefined) {
    tails = makeTails(current, proposed, cls);
    of.byProposed.set(proposed, tails);
  }
  return tails;
}

function makeTails(current: Verdict, proposed: Verdict | undefined, cls: string | undefined): VerdictTails {
  const text = `,${JSON.stringify(decisionFields(current, proposed, cls)).slice(1, -1)}`;
  return {
    unobserved: Buffer.from(`${text}}\n`),
    match: Buffer.from(`${text},"observed_mismatch":false}\n`),
    mismatch: Buffer.from(`${text},"observed_mismatch":true}\n`),
  };
}

/** One CSV record in the column order of `csvHeader(withProposal)`. */
export function toCsvRecord(o: Outcome, withProposal: boolean): unknown[] {
  const flow = flowFields(o.flow.record);
  const verdict = verdictFields(o);
  const row: unknown[] = [];
  for (const c of FLOW_COLUMNS) {
    const v = flow[c];
    row.push(v !== null && typeof v === 'object' ? labelsText(v as Record<string, string>) : v);
  }
  for (const c of verdictColumns(withProposal)) row.push(verdict[c]);
  const extra: Record<string, unknown> = {};
  let hasExtra = false;
  for (const k of Object.keys(o.flow.record)) {
    if (!KNOWN.has(k)) {
      extra[k] = o.flow.record[k];
      hasExtra = true;
    }
  }
  row.push(hasExtra ? JSON.stringify(extra) : '');
  return row;
}

export function csvHeader(withProposal: boolean): string[] {
  return [...FLOW_COLUMNS, ...verdictColumns(withProposal), 'extra'];
}

function verdictColumns(withProposal: boolean): readonly string[] {
  return withProposal ? VERDICT_COLUMNS : VERDICT_COLUMNS.filter((c) => !c.startsWith('proposed') && c !== 'class');
}

/** Labels in CSV as `k=v;k=v`, the form the CSV decoder reads back. */
function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}
