/**
 * A small typed builder of model objects for engine tests: policies written close to their Calico YAML, lowered
 * into model.ts the way the policy loader does (types defaulting, namespaceScope, CIDR bytes, port ranges).
 */
import ipaddr from 'ipaddr.js';
import { compilePolicySet, type CompiledPolicySet, type EngineOptions } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type {
  ClusterView,
  Endpoint,
  HostEndpointRef,
  NamedPort,
  NamespaceInfo,
  Peer,
  PodEndpoint,
  ServiceAccountInfo,
  ServiceEndpoints,
  ServiceVersion,
} from '../../src/inventory/endpoint.js';
import type {
  Cidr,
  EntityMatch,
  FelixConfig,
  IcmpMatch,
  NetworkSet,
  Policy,
  PolicySet,
  PolicySourceKind,
  PortMatch,
  Profile,
  Rule,
  RuleAction,
  Tier,
} from '../../src/policy/model.js';
import { parseSelector } from '../../src/selector/index.js';
import type { Labels } from '../../src/selector/types.js';
import { sharedAddressPeer, sharedEndpointPeer } from '../../src/inventory/peers.js';

export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
export const ICMPV6 = 58;
export const SCTP = 132;

export function cidr(text: string): Cidr {
  const [addr, prefix] = ipaddr.parseCIDR(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  return { text, family: addr.kind() === 'ipv4' ? 4 : 6, bytes: Uint8Array.from(addr.toByteArray()), prefix };
}

/** A rule side as written in Calico YAML. */
export interface EntitySpec {
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  serviceAccounts?: { names?: string[]; selector?: string };
  nets?: string[];
  notNets?: string[];
  ports?: (number | string)[];
  notPorts?: (number | string)[];
  services?: { name: string; namespace: string };
}

export interface RuleSpec {
  action: RuleAction;
  protocol?: number;
  notProtocol?: number;
  icmp?: IcmpMatch;
  notICMP?: IcmpMatch;
  ipVersion?: 4 | 6;
  source?: EntitySpec;
  destination?: EntitySpec;
  undecidable?: string;
}

export interface PolicySpec {
  name: string;
  /** Namespaced (Calico NetworkPolicy unless `kind` says otherwise) when set. */
  namespace?: string;
  kind?: PolicySourceKind;
  tier?: string;
  order?: number | null;
  selector?: string;
  namespaceSelector?: string;
  serviceAccountSelector?: string;
  /** Calico `types`; defaulted from the rules as Calico does when omitted. */
  types?: ('Ingress' | 'Egress')[];
  ingress?: RuleSpec[];
  egress?: RuleSpec[];
  applyOnForward?: boolean;
  preDNAT?: boolean;
  doNotTrack?: boolean;
}

function port(p: number | string): PortMatch {
  if (typeof p === 'number') return { kind: 'range', min: p, max: p };
  const m = /^(\d+):(\d+)$/.exec(p);
  if (m) return { kind: 'range', min: Number(m[1]), max: Number(m[2]) };
  return { kind: 'named', name: p };
}

function entity(e: EntitySpec | undefined, policyNamespace: string | undefined): EntityMatch {
  if (e === undefined) return {};
  const out: { -readonly [K in keyof EntityMatch]: EntityMatch[K] } = {};
  if (e.nets) out.nets = e.nets.map(cidr);
  if (e.notNets) out.notNets = e.notNets.map(cidr);
  if (e.selector !== undefined) out.selector = parseSelector(e.selector);
  if (e.notSelector !== undefined) out.notSelector = parseSelector(e.notSelector);
  if (e.ports) out.ports = e.ports.map(port);
  if (e.notPorts) out.notPorts = e.notPorts.map(port);
  if (e.services) out.services = e.services;
  if (e.serviceAccounts) {
    out.serviceAccounts = {
      ...(e.serviceAccounts.names ? { names: e.serviceAccounts.names } : {}),
      ...(e.serviceAccounts.selector !== undefined ? { selector: parseSelector(e.serviceAccounts.selector) } : {}),
    };
  }
  const identity = e.selector !== undefined || e.notSelector !== undefined || e.serviceAccounts !== undefined;
  if (e.namespaceSelector !== undefined) {
    const ns = parseSelector(e.namespaceSelector);
    out.namespaceScope = ns.isGlobal ? { kind: 'global' } : { kind: 'selector', selector: ns };
  } else if (identity) {
    out.namespaceScope = policyNamespace === undefined ? { kind: 'any' } : { kind: 'namespace', name: policyNamespace };
  }
  return out;
}

function rules(list: RuleSpec[] | undefined, ns: string | undefined): Rule[] {
  return (list ?? []).map((r, index) => ({
    index,
    action: r.action,
    ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
    ...(r.notProtocol !== undefined ? { notProtocol: r.notProtocol } : {}),
    ...(r.icmp ? { icmp: r.icmp } : {}),
    ...(r.notICMP ? { notICMP: r.notICMP } : {}),
    ...(r.ipVersion ? { ipVersion: r.ipVersion } : {}),
    ...(r.undecidable ? { undecidable: r.undecidable } : {}),
    source: entity(r.source, ns),
    destination: entity(r.destination, ns),
  }));
}

export function policy(spec: PolicySpec): Policy {
  const kind = spec.kind ?? (spec.namespace === undefined ? 'GlobalNetworkPolicy' : 'NetworkPolicy');
  const ingress = rules(spec.ingress, spec.namespace);
  const egress = rules(spec.egress, spec.namespace);
  const types = spec.types
    ? { ingress: spec.types.includes('Ingress'), egress: spec.types.includes('Egress') }
    : { ingress: ingress.length > 0 || egress.length === 0, egress: egress.length > 0 };
  return {
    id: `${kind}/${spec.namespace ?? '-'}/${spec.name}`,
    sourceKind: kind,
    name: spec.name,
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    tier: spec.tier ?? 'default',
    order: spec.order === undefined ? null : spec.order,
    selector: parseSelector(spec.selector ?? 'all()'),
    ...(spec.namespaceSelector !== undefined ? { namespaceSelector: parseSelector(spec.namespaceSelector) } : {}),
    ...(spec.serviceAccountSelector !== undefined
      ? { serviceAccountSelector: parseSelector(spec.serviceAccountSelector) }
      : {}),
    types,
    ingress,
    egress,
    staged: null,
    applyOnForward: spec.applyOnForward ?? false,
    preDNAT: spec.preDNAT ?? false,
    doNotTrack: spec.doNotTrack ?? false,
  };
}

/** A Calico Profile (rules read as a global policy's). */
export function profile(name: string, spec: Pick<PolicySpec, 'ingress' | 'egress'> & { labelsToApply?: Labels } = {}): Profile {
  return { name, ingress: rules(spec.ingress, undefined), egress: rules(spec.egress, undefined), labelsToApply: spec.labelsToApply ?? {} };
}

/** A Kubernetes NetworkPolicy as the loader lowers it: tier default, order 1000, Ingress always. */
export function k8sPolicy(spec: Omit<PolicySpec, 'kind' | 'tier' | 'order' | 'types'> & { namespace: string; egressType?: boolean }): Policy {
  const p = policy({ ...spec, kind: 'KubernetesNetworkPolicy', order: 1000 });
  return { ...p, types: { ingress: true, egress: spec.egressType ?? spec.egress !== undefined } };
}

export function networkSet(name: string, labels: Labels, nets: string[], namespace?: string): NetworkSet {
  return { name, labels, nets: nets.map(cidr), ...(namespace !== undefined ? { namespace } : {}) };
}

export function policySet(
  policies: Policy[],
  opts: { tiers?: Tier[]; networkSets?: NetworkSet[]; felix?: FelixConfig[]; profiles?: Profile[] } = {},
): PolicySet {
  return {
    tiers: new Map((opts.tiers ?? []).map((t) => [t.name, t])),
    policies,
    networkSets: opts.networkSets ?? [],
    felix: opts.felix ?? [],
    profiles: new Map((opts.profiles ?? []).map((p) => [p.name, p])),
  };
}

let nextId = 1;

export interface PodSpec {
  ns: string;
  name: string;
  labels?: Labels;
  ips?: string[];
  sa?: string;
  namedPorts?: NamedPort[];
  hostNetwork?: boolean;
  node?: string;
  /** A non-Kubernetes WorkloadEndpoint's profiles. */
  profiles?: string[];
}

export function pod(spec: PodSpec): PodEndpoint {
  const sa = spec.sa ?? 'default';
  return {
    kind: 'pod',
    id: nextId++,
    key: `pod:${spec.ns}/${spec.name}`,
    name: spec.name,
    namespace: spec.ns,
    serviceAccount: sa,
    hostNetwork: spec.hostNetwork ?? false,
    node: spec.node ?? '',
    labels: {
      ...(spec.labels ?? {}),
      'projectcalico.org/namespace': spec.ns,
      'projectcalico.org/orchestrator': 'k8s',
      'projectcalico.org/serviceaccount': sa,
    },
    ips: spec.ips ?? [],
    namedPorts: spec.namedPorts ?? [],
    profiles: spec.profiles,
  };
}

export interface HostSpec {
  node: string;
  iface?: string;
  labels?: Labels;
  ips?: string[];
  profiles?: string[];
  namedPorts?: NamedPort[];
}

export function host(spec: HostSpec): HostEndpointRef {
  const iface = spec.iface ?? '*';
  return {
    kind: 'host',
    id: nextId++,
    key: `host:${spec.node}/${iface}`,
    name: `${spec.node}-${iface}`,
    node: spec.node,
    interfaceName: iface,
    profiles: spec.profiles ?? [],
    labels: spec.labels ?? {},
    ips: spec.ips ?? [],
    namedPorts: spec.namedPorts ?? [],
  };
}

export function cluster(
  opts: {
    namespaces?: Record<string, Labels>;
    serviceAccounts?: { ns: string; name: string; labels: Labels }[];
    endpoints?: Endpoint[];
    /** By `<namespace>/<name>`: the endpoints at all times, or versions over time. */
    services?: Record<string, ServiceEndpoints | ServiceVersion[]>;
  } = {},
): ClusterView {
  const namespaces = new Map<string, NamespaceInfo>();
  for (const [name, labels] of Object.entries(opts.namespaces ?? {})) {
    namespaces.set(name, {
      name,
      labels: { ...labels, 'projectcalico.org/name': name, 'kubernetes.io/metadata.name': name },
    });
  }
  const sas = new Map<string, ServiceAccountInfo>();
  for (const sa of opts.serviceAccounts ?? []) sas.set(`${sa.ns}/${sa.name}`, { namespace: sa.ns, name: sa.name, labels: sa.labels });
  return {
    namespace: (name) => namespaces.get(name),
    serviceAccount: (ns, name) => sas.get(`${ns}/${name}`),
    serviceVersions: (ns, name) => {
      const s = opts.services?.[`${ns}/${name}`];
      return s === undefined || Array.isArray(s) ? s : [{ from: -Infinity, endpoints: s }];
    },
    endpoints: () => opts.endpoints ?? [],
  };
}

/** The endpoint as a flow side, with its first IP unless told otherwise. */
export function at(e: Endpoint, ip: string | undefined = e.ips[0]): Peer {
  return sharedEndpointPeer(e, ip);
}

/** The endpoint as a flow side whose IP the flow does not carry (Goldmane, aggregated Calico logs). */
export function noIp(e: Endpoint): Peer {
  return sharedEndpointPeer(e, undefined);
}

export function address(ip: string): Peer {
  return sharedAddressPeer(ip);
}

export function unresolved(opts: { namespace?: string; reason?: string } = {}): Peer {
  return { kind: 'unresolved', reason: opts.reason ?? 'not in inventory', ...(opts.namespace ? { namespace: opts.namespace } : {}) };
}

export function flow(f: Partial<FlowRecord> = {}): FlowRecord {
  return { proto: TCP, dst_port: 80, src_port: 40000, ...f };
}

export function compile(set: PolicySet, view: ClusterView = cluster(), options?: EngineOptions): CompiledPolicySet {
  return compilePolicySet(set, view, options);
}
