/**
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) and Calico's StagedKubernetesNetworkPolicy → model `Policy`
 * (libcalico-go `conversion.go` K8sNetworkPolicyToCalico): tier `default`, order 1000, selector
 * `projectcalico.org/orchestrator == 'k8s' && <podSelector>`, Allow rules only. Validation follows the
 * Kubernetes API server (`pkg/apis/networking/validation`), which a file from disk has never been through.
 */
import { parseCidr } from './cidr.js';
import { deletion } from './calico.js';
import { compact, FieldMap } from './fields.js';
import { policyId, policyName } from './identity.js';
import { expandRule, groupPorts, type PeerSide, type PortEntry } from './k8s-rules.js';
import { namespaceSelector, podSelector } from './label-selector.js';
import type { Cidr, Direction, EntityMatch, Policy, Rule } from './model.js';
import { readTypes, warnIgnoredRules, type PolicyTypes } from './policy-types.js';
import { parseCalicoPort, portRange } from './ports.js';
import { KUBERNETES_PROTOCOLS } from './protocol.js';
import { readMetadata } from './resource.js';
import { checkDeleteHasNoSpec, readStagedAction } from './staged.js';

export type KubernetesPolicyKind = 'KubernetesNetworkPolicy' | 'StagedKubernetesNetworkPolicy';

/** conversion.go: "We insert all the NetworkPolicy Policies at order 1000.0". */
const KUBERNETES_POLICY_ORDER = 1000;

const SPEC = ['podSelector', 'ingress', 'egress', 'policyTypes'];
const LABEL_SELECTOR = ['matchLabels', 'matchExpressions'];
const PEER = ['podSelector', 'namespaceSelector', 'ipBlock'];
const PORT = ['protocol', 'port', 'endPort'];
/** IANA_SVC_NAME, the form Kubernetes requires of a named port. */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

export function convertKubernetesPolicy(root: FieldMap, kind: KubernetesPolicyKind): Policy | undefined {
  const staged = kind === 'StagedKubernetesNetworkPolicy';
  const metadata = readMetadata(root, 'namespaced');
  const known = staged ? [...SPEC, 'stagedAction'] : SPEC;
  const spec = root.has('spec') ? root.map('spec', known) : FieldMap.of(root.check, {}, root.pathOf('spec'));
  if (spec === undefined || metadata === undefined) return undefined;
  const namespace = metadata.namespace ?? 'default';

  const stagedAction = staged ? readStagedAction(spec) : null;
  if (stagedAction === 'skip' || stagedAction === 'invalid') return undefined;
  const base = {
    id: policyId(kind, namespace, metadata.name),
    sourceKind: kind,
    name: policyName(kind, metadata.name, 'default'),
    namespace,
    tier: 'default',
    staged: stagedAction,
    origin: root.check.origin(root.path),
  };
  if (stagedAction === 'Delete') {
    checkDeleteHasNoSpec(spec, []);
    return deletion(base);
  }

  const selector = podSelector(spec.check, spec.map('podSelector', LABEL_SELECTOR), spec.pathOf('podSelector'));
  const ingress = readRules(spec, 'ingress', namespace);
  const egress = readRules(spec, 'egress', namespace);
  const types = readTypes(spec, 'policyTypes') ?? defaultTypes(spec, staged);
  warnIgnoredRules(spec, types, { ingress: 'ingress', egress: 'egress' });
  if (selector === undefined) return undefined;
  return compact<Policy>({
    ...base,
    order: KUBERNETES_POLICY_ORDER,
    selector,
    types,
    ingress,
    egress,
    applyOnForward: false,
    preDNAT: false,
    doNotTrack: false,
  });
}

/**
 * The API server adds Ingress always and Egress when there are egress rules; Calico's conversion of a staged
 * policy without policyTypes (nothing defaults it) applies it to ingress only.
 */
function defaultTypes(spec: FieldMap, staged: boolean): PolicyTypes {
  const egressRules = spec.raw('egress');
  return { ingress: true, egress: !staged && Array.isArray(egressRules) && egressRules.length > 0 };
}

function readRules(spec: FieldMap, direction: Direction, namespace: string): Rule[] {
  const peerKey = direction === 'ingress' ? 'from' : 'to';
  const rules: Rule[] = [];
  for (const rule of spec.maps(direction, [peerKey, 'ports']) ?? []) {
    const peerMaps = rule.maps(peerKey, PEER);
    const peers: PeerSide[] | undefined = peerMaps === undefined || peerMaps.length === 0 ? [{ entity: {} }] : readPeers(peerMaps, namespace);
    const ports = readPorts(rule);
    if (peers === undefined || ports === undefined) continue;
    rules.push(...expandRule(groupPorts(ports), peers, direction, 'Allow', rules.length, rule.check.origin(rule.path)));
  }
  return rules;
}

function readPeers(peers: readonly FieldMap[], namespace: string): PeerSide[] | undefined {
  const out: PeerSide[] = [];
  for (const peer of peers) {
    const side = readPeer(peer, namespace);
    if (side !== undefined) out.push({ entity: side });
  }
  return out.length === peers.length ? out : undefined;
}

