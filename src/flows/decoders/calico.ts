import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { labelsFromList } from '../labels.js';
import { normaliseRecord } from '../normalise.js';
import { byIndex, parseCalicoPolicyHit, sharedHitList } from '../policy-hits.js';
import type { ObservedPolicyHit } from '../record.js';
import type { FlowDecoder } from './types.js';
import { CALICO_TYPE_KIND, counterSum, isBlank, objectField, parseObject, present, setName, SIDE_FIELDS } from './json-line.js';

/**
 * Calico Enterprise / Calico Cloud flow logs (JSON lines as fluentd ships them). One record per reporting side:
 * the `src` and `dst` records of one connection stay two flows. Field mapping: docs/flow-record.md, "calico".
 */
export function createDecoder(): FlowDecoder {
  const hits = new HitLists();
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
  const fields = SIDE_FIELDS[s];
  r[fields.kind] = kind;
  r[fields.namespace] = present(namespace);
  setName(r, s, name, kind);
  const aggr = present(nameAggr);
  if (aggr !== undefined) r[fields.nameAggr] = aggr;
  // `{"labels": ["k=v", ...]}` as fluentd writes it; a bare list is taken too.
  const list = labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? (labels as { labels?: unknown }).labels : labels;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return new DecodeFailure('invalid-field', `${s === 'src' ? 'source' : 'dest'}_labels is not a list of key=value`);
  const parsed = labelsFromList(list);
  if (typeof parsed === 'string') return new DecodeFailure('invalid-field', parsed);
  r[fields.labels] = parsed;
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

/** Where the legacy log keeps its hits when none of POLICY_SETS is present. */
const LEGACY_SETS = [['all_policies', 'enforced']] as const;

/**
 * `policies.enforced_policies` / `pending_policies` / `transit_policies`; the older `all_policies` (enforced and
 * staged hits mixed, staged ones marked `staged:`) only when none of those is present, as `enforced`.
 */
function policies(r: Record<string, unknown>, p: Record<string, unknown> | undefined, hits: HitLists): DecodeFailure | undefined {
  if (p === undefined) return undefined;
  const sets = POLICY_SETS.some(([key]) => p[key] !== undefined) ? POLICY_SETS : LEGACY_SETS;
  const lists: Array<readonly [readonly string[], ObservedPolicyHit['set']]> = [];
  for (const [key, set] of sets) {
    const list: unknown = p[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return new DecodeFailure('invalid-field', `policies.${key} is not a list`);
    if (!list.every((text) => typeof text === 'string')) return new DecodeFailure('invalid-field', `policies.${key} holds a non-string`);
    lists.push([list as string[], set]);
  }
  const list = hits.list(lists);
  if (typeof list === 'string') return new DecodeFailure('invalid-field', list);
  r.observed_policies = list;
  return undefined;
}

/** Distinct hit texts, and distinct lists of them, remembered per decoder; past it, the memory starts over. */
const REMEMBERED = 1 << 12;

/**
 * Policy hits by their text, and whole lists of them by their texts: a log names the same few policies on line
 * after line. Hits are never changed after parsing (readonly, validated in place), so lines share one per (text,
 * set), and lines that name the same hits share one list (sharedHitList).
 */
class HitLists {
  private readonly bySet: Record<ObservedPolicyHit['set'], Map<string, ObservedPolicyHit | string>> = {
    enforced: new Map(),
    pending: new Map(),
    transit: new Map(),
  };
  private readonly lists = new Map<string, readonly ObservedPolicyHit[] | string>();

  /** The hits the texts of each set name, in byIndex order, or what is wrong with one of them. */
  list(sets: ReadonlyArray<readonly [readonly string[], ObservedPolicyHit['set']]>): readonly ObservedPolicyHit[] | string {
    // Each text preceded by its length: no two different lists make the same key, whatever their texts hold.
    let key = '';
    for (const [texts, set] of sets) {
      key += `${set}${texts.length}`;
      for (const text of texts) key += `|${text.length}|${text}`;
    }
    let list = this.lists.get(key);
    if (list === undefined) {
      if (this.lists.size >= REMEMBERED) this.lists.clear();
      list = this.parseList(sets);
      this.lists.set(key, list);
    }
    return list;
  }

  private parseList(sets: ReadonlyArray<readonly [readonly string[], ObservedPolicyHit['set']]>): readonly ObservedPolicyHit[] | string {
    const hits: ObservedPolicyHit[] = [];
    for (const [texts, set] of sets) {
      for (const text of texts) {
        const hit = this.parse(text, set);
        if (typeof hit === 'string') return hit;
        hits.push(hit);
      }
    }
    return sharedHitList(byIndex(hits));
  }

  private parse(text: string, set: ObservedPolicyHit['set']): ObservedPolicyHit | string {
    const known = this.bySet[set];
    let hit = known.get(text);
    if (hit === undefined) {
      if (known.size >= REMEMBERED) known.clear();
      hit = parseCalicoPolicyHit(text, set);
      known.set(text, hit);
    }
    return hit;
  }
}
