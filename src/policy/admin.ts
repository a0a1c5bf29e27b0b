/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and their successor
 * ClusterNetworkPolicy (v1alpha2) → model `Policy` in tiers kube-admin / kube-baseline, following libcalico-go
 * `conversion/clusternetworkpolicy.go` (and the ANP/BANP converters of Calico 3.31, removed upstream since):
 * a cluster-wide policy whose subject is pods (`projectcalico.org/orchestrator == 'k8s'`) in the selected
 * namespaces, order = priority (BANP: 1000), types = the directions that have rules.
 * A rule Calico cannot convert fails closed: dropped if it allowed, replaced by a deny-all rule if it denied or
 * passed. Egress `nodes` peers are such rules (Calico converts only namespaces, pods and networks);
 * `domainNames` peers become undecidable rules (a flow log has no DNS names).
 */
import { parseCidr } from './cidr.js';
import { compact, FieldMap } from './fields.js';
import { policyId, policyName } from './identity.js';
import { childPath } from './path.js';
import { expandRule, groupPorts, type PeerSide, type PortEntry } from './k8s-rules.js';
import { namespaceSelector, podSelector } from './label-selector.js';
import type { Cidr, Direction, Policy, Rule, RuleAction } from './model.js';
import { parseCalicoPort, portRange } from './ports.js';
import { KUBERNETES_PROTOCOLS } from './protocol.js';
import { readMetadata } from './resource.js';
import type { Selector } from '../selector/types.js';

export type AdminPolicyKind = 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';

/** Calico 3.31 K8sBaselineAdminNetworkPolicyToCalico: `order := float64(1000)`. */
const BASELINE_ADMIN_POLICY_ORDER = 1000;

interface KindRules {
  readonly spec: readonly string[];
  /** Written action → Calico action. */
  readonly actions: ReadonlyMap<string, RuleAction>;
  readonly portsKey: 'ports' | 'protocols';
  readonly egressPeers: readonly string[];
}

const ADMIN_ACTIONS = new Map<string, RuleAction>([['Allow', 'Allow'], ['Deny', 'Deny'], ['Pass', 'Pass']]);
const KIND_RULES: Readonly<Record<AdminPolicyKind, KindRules>> = {
  AdminNetworkPolicy: {
    spec: ['priority', 'subject', 'ingress', 'egress'],
    actions: ADMIN_ACTIONS,
    portsKey: 'ports',
    egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  },
  BaselineAdminNetworkPolicy: {
    spec: ['subject', 'ingress', 'egress'],
    actions: new Map([['Allow', 'Allow'], ['Deny', 'Deny']]),
    portsKey: 'ports',
    egressPeers: ['namespaces', 'pods', 'nodes', 'networks'],
  },
  ClusterNetworkPolicy: {
    spec: ['tier', 'priority', 'subject', 'ingress', 'egress'],
    actions: new Map([['Accept', 'Allow'], ['Deny', 'Deny'], ['Pass', 'Pass']]),
    portsKey: 'protocols',
    egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  },
};
const INGRESS_PEERS = ['namespaces', 'pods'];
const LABEL_SELECTOR = ['matchLabels', 'matchExpressions'];
const NAMESPACED_POD = ['namespaceSelector', 'podSelector'];

export function convertAdminPolicy(root: FieldMap, kind: AdminPolicyKind): Policy | undefined {
  const rules = KIND_RULES[kind];
  const metadata = readMetadata(root, 'cluster');
  if (kind === 'BaselineAdminNetworkPolicy' && metadata !== undefined && metadata.name !== 'default') {
    root.check.report('bad-value', `a BaselineAdminNetworkPolicy must be named "default", found "${metadata.name}"`, childPath(root.pathOf('metadata'), 'name'));
  }
  if (!root.require('spec')) return undefined;
  const spec = root.map('spec', rules.spec);
  if (spec === undefined || metadata === undefined) return undefined;

  const tier = readTier(spec, kind);
  const order = kind === 'BaselineAdminNetworkPolicy' ? BASELINE_ADMIN_POLICY_ORDER : readPriority(spec);
  const subject = readSubject(spec);
  const ingress = readRules(spec, 'ingress', rules);
  const egress = readRules(spec, 'egress', rules);
  if (tier === undefined || order === undefined || subject === undefined) return undefined;
  return compact<Policy>({
    id: policyId(kind, undefined, metadata.name),
    sourceKind: kind,
    name: policyName(kind, metadata.name, tier),
    tier,
    order,
    selector: subject.selector,
    namespaceSelector: subject.namespaceSelector,
    types: { ingress: ingress.length > 0, egress: egress.length > 0 },
    ingress,
    egress,
    staged: null,
    applyOnForward: false,
    preDNAT: false,
    doNotTrack: false,
    origin: root.check.origin(root.path),
  });
}

