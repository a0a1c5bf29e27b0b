import { DecodeFailure } from './decode-result.js';
import { normaliseIp } from './ip.js';
import { isLabels } from './labels.js';
import { carriesPorts, protocolName, protocolNumber } from './protocol.js';
import type { FlowRecord } from './record.js';
import { ISO_TIME_LENGTH, parseTime, parseUtcTime } from './time.js';

/**
 * Counts the fields a normalisation rewrote, or would write back in another spelling (a number `proto` is
 * written back as its name, a time as `toISOString` text): zero means the record's JSON as given is its canonical
 * JSON, up to whitespace and number and string escapes (docs/results.md, "Rows").
 */
export interface EditCount {
  edits: number;
}

/** For callers that do not ask. */
const UNCOUNTED: EditCount = { edits: 0 };

/**
 * The one validation of a flow record (docs/flow-record.md), run in place on the object a decoder built or
 * JSON.parse returned: fields are checked and normalised where they stand (protocol names to numbers, times to
 * epoch ms, IPs to one text form, `null` to absent), unknown fields are left as they are, and nothing is copied.
 * Every decoder ends with this call, so every format obeys the same rules. Messages are built only on failure.
 */
export function normaliseRecord(r: Record<string, unknown>, count: EditCount = UNCOUNTED): FlowRecord | DecodeFailure {
  // One pass over the keys the record has (a for-in over a JSON object walks V8's enum cache), each checked by a
  // switch: cheaper than probing for every canonical field by name.
  for (const key in r) {
    const failure = checkField(r, key, r[key], count);
    if (failure !== undefined) return failure;
  }
  const proto = r.proto as number | undefined;
  if (proto === undefined) return new DecodeFailure('missing-field', 'proto is required');
  if (r.dst_port === undefined && carriesPorts(proto)) {
    return new DecodeFailure('missing-field', `dst_port is required for protocol ${proto}`);
  }
  // A side is resolvable from an IP, a name, labels, or at least its kind (a Goldmane `net` peer has only that).
  if (r.src_ip === undefined && r.src_name === undefined && r.src_labels === undefined && r.src_kind === undefined) {
    return new DecodeFailure('missing-field', 'the source has no src_ip and no hint (src_name, src_labels, src_kind)');
  }
  if (r.dst_ip === undefined && r.dst_name === undefined && r.dst_labels === undefined && r.dst_kind === undefined) {
    return new DecodeFailure('missing-field', 'the destination has no dst_ip and no hint (dst_name, dst_labels, dst_kind)');
  }
  return r as FlowRecord;
}

/** Checks (and normalises in place) one field; unknown fields pass untouched. `null` means absent. */
function checkField(r: Record<string, unknown>, key: string, v: unknown, count: EditCount): DecodeFailure | undefined {
  if (v === null) {
    r[key] = undefined;
    count.edits++;
    return undefined;
  }
  if (v === undefined) return undefined;
  switch (key) {
    case 'proto':
      return protoField(r, v, count);
    case 'time':
    case 'end_time':
      return timeField(r, key, v, count);
    case 'src_ip':
    case 'dst_ip':
      return ipField(r, key, v, count);
    case 'src_port':
    case 'dst_port':
    case 'dst_service_port':
      return intField(key, v, 65535);
    case 'icmp_type':
    case 'icmp_code':
      return intField(key, v, 255);
    case 'bytes':
    case 'packets':
    case 'count':
      return intField(key, v, Number.MAX_SAFE_INTEGER);
    case 'action':
      return enumField(key, v, ACTIONS);
    case 'reporter':
      return enumField(key, v, REPORTERS);
    case 'src_kind':
    case 'dst_kind':
      return enumField(key, v, KINDS);
    case 'src_namespace':
    case 'src_name':
    case 'src_service_account':
    case 'src_name_aggr':
    case 'dst_namespace':
    case 'dst_name':
    case 'dst_service_account':
    case 'dst_name_aggr':
    case 'dst_service_name':
    case 'dst_service_namespace':
    case 'dst_service_port_name':
      return typeof v === 'string' ? undefined : invalid(key, v, 'a string');
    case 'src_labels':
    case 'dst_labels':
      return isLabels(v) ? undefined : invalid(key, v, 'an object of string values');
    case 'observed_policies':
      return policiesField(v);
    default:
      return undefined;
  }
}

