import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { normaliseRecord } from '../normalise.js';
import { RULE_UNKNOWN } from '../policy-hits.js';
import type { EndpointKindHint, ObservedPolicyHit } from '../record.js';
import type { FlowDecoder } from './types.js';
import { isBlank, objectField, parseObject, SIDE_FIELDS } from './json-line.js';

/**
 * Cilium Hubble, `hubble observe -o json` (cilium `api/v1/flow/flow.proto`, protojson with proto field names, zero
 * values omitted): `{"flow": {...}, "node_name": .., "time": ..}`, or the flow at top level in older output.
 * Mapping and verdicts: docs/flow-record.md, "hubble".
 */
export function createDecoder(): FlowDecoder {
  return {
    format: 'hubble',
    decode(line) {
      if (isBlank(line)) return SkippedLine.blank;
      const o = parseObject(line);
      if (o instanceof DecodeFailure) return o;
      const f = objectField(o, 'flow') ?? (isFlow(o) ? o : undefined);
      if (f === undefined) return SkippedLine.hubbleNonFlow;
      // Replies are the second half of a connection already audited from its request; `reply` is the
      // deprecated field older agents write.
      if (f.is_reply === true || (f.is_reply === undefined && f.reply === true)) return SkippedLine.hubbleReply;
      return fromFlow(f, o.time);
    },
  };
}

function isFlow(o: Record<string, unknown>): boolean {
  return o.verdict !== undefined || o.IP !== undefined || o.l4 !== undefined;
}

/** Drop reasons that are policy verdicts: 133 POLICY_DENIED (default deny) and 181 POLICY_DENY (a deny rule). */
const POLICY_DROPS: ReadonlySet<unknown> = new Set(['POLICY_DENIED', 'POLICY_DENY', 133, 181]);
/** Monitor message type of drop events (`pkg/monitor/api`: MessageTypeDrop). */
const MESSAGE_TYPE_DROP = 1;

function fromFlow(f: Record<string, unknown>, outerTime: unknown): ReturnType<typeof normaliseRecord> {
  const ip = objectField(f, 'IP');
  const r: Record<string, unknown> = {
    time: f.time ?? outerTime,
    src_ip: ip?.source,
    dst_ip: ip?.destination,
    reporter: f.traffic_direction === 'INGRESS' ? 'dst' : f.traffic_direction === 'EGRESS' ? 'src' : undefined,
    hubble_verdict: f.verdict,
  };
  layer4(r, objectField(f, 'l4'));
  verdict(r, f);
  endpoint(r, 'src', objectField(f, 'source'));
  endpoint(r, 'dst', objectField(f, 'destination'));
  const failure = policies(r, f);
  return failure ?? normaliseRecord(r);
}

/** The one protocol `l4` holds. Ports and ICMP type/code of 0 are omitted by protojson, so absent means 0. */
function layer4(r: Record<string, unknown>, l4: Record<string, unknown> | undefined): void {
  if (l4 === undefined) return;
  for (const [key, proto] of [
    ['TCP', 6],
    ['UDP', 17],
    ['SCTP', 132],
  ] as const) {
    const p = objectField(l4, key);
    if (p !== undefined) {
      r.proto = proto;
      r.src_port = p.source_port ?? 0;
      r.dst_port = p.destination_port ?? 0;
      return;
    }
  }
  for (const [key, proto] of [
    ['ICMPv4', 1],
    ['ICMPv6', 58],
  ] as const) {
    const p = objectField(l4, key);
    if (p !== undefined) {
      r.proto = proto;
      r.icmp_type = p.type ?? 0;
      r.icmp_code = p.code ?? 0;
      return;
    }
  }
}

/**
 * FORWARDED and REDIRECTED (to the L7 proxy) were allowed by policy; AUDIT would have been dropped by policy with
 * audit mode off, so its policy verdict is deny. A DROPPED flow is a policy deny only for the policy drop reasons;
 * any other drop (INVALID_SOURCE_IP, CT_...) keeps the flow with no observed action and its reason carried.
 */