function readTier(spec: FieldMap, kind: AdminPolicyKind): string | undefined {
  if (kind === 'AdminNetworkPolicy') return 'kube-admin';
  if (kind === 'BaselineAdminNetworkPolicy') return 'kube-baseline';
  if (!spec.require('tier')) return undefined;
  const tier = spec.string('tier');
  if (tier === 'Admin') return 'kube-admin';
  if (tier === 'Baseline') return 'kube-baseline';
  if (tier !== undefined) spec.check.report('bad-value', `tier must be Admin or Baseline, found "${tier}"`, spec.pathOf('tier'));
  return undefined;
}

function readPriority(spec: FieldMap): number | undefined {
  return spec.require('priority') ? spec.integer('priority', 0, 1000) : undefined;
}

/** `subject`: exactly one of `namespaces` (every pod there) or `pods` (namespaceSelector + podSelector). */
function readSubject(spec: FieldMap): { selector: Selector; namespaceSelector: Selector } | undefined {
  if (!spec.require('subject')) return undefined;
  const subject = spec.map('subject', ['namespaces', 'pods']);
  if (subject === undefined || !exactlyOne(subject, ['namespaces', 'pods'], 'subject')) return undefined;
  const check = subject.check;
  if (subject.has('namespaces')) {
    const namespaces = subject.map('namespaces', LABEL_SELECTOR);
    const ns = namespaces === undefined ? undefined : namespaceSelector(namespaces);
    const selector = podSelector(check, undefined, subject.pathOf('namespaces'));
    return ns === undefined || selector === undefined ? undefined : { selector, namespaceSelector: ns };
  }
  const pods = namespacedPod(subject, 'pods');
  return pods === undefined ? undefined : { selector: pods.selector, namespaceSelector: pods.namespaces };
}

function namespacedPod(parent: FieldMap, key: string): { selector: Selector; namespaces: Selector } | undefined {
  const pods = parent.map(key, NAMESPACED_POD);
  if (pods === undefined) return undefined;
  const hasBoth = pods.require('namespaceSelector') && pods.require('podSelector');
  const nsMap = pods.map('namespaceSelector', LABEL_SELECTOR);
  const namespaces = nsMap === undefined ? undefined : namespaceSelector(nsMap);
  const selector = podSelector(pods.check, pods.map('podSelector', LABEL_SELECTOR), pods.pathOf('podSelector'));
  return hasBoth && namespaces !== undefined && selector !== undefined ? { selector, namespaces } : undefined;
}

function exactlyOne(m: FieldMap, keys: readonly string[], what: string): boolean {
  const set = keys.filter((k) => m.has(k));
  if (set.length === 1) return true;
  const code = set.length === 0 ? 'missing-field' : 'conflicting-fields';
  m.check.report(code, `${what} needs exactly one of ${keys.join(', ')}${set.length > 1 ? `, found ${set.join(' and ')}` : ''}`, m.path);
  return false;
}