/**
 * conversion.go k8sPeerToCalicoFields: ipBlock → nets/notNets; otherwise a pod selector (its own namespace unless
 * a namespaceSelector picks namespaces; a namespaceSelector alone still selects pods only).
 */
function readPeer(peer: FieldMap, namespace: string): EntityMatch | undefined {
  if (peer.has('ipBlock')) {
    for (const other of ['podSelector', 'namespaceSelector']) {
      if (peer.has(other)) peer.check.report('conflicting-fields', `ipBlock cannot be combined with ${other}`, peer.pathOf(other));
    }
    const ipBlock = peer.map('ipBlock', ['cidr', 'except']);
    return ipBlock === undefined ? undefined : readIpBlock(ipBlock);
  }
  if (!peer.has('podSelector') && !peer.has('namespaceSelector')) {
    peer.check.report('missing-field', 'a peer needs podSelector, namespaceSelector or ipBlock', peer.path);
    return undefined;
  }
  const selector = podSelector(peer.check, peer.map('podSelector', LABEL_SELECTOR), peer.pathOf('podSelector'));
  const namespaces = peer.map('namespaceSelector', LABEL_SELECTOR);
  const nsSelector = namespaces === undefined ? undefined : namespaceSelector(namespaces);
  if (selector === undefined || (namespaces !== undefined && nsSelector === undefined)) return undefined;
  return {
    selector,
    namespaceScope: nsSelector === undefined ? { kind: 'namespace', name: namespace } : { kind: 'selector', selector: nsSelector },
  };
}

/** ipBlock: `cidr`, and `except` entries that must lie strictly inside it (Kubernetes validation). */
function readIpBlock(m: FieldMap): EntityMatch | undefined {
  const before = m.check.errorCount;
  const cidrText = m.require('cidr') ? m.string('cidr') : undefined;
  const cidr = cidrText === undefined ? undefined : reportCidr(m, cidrText, m.pathOf('cidr'));
  const notNets: Cidr[] = [];
  for (const item of m.strings('except') ?? []) {
    const except = reportCidr(m, item.value, item.path);
    if (except === undefined || cidr === undefined) continue;
    if (!strictlyInside(except, cidr)) m.check.report('bad-cidr', `except ${except.text} is not strictly inside ${cidr.text}`, item.path);
    notNets.push(except);
  }
  if (cidr === undefined || m.check.errorCount > before) return undefined;
  return compact<EntityMatch>({ nets: [cidr], notNets: notNets.length > 0 ? notNets : undefined });
}

function reportCidr(m: FieldMap, text: string, path: string): Cidr | undefined {
  const parsed = parseCidr(text, 'masked');
  if (parsed.ok) return parsed.cidr;
  m.check.report('bad-cidr', parsed.reason, path);
  return undefined;
}

function strictlyInside(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  for (let bit = 0; bit < outer.prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((inner.bytes[byte] ?? 0) & mask) !== ((outer.bytes[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** ports: protocol (default TCP), port (number or IANA name; absent = every port), endPort (numeric port only). */
function readPorts(rule: FieldMap): PortEntry[] | 'any' | undefined {
  const items = rule.maps('ports', PORT);
  if (items === undefined || items.length === 0) return rule.has('ports') && items === undefined ? undefined : 'any';
  const before = rule.check.errorCount;
  const entries: PortEntry[] = [];
  for (const m of items) {
    const protocolText = m.string('protocol') ?? 'TCP';
    if (!KUBERNETES_PROTOCOLS.has(protocolText)) {
      m.check.report('bad-protocol', `protocol must be TCP, UDP or SCTP, found "${protocolText}"`, m.pathOf('protocol'));
      continue;
    }
    const protocol = protocolText as PortEntry['protocol'];
    const port = m.raw('port');
    const endPort = m.has('endPort') ? m.integer('endPort', 1, 65535) : undefined;
    if (port === undefined) {
      if (m.has('endPort')) m.check.report('missing-field', 'endPort needs a numeric port', m.pathOf('port'));
      entries.push({ protocol, port: 'all' });
    } else if (typeof port === 'number') {
      const parsed = endPort === undefined ? parseCalicoPort(port) : portRange(port, endPort, `${port}-${endPort}`);
      if (parsed.ok) entries.push({ protocol, port: parsed.port });
      else m.check.report('bad-port', parsed.reason, m.pathOf(endPort === undefined ? 'port' : 'endPort'));
    } else if (typeof port === 'string' && PORT_NAME.test(port)) {
      if (m.has('endPort')) m.check.report('conflicting-fields', 'endPort cannot be used with a named port', m.pathOf('endPort'));
      entries.push({ protocol, port: { kind: 'named', name: port } });
    } else {
      const why = typeof port === 'string' ? `"${port}" is not a valid port name (digits need no quotes)` : 'port must be a number or a name';
      m.check.report('bad-port', why, m.pathOf('port'));
    }
  }
  return rule.check.errorCount > before ? undefined : entries;
}