const ACTIONS: ReadonlySet<unknown> = new Set(['allow', 'deny']);
const REPORTERS: ReadonlySet<unknown> = new Set(['src', 'dst']);
const KINDS: ReadonlySet<unknown> = new Set(['pod', 'host', 'networkset', 'net']);
const HIT_ACTIONS: ReadonlySet<unknown> = new Set(['allow', 'deny', 'pass']);
const HIT_SETS: ReadonlySet<unknown> = new Set(['enforced', 'pending', 'transit']);

function protoField(r: Record<string, unknown>, v: unknown, count: EditCount): DecodeFailure | undefined {
  const n = typeof v === 'number' || typeof v === 'string' ? protocolNumber(v) : undefined;
  if (n === undefined) return invalid('proto', v, 'a protocol name or a number 0-255');
  if (n !== v) r.proto = n;
  if (v !== protocolName(n)) count.edits++;
  return undefined;
}

function timeField(r: Record<string, unknown>, key: string, v: unknown, count: EditCount): DecodeFailure | undefined {
  // Text as toISOString writes it is the common case: read without Date.parse, and written back as it came.
  if (typeof v === 'string') {
    const utc = parseUtcTime(v);
    if (utc !== undefined) {
      r[key] = utc;
      if (v.length !== ISO_TIME_LENGTH) count.edits++;
      return undefined;
    }
  }
  count.edits++;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1e11 && v < 1e14) return undefined; // already ms
  const ms = parseTime(v);
  if (ms === undefined) return invalid(key, v, 'RFC 3339 text or epoch seconds/milliseconds');
  r[key] = ms;
  return undefined;
}

function ipField(r: Record<string, unknown>, key: string, v: unknown, count: EditCount): DecodeFailure | undefined {
  const ip = typeof v === 'string' ? normaliseIp(v) : undefined;
  if (ip === undefined) return invalid(key, v, 'an IPv4 or IPv6 address');
  if (ip !== v) {
    r[key] = ip;
    count.edits++;
  }
  return undefined;
}

function intField(key: string, v: unknown, max: number): DecodeFailure | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return undefined;
  return invalid(key, v, `an integer 0-${max}`);
}

function enumField(key: string, v: unknown, allowed: ReadonlySet<unknown>): DecodeFailure | undefined {
  return allowed.has(v) ? undefined : invalid(key, v, `one of ${[...allowed].join(', ')}`);
}

function policiesField(v: unknown): DecodeFailure | undefined {
  if (!Array.isArray(v)) return invalid('observed_policies', v, 'an array');
  for (let i = 0; i < v.length; i++) {
    if (!isPolicyHit(v[i])) {
      return invalid(
        `observed_policies[${i}]`,
        v[i],
        '{index, tier, name, action: allow|deny|pass, rule, staged, set: enforced|pending|transit}',
      );
    }
  }
  return undefined;
}

function isPolicyHit(h: unknown): boolean {
  if (h === null || typeof h !== 'object') return false;
  const o = h as Record<string, unknown>;
  return (
    Number.isInteger(o.index) &&
    typeof o.tier === 'string' &&
    typeof o.name === 'string' &&
    (o.namespace === undefined || typeof o.namespace === 'string') &&
    (o.kind === undefined || typeof o.kind === 'string') &&
    HIT_ACTIONS.has(o.action) &&
    Number.isInteger(o.rule) &&
    typeof o.staged === 'boolean' &&
    HIT_SETS.has(o.set)
  );
}

function invalid(key: string, value: unknown, expected: string): DecodeFailure {
  return new DecodeFailure('invalid-field', `${key} ${preview(value)} is not ${expected}`);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