function readRules(spec: FieldMap, direction: Direction, kind: KindRules): Rule[] {
  const peerKey = direction === 'ingress' ? 'from' : 'to';
  const peerFields = direction === 'ingress' ? INGRESS_PEERS : kind.egressPeers;
  const out: Rule[] = [];
  for (const rule of spec.maps(direction, ['name', 'action', peerKey, kind.portsKey]) ?? []) {
    const before = rule.check.errorCount;
    rule.string('name');
    const action = readAction(rule, kind);
    const ports = kind.portsKey === 'ports' ? readAdminPorts(rule) : readClusterProtocols(rule);
    const peers = rule.require(peerKey) ? rule.maps(peerKey, peerFields) : undefined;
    if (peers !== undefined && peers.length === 0) rule.check.report('missing-field', `${peerKey} needs at least one peer`, rule.pathOf(peerKey));
    const outcomes = (peers ?? []).map((p) => readPeer(p, peerFields, ports));
    if (action === undefined || ports === undefined || peers === undefined || rule.check.errorCount > before) continue;
    const origin = rule.check.origin(rule.path);
    const failed = outcomes.find((o): o is { reason: string } => 'reason' in o);
    if (failed !== undefined) {
      // clusternetworkpolicy.go k8sClusterNetPolHandleFailedRules: fail closed.
      const replacement = action === 'Allow' ? 'dropped' : 'replaced by a rule that denies everything';
      rule.check.report('rule-not-converted', `Calico cannot convert this rule (${failed.reason}); it is ${replacement}`, rule.path);
      if (action !== 'Allow') out.push({ index: out.length, action: 'Deny', source: {}, destination: {}, origin });
      continue;
    }
    const sides = outcomes as PeerSide[];
    for (const side of sides) {
      if (side.undecidable !== undefined) rule.check.report('undecidable-rule', `${side.undecidable}; flows reaching this rule get verdict unknown`, rule.pathOf(peerKey));
    }
    out.push(...expandRule(groupPorts(ports), sides, direction, action, out.length, origin));
  }
  return out;
}

function readAction(rule: FieldMap, kind: KindRules): RuleAction | undefined {
  if (!rule.require('action')) return undefined;
  const written = rule.string('action');
  if (written === undefined) return undefined;
  const action = kind.actions.get(written);
  if (action === undefined) rule.check.report('bad-action', `unknown action "${written}"; expected ${[...kind.actions.keys()].join(', ')}`, rule.pathOf('action'));
  return action;
}

/** A converted peer, or why Calico cannot convert it. */
function readPeer(peer: FieldMap, fields: readonly string[], ports: readonly PortEntry[] | 'any' | undefined): PeerSide | { reason: string } {
  // Fields this direction does not have were reported as unknown and do not count.
  const set = fields.filter((k) => peer.has(k));
  if (set.length === 0) return { reason: 'a peer sets none of its fields' };
  if (set.length > 1) {
    peer.check.report('conflicting-fields', `a peer sets exactly one field, found ${set.join(' and ')}`, peer.path);
    return { entity: {} };
  }
  const named = ports !== undefined && ports !== 'any' && ports.some((p) => p.port !== 'all' && p.port.kind === 'named');
  if (named && ['networks', 'nodes', 'domainNames'].includes(set[0] ?? '')) {
    peer.check.report('conflicting-fields', `named ports cannot be used with a ${set[0]} peer (they have no named ports)`, peer.path);
  }
  switch (set[0]) {
    case 'namespaces': {
      const m = peer.map('namespaces', LABEL_SELECTOR);
      const ns = m === undefined ? undefined : namespaceSelector(m);
      return { entity: ns === undefined ? {} : { namespaceScope: { kind: 'selector', selector: ns } } };
    }
    case 'pods': {
      const pods = namespacedPod(peer, 'pods');
      return { entity: pods === undefined ? {} : { selector: pods.selector, namespaceScope: { kind: 'selector', selector: pods.namespaces } } };
    }
    case 'networks':
      return { entity: { nets: readNetworks(peer) } };
    case 'domainNames': {
      const names = (peer.strings('domainNames') ?? []).map((n) => n.value);
      return { entity: {}, undecidable: `domainNames peer (${names.join(', ')}) cannot be decided from flow logs, which carry no DNS names` };
    }
    default:
      return { reason: `Calico does not convert "${set[0]}" peers` };
  }
}

function readNetworks(peer: FieldMap): Cidr[] {
  const out: Cidr[] = [];
  for (const item of peer.strings('networks') ?? []) {
    const parsed = parseCidr(item.value, 'masked');
    if (parsed.ok) out.push(parsed.cidr);
    else peer.check.report('bad-cidr', parsed.reason, item.path);
  }
  return out;
}