function verdict(r: Record<string, unknown>, f: Record<string, unknown>): void {
  switch (f.verdict) {
    case 'FORWARDED':
    case 'REDIRECTED':
      r.action = 'allow';
      return;
    case 'AUDIT':
      r.action = 'deny';
      return;
    case 'DROPPED': {
      const desc = f.drop_reason_desc;
      const eventType = objectField(f, 'event_type');
      // Without a desc, the deprecated numeric drop_reason or the drop event's sub_type carries the reason.
      const byNumber =
        desc === undefined &&
        (POLICY_DROPS.has(f.drop_reason) || (eventType?.type === MESSAGE_TYPE_DROP && POLICY_DROPS.has(eventType.sub_type)));
      if (POLICY_DROPS.has(desc) || byNumber) r.action = 'deny';
      else r.hubble_drop_reason = desc ?? f.drop_reason ?? 'DROP_REASON_UNKNOWN';
      return;
    }
    default:
      return;
  }
}

/** Reserved identities (`reserved:<name>` labels) that stand for a node or for outside the cluster. */
const RESERVED_KINDS: ReadonlyMap<string, EndpointKindHint> = new Map([
  ['reserved:host', 'host'],
  ['reserved:remote-node', 'host'],
  ['reserved:world', 'net'],
  ['reserved:world-ipv4', 'net'],
  ['reserved:world-ipv6', 'net'],
]);

const K8S = 'k8s:';
const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
/** Labels Cilium derives for its own policy engine (`io.cilium.k8s.policy.*`, `io.cilium.k8s.namespace.labels.*`). */
const CILIUM_DERIVED = 'io.cilium.';

/**
 * An endpoint's labels carry their source as a prefix: `k8s:` labels are the pod's (prefix stripped), except the
 * namespace and service account Cilium adds, which become fields; `reserved:` ones give the kind; other sources
 * (`container:`, `cidr:`, `fqdn:`) are not Kubernetes labels and are left out.
 */
function endpoint(r: Record<string, unknown>, s: 'src' | 'dst', ep: Record<string, unknown> | undefined): void {
  if (ep === undefined) return;
  const labels: Record<string, string> = {};
  let kind: EndpointKindHint | undefined;
  let namespace = ep.namespace;
  let serviceAccount: string | undefined;
  let podLabels = 0;
  for (const item of Array.isArray(ep.labels) ? ep.labels : []) {
    if (typeof item !== 'string') continue;
    const reserved = RESERVED_KINDS.get(item);
    if (reserved !== undefined) kind = reserved;
    if (!item.startsWith(K8S)) continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item.slice(K8S.length) : item.slice(K8S.length, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (key === NAMESPACE_LABEL) namespace ??= value;
    else if (key === SERVICE_ACCOUNT_LABEL) serviceAccount = value;
    else if (!key.startsWith(CILIUM_DERIVED)) {
      labels[key] = value;
      podLabels++;
    }
  }
  const podName = ep.pod_name;
  if (kind === undefined && (podName !== undefined || namespace !== undefined)) kind = 'pod';
  const fields = SIDE_FIELDS[s];
  r[fields.kind] = kind;
  r[fields.namespace] = namespace === '' ? undefined : namespace;
  r[fields.name] = podName === '' ? undefined : podName;
  r[fields.serviceAccount] = serviceAccount;
  if (kind === 'pod' && (podLabels > 0 || namespace !== undefined)) r[fields.labels] = labels;
}

const POLICY_LISTS = [
  ['egress_denied_by', 'deny'],
  ['ingress_denied_by', 'deny'],
  ['egress_allowed_by', 'allow'],
  ['ingress_allowed_by', 'allow'],
] as const;

/**
 * `{egress,ingress}_{allowed,denied}_by` (Cilium policies: no tiers, no rule index) as enforced hits, numbered in
 * the order listed: denies first, since a deny wins over any allow in Cilium.
 */
function policies(r: Record<string, unknown>, f: Record<string, unknown>): DecodeFailure | undefined {
  const hits: ObservedPolicyHit[] = [];
  for (const [key, action] of POLICY_LISTS) {
    const list = f[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return new DecodeFailure('invalid-field', `${key} is not a list`);
    for (const p of list) {
      if (p === null || typeof p !== 'object' || typeof (p as { name?: unknown }).name !== 'string') {
        return new DecodeFailure('invalid-field', `${key} holds ${JSON.stringify(p)}, not a policy`);
      }
      const { name, namespace, kind } = p as { name: string; namespace?: unknown; kind?: unknown };
      hits.push({
        index: hits.length,
        tier: '',
        name,
        ...(typeof namespace === 'string' && namespace !== '' ? { namespace } : {}),
        ...(typeof kind === 'string' && kind !== '' ? { kind } : {}),
        action,
        rule: RULE_UNKNOWN,
        staged: false,
        set: 'enforced',
      });
    }
  }
  if (hits.length > 0) r.observed_policies = hits;
  return undefined;
}
