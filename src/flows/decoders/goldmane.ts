import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { labelsFromJoined, labelsFromList } from '../labels.js';
import { normaliseRecord } from '../normalise.js';
import { byIndex, goldmaneAction, goldmaneHit } from '../policy-hits.js';
import type { EndpointKindHint, ObservedPolicyHit } from '../record.js';
import type { FlowDecoder } from './types.js';
import { counterSum, isBlank, objectField, parseObject, present, setName, SIDE_FIELDS } from './json-line.js';

/**
 * Calico Open Source Goldmane flows, in the two JSON shapes users get (docs/flow-record.md, "goldmane"):
 * - the emitter's NDJSON (`goldmane/pkg/emitter`): Go `encoding/json` of `proto.Flow`, so a `Key` object, numeric
 *   enums and omitted zero values; also one compacted `FlowResult` per line (`{"id":..,"flow":{"Key":..}}`, what
 *   `goldmane/cmd/stream` prints once passed through `jq -c`);
 * - Whisker's flat `FlowResponse` (`whisker-backend/pkg/apis/v1/flows.go`): enum names, RFC 3339 times, labels
 *   joined by `" | "`, `protocol` instead of `proto`.
 * Neither carries IP addresses: endpoints resolve by name, namespace and labels.
 */
export function createDecoder(): FlowDecoder {
  return {
    format: 'goldmane',
    decode(line) {
      if (isBlank(line)) return SkippedLine.blank;
      const parsed = parseObject(line);
      if (parsed instanceof DecodeFailure) return parsed;
      const o = objectField(parsed, 'flow') ?? parsed;
      const key = objectField(o, 'Key');
      return key === undefined ? fromWhisker(o) : fromEmitter(o, key);
    },
  };
}

/** `EndpointType`: 1 WorkloadEndpoint, 2 HostEndpoint, 3 NetworkSet, 4 Network (0/omitted: unspecified). */
const ENDPOINT_KINDS: ReadonlyMap<unknown, EndpointKindHint> = new Map<unknown, EndpointKindHint>([
  [1, 'pod'],
  [2, 'host'],
  [3, 'networkset'],
  [4, 'net'],
]);

function fromEmitter(o: Record<string, unknown>, k: Record<string, unknown>): ReturnType<typeof normaliseRecord> {
  const counters = flowCounters(o);
  if (counters instanceof DecodeFailure) return counters;
  const r: Record<string, unknown> = {
    time: o.start_time,
    end_time: o.end_time,
    proto: k.proto,
    dst_port: k.dest_port,
    action: flowAction(k.action),
    reporter: k.reporter === 1 ? 'src' : k.reporter === 2 ? 'dst' : undefined,
    ...counters,
  };
  service(r, k);
  const failure =
    endpoint(r, 'src', k.source_name, k.source_namespace, ENDPOINT_KINDS.get(k.source_type ?? 0), o.source_labels) ??
    endpoint(r, 'dst', k.dest_name, k.dest_namespace, ENDPOINT_KINDS.get(k.dest_type ?? 0), o.dest_labels) ??
    hits(r, objectField(k, 'policies'), 'enforced_policies', 'pending_policies');
  return failure ?? normaliseRecord(r);
}

/** Whisker writes the two network pseudo-endpoints by display name; there is no endpoint type field. */
const WHISKER_NETWORKS: ReadonlySet<unknown> = new Set(['PUBLIC NETWORK', 'PRIVATE NETWORK']);

function fromWhisker(o: Record<string, unknown>): ReturnType<typeof normaliseRecord> {
  const counters = flowCounters(o);
  if (counters instanceof DecodeFailure) return counters;
  const r: Record<string, unknown> = {
    time: o.start_time,
    end_time: o.end_time,
    proto: o.protocol,
    dst_port: o.dest_port === 0 ? undefined : o.dest_port,
    action: flowAction(o.action),
    reporter: o.reporter === 'Src' ? 'src' : o.reporter === 'Dst' ? 'dst' : undefined,
    ...counters,
  };
  const srcKind = WHISKER_NETWORKS.has(o.source_name) ? 'net' : undefined;
  const dstKind = WHISKER_NETWORKS.has(o.dest_name) ? 'net' : undefined;
  const failure =
    endpoint(r, 'src', o.source_name, o.source_namespace, srcKind, joined(o.source_labels)) ??
    endpoint(r, 'dst', o.dest_name, o.dest_namespace, dstKind, joined(o.dest_labels)) ??
    hits(r, objectField(o, 'policies'), 'enforced', 'pending');
  return failure ?? normaliseRecord(r);
}

/** A flow's action: Allow or Deny; Pass and unspecified (0, omitted) say nothing about the flow. */
function flowAction(value: unknown): 'allow' | 'deny' | undefined {
  const a = goldmaneAction(value);
  return a === 'pass' ? undefined : a;
}

function flowCounters(o: Record<string, unknown>): Record<string, number | undefined> | DecodeFailure {
  const bytes = counterSum(o, 'bytes_in', 'bytes_out');
  if (bytes instanceof DecodeFailure) return bytes;
  const packets = counterSum(o, 'packets_in', 'packets_out');
  if (packets instanceof DecodeFailure) return packets;
  // Connections that started in the interval; omitted (0) for a connection carried over from an earlier bucket.
  const started = o.num_connections_started;
  return { bytes, packets, count: started === 0 ? undefined : (started as number | undefined) };
}

function service(r: Record<string, unknown>, k: Record<string, unknown>): void {
  r.dst_service_name = present(k.dest_service_name);
  r.dst_service_namespace = present(k.dest_service_namespace);
  r.dst_service_port_name = present(k.dest_service_port_name);
  r.dst_service_port = k.dest_service_port === 0 ? undefined : k.dest_service_port;
}

/** Whisker's labels: one string, pairs joined by `" | "`. */
function joined(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return labelsFromJoined(value, ' | ');
}

function endpoint(
  r: Record<string, unknown>,
  s: 'src' | 'dst',
  name: unknown,
  namespace: unknown,
  kind: EndpointKindHint | undefined,
  labels: unknown,
): DecodeFailure | undefined {
  setName(r, s, name, kind);
  const fields = SIDE_FIELDS[s];
  r[fields.namespace] = present(namespace);
  r[fields.kind] = kind;
  if (labels === undefined || labels === null) return undefined;
  const parsed = Array.isArray(labels) ? labelsFromList(labels) : labels;
  if (typeof parsed === 'string') return new DecodeFailure('invalid-field', parsed);
  r[fields.labels] = parsed;
  return undefined;
}

function hits(
  r: Record<string, unknown>,
  trace: Record<string, unknown> | undefined,
  enforcedKey: string,
  pendingKey: string,
): DecodeFailure | undefined {
  if (trace === undefined) return undefined;
  const out: ObservedPolicyHit[] = [];
  for (const [key, set] of [
    [enforcedKey, 'enforced'],
    [pendingKey, 'pending'],
  ] as const) {
    const list = trace[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return new DecodeFailure('invalid-field', `policies.${key} is not a list`);
    for (const item of list) {
      const hit = goldmaneHit(item, set);
      if (typeof hit === 'string') return new DecodeFailure('invalid-field', hit);
      out.push(hit);
    }
  }
  r.observed_policies = byIndex(out);
  return undefined;
}