/** v1alpha1 `ports`: portNumber {protocol (TCP), port} | namedPort | portRange {protocol (TCP), start, end}. */
function readAdminPorts(rule: FieldMap): PortEntry[] | 'any' | undefined {
  const items = rule.maps('ports', ['portNumber', 'namedPort', 'portRange']);
  if (items === undefined) return rule.has('ports') ? undefined : 'any';
  const entries: PortEntry[] = [];
  for (const m of items) {
    if (!exactlyOne(m, ['portNumber', 'namedPort', 'portRange'], 'a port')) continue;
    if (m.has('namedPort')) {
      const name = m.string('namedPort');
      if (name !== undefined) entries.push({ protocol: '', port: { kind: 'named', name } });
      continue;
    }
    const numberMap = m.map('portNumber', ['protocol', 'port']);
    const rangeMap = m.map('portRange', ['protocol', 'start', 'end']);
    const f = numberMap ?? rangeMap;
    if (f === undefined) continue;
    const protocol = kubernetesProtocol(f);
    const port = numberMap !== undefined ? singlePort(numberMap, 'port') : rangeOf(f);
    if (protocol !== undefined && port !== undefined) entries.push({ protocol, port });
  }
  return entries;
}

/** v1alpha2 `protocols`: tcp|udp|sctp {destinationPort: {number} | {range: {start, end}}} | destinationNamedPort. */
function readClusterProtocols(rule: FieldMap): PortEntry[] | 'any' | undefined {
  const items = rule.maps('protocols', ['tcp', 'udp', 'sctp', 'destinationNamedPort']);
  if (items === undefined) return rule.has('protocols') ? undefined : 'any';
  const entries: PortEntry[] = [];
  for (const m of items) {
    if (!exactlyOne(m, ['tcp', 'udp', 'sctp', 'destinationNamedPort'], 'a protocol')) continue;
    if (m.has('destinationNamedPort')) {
      const name = m.string('destinationNamedPort');
      if (name !== undefined) entries.push({ protocol: '', port: { kind: 'named', name } });
      continue;
    }
    const key = (['tcp', 'udp', 'sctp'] as const).find((k) => m.has(k)) ?? 'tcp';
    const protocol = key.toUpperCase() as 'TCP' | 'UDP' | 'SCTP';
    const destination = m.map(key, ['destinationPort'])?.map('destinationPort', ['number', 'range']);
    if (destination === undefined) {
      entries.push({ protocol, port: 'all' });
      continue;
    }
    if (!exactlyOne(destination, ['number', 'range'], 'destinationPort')) continue;
    const rangeMap = destination.map('range', ['start', 'end']);
    const port = rangeMap !== undefined ? rangeOf(rangeMap) : singlePort(destination, 'number');
    if (port !== undefined) entries.push({ protocol, port });
  }
  return entries;
}

function kubernetesProtocol(m: FieldMap): PortEntry['protocol'] | undefined {
  const text = m.string('protocol') ?? 'TCP';
  if (KUBERNETES_PROTOCOLS.has(text)) return text as PortEntry['protocol'];
  m.check.report('bad-protocol', `protocol must be TCP, UDP or SCTP, found "${text}"`, m.pathOf('protocol'));
  return undefined;
}

function singlePort(m: FieldMap, key: string): PortEntry['port'] | undefined {
  if (!m.require(key)) return undefined;
  const n = m.number(key);
  if (n === undefined) return undefined;
  const parsed = parseCalicoPort(n);
  if (parsed.ok) return parsed.port;
  m.check.report('bad-port', parsed.reason, m.pathOf(key));
  return undefined;
}

function rangeOf(m: FieldMap): PortEntry['port'] | undefined {
  const start = m.require('start') ? m.number('start') : undefined;
  const end = m.require('end') ? m.number('end') : undefined;
  if (start === undefined || end === undefined) return undefined;
  const parsed = portRange(start, end, `${start}-${end}`);
  if (parsed.ok) return parsed.port;
  m.check.report('bad-port', parsed.reason, m.path);
  return undefined;
}
