import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { labelsFromList } from '../labels.js';
import { normaliseRecord } from '../normalise.js';
import { byIndex, parseCalicoPolicyHit } from '../policy-hits.js';
import type { ObservedPolicyHit } from '../record.js';
import type { FlowDecoder } from './types.js';
import { CALICO_TYPE_KIND, counterSum, isBlank, objectField, parseObject, present, setName } from './json-line.js';

/**
 * Calico Enterprise / Calico Cloud flow logs (JSON lines as fluentd ships them). One record per reporting side:
 * the `src` and `dst` records of one connection stay two flows. Field mapping: docs/flow-record.md, "calico".
 */
export function createDecoder(): FlowDecoder {
  const hits = new HitTexts();
  return {
    format: 'calico',
    decode(line) {
      if (isBlank(line)) return SkippedLine.blank;
      const o = parseObject(line);
      if (o instanceof DecodeFailure) return o;

      const bytes = counterSum(o, 'bytes_in', 'bytes_out');
      if (bytes instanceof DecodeFailure) return bytes;
      const packets = counterSum(o, 'packets_in', 'packets_out');
      if (packets instanceof DecodeFailure) return packets;

      const r: Record<string, unknown> = {
        time: o.start_time,
        end_time: o.end_time,
        proto: o.proto,
        src_ip: present(o.source_ip),
        src_port: present(o.source_port),
        dst_ip: present(o.dest_ip),
        dst_port: present(o.dest_port),
        action: o.action,
        reporter: o.reporter,
        bytes,
        packets,
        count: o.num_flows,
      };
      service(r, o);
      const failure =
        side(r, 'src', o.source_name, o.source_name_aggr, o.source_namespace, o.source_type, o.source_labels) ??
        side(r, 'dst', o.dest_name, o.dest_name_aggr, o.dest_namespace, o.dest_type, o.dest_labels) ??
        policies(r, objectField(o, 'policies'), hits);
      return failure ?? normaliseRecord(r);
    },
  };
}

function side(
  r: Record<string, unknown>,
  s: 'src' | 'dst',
  name: unknown,
  nameAggr: unknown,
  namespace: unknown,
  type: unknown,
  labels: unknown,
): DecodeFailure | undefined {
  const kind = typeof type === 'string' ? CALICO_TYPE_KIND[type] : undefined;
  if (type !== undefined && kind === undefined) {
    return new DecodeFailure('invalid-field', `${s === 'src' ? 'source' : 'dest'}_type ${JSON.stringify(type)} is not wep, hep, ns or net`);
  }
  r[`${s}_kind`] = kind;
  r[`${s}_namespace`] = present(namespace);
  setName(r, s, name, kind);
  const aggr = present(nameAggr);
  if (aggr !== undefined) r[`${s}_name_aggr`] = aggr;
  // `{"labels": ["k=v", ...]}` as fluentd writes it; a bare list is taken too.
  const list = labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? (labels as { labels?: unknown }).labels : labels;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return new DecodeFailure('invalid-field', `${s === 'src' ? 'source' : 'dest'}_labels is not a list of key=value`);
  const parsed = labelsFromList(list);
  if (typeof parsed === 'string') return new DecodeFailure('invalid-field', parsed);
  r[`${s}_labels`] = parsed;
  return undefined;
}

function service(r: Record<string, unknown>, o: Record<string, unknown>): void {
  r.dst_service_name = present(o.dest_service_name);
  r.dst_service_namespace = present(o.dest_service_namespace);
  // Enterprise writes the service port's name in dest_service_port and its number in dest_service_port_num.
  const port = present(o.dest_service_port);
  if (typeof port === 'number') r.dst_service_port = port;
  else r.dst_service_port_name = port;
  const num = present(o.dest_service_port_num);
  if (num !== undefined) r.dst_service_port = num;
}

const POLICY_SETS = [
  ['enforced_policies', 'enforced'],
  ['pending_policies', 'pending'],
  ['transit_policies', 'transit'],
] as const;

/**
 * `policies.enforced_policies` / `pending_policies` / `transit_policies`; the older `all_policies` (enforced and
 * staged hits mixed, staged ones marked `staged:`) only when none of those is present, as `enforced`.
 */
function policies(r: Record<string, unknown>, p: Record<string, unknown> | undefined, texts: HitTexts): DecodeFailure | undefined {
  if (p === undefined) return undefined;
  const hits: ObservedPolicyHit[] = [];
  const sets: ReadonlyArray<readonly [string, ObservedPolicyHit['set']]> = POLICY_SETS.some(([key]) => p[key] !== undefined)
    ? POLICY_SETS
    : [['all_policies', 'enforced']];
  for (const [key, set] of sets) {
    const list = p[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return new DecodeFailure('invalid-field', `policies.${key} is not a list`);
    for (const text of list) {
      const hit = typeof text === 'string' ? texts.parse(text, set) : `policies.${key} holds a non-string`;
      if (typeof hit === 'string') return new DecodeFailure('invalid-field', hit);
      hits.push(hit);
    }
  }
  r.observed_policies = byIndex(hits);
  return undefined;
}

/** Distinct hit texts remembered per decoder; past it, the memory starts over. */
const HIT_TEXTS = 1 << 12;

/**
 * Policy hits by their text: a log names the same few policies on line after line, and the hit objects are never
 * changed after parsing (readonly, validated in place), so lines share one per (text, set).
 */
class HitTexts {
  private readonly bySet: Record<ObservedPolicyHit['set'], Map<string, ObservedPolicyHit | string>> = {
    enforced: new Map(),
    pending: new Map(),
    transit: new Map(),
  };

  parse(text: string, set: ObservedPolicyHit['set']): ObservedPolicyHit | string {
    const known = this.bySet[set];
    let hit = known.get(text);
    if (hit === undefined) {
      if (known.size >= HIT_TEXTS) known.clear();
      hit = parseCalicoPolicyHit(text, set);
      known.set(text, hit);
    }
    return hit;
  }
}
