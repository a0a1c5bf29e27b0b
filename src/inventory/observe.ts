/**
 * One inventory resource as seen at one time (an Observation): what an endpoint version is made of, read from a
 * Pod, a Calico WorkloadEndpoint or HostEndpoint (libcalico-go `backend/k8s/conversion/workload_endpoint_default.go`
 * for pods), plus Namespace and ServiceAccount labels. Problems are reported as policy-loader diagnostics
 * (docs/errors.md) so that one catalogue covers every input file.
 */
import { normaliseHostIp } from '../flows/ip.js';
import { protocolNumber } from '../flows/protocol.js';
import { PROTO } from '../flows/record.js';
import { parseTime } from '../flows/time.js';
import { diagnostic, type Diagnostic, type DiagnosticCode } from '../policy/diagnostics.js';
import { isPodProfile } from '../policy/profile.js';
import type { RawResource } from '../policy/resource.js';
import type { Labels } from '../selector/types.js';
import type { NamedPort, ServiceEndpoints } from './endpoint.js';

/** Labels Calico adds to pod endpoints (api `LabelNamespace`, `LabelOrchestrator`, `LabelServiceAccount`). */
export const NAMESPACE_LABEL = 'projectcalico.org/namespace';
export const ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
export const SERVICE_ACCOUNT_LABEL = 'projectcalico.org/serviceaccount';
/** Labels every namespace carries for selectors: Calico's and Kubernetes' name labels. */
export const NAMESPACE_NAME_LABELS = ['projectcalico.org/name', 'kubernetes.io/metadata.name'] as const;

/** The content of an endpoint at one observation; equal content across snapshots is one endpoint version. */
export type EndpointContent =
  | {
      readonly kind: 'pod';
      readonly name: string;
      readonly namespace: string;
      readonly serviceAccount: string;
      readonly hostNetwork: boolean;
      readonly node: string;
      readonly labels: Labels;
      readonly namedPorts: readonly NamedPort[];
      readonly ips: readonly string[];
      /** PodEndpoint `profiles`. */
      readonly profiles: readonly string[] | undefined;
    }
  | {
      readonly kind: 'host';
      readonly name: string;
      readonly node: string;
      readonly interfaceName: string;
      readonly profiles: readonly string[];
      readonly labels: Labels;
      readonly namedPorts: readonly NamedPort[];
      readonly ips: readonly string[];
    };

export interface Observation {
  /** Same object across snapshots: `metadata.uid`, else kind, namespace and name. */
  readonly identity: string;
  /** `pod:<ns>/<name>` or `host:<node>/<interface>` (endpoint.ts). */
  readonly key: string;
  readonly content: EndpointContent;
  /** `metadata.creationTimestamp`, epoch ms. */
  readonly created: number | undefined;
  /** `metadata.deletionTimestamp`, epoch ms. */
  readonly deleted: number | undefined;
  /** Time of the snapshot this came from; undefined for a plain manifest. */
  readonly observedAt: number | undefined;
  readonly source: RawResource;
}

/** Reads fields of one resource and collects what is wrong with them. */
class Reader {
  constructor(
    readonly r: RawResource,
    private readonly diagnostics: Diagnostic[],
  ) {}

  report(code: DiagnosticCode, message: string, path: string): void {
    const at = this.r.path === '' ? path : `${this.r.path}.${path}`;
    this.diagnostics.push(diagnostic(code, message, { ...this.r.origin, path: at }));
  }

  get(path: string): unknown {
    let v: unknown = this.r.object;
    for (const part of path.split('.')) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[part];
    }
    return v;
  }

  string(path: string): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    this.report('wrong-type', `${path} is not a string`, path);
    return undefined;
  }

  list(path: string): readonly unknown[] {
    const v = this.get(path);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.report('wrong-type', `${path} is not a list`, path);
    return [];
  }

  /** A list of strings; an entry that is not one is reported and left out. */
  strings(path: string): string[] {
    const out: string[] = [];
    this.list(path).forEach((v, i) => {
      if (typeof v === 'string') out.push(v);
      else this.report('wrong-type', `${path}[${i}] is not a string`, `${path}[${i}]`);
    });
    return out;
  }

  time(path: string): number | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    const t = parseTime(v);
    if (t === undefined) this.report('bad-value', `${path} ${JSON.stringify(v)} is not an RFC 3339 time`, path);
    return t;
  }

  ips(values: readonly unknown[], path: string): string[] {
    const out: string[] = [];
    values.forEach((v, i) => {
      const ip = typeof v === 'string' ? normaliseHostIp(v.trim()) : undefined;
      if (ip === undefined) this.report('bad-cidr', `${JSON.stringify(v)} is not an IP address`, `${path}[${i}]`);
      else if (!out.includes(ip)) out.push(ip);
    });
    return out;
  }

  identity(): string {
    const uid = this.string('metadata.uid');
    const { kind, metadata } = this.r;
    return uid !== undefined && uid !== '' ? uid : `${kind}/${metadata.namespace ?? ''}/${metadata.name}`;
  }
}

/** Pod phases in which the pod no longer owns its IPs (libcalico-go conversion `IsFinished`). */
const FINISHED_PHASES: ReadonlySet<unknown> = new Set(['Succeeded', 'Failed', 'Completed']);
/** IP annotations Calico's conversion falls back on when the status has none, in its order. */
const POD_IP_ANNOTATIONS = ['cni.projectcalico.org/podIPs', 'cni.projectcalico.org/podIP', 'vpc.amazonaws.com/pod-ips'] as const;
/** Calico keeps the service-account label only below this length (conversion: backwards compatibility). */
const SERVICE_ACCOUNT_LABEL_LIMIT = 63;

export function observePod(r: RawResource, observedAt: number | undefined, diagnostics: Diagnostic[]): Observation {
  const read = new Reader(r, diagnostics);
  const namespace = r.metadata.namespace ?? 'default';
  const name = r.metadata.name;
  // Kubernetes defaults the service account to `default`; a manifest that never met an API server may omit it.
  const serviceAccount = read.string('spec.serviceAccountName') || read.string('spec.serviceAccount') || 'default';
  const hostNetwork = read.get('spec.hostNetwork') === true;
  const deleted = read.time('metadata.deletionTimestamp');
  const labels: Record<string, string> = { ...r.metadata.labels, [NAMESPACE_LABEL]: namespace, [ORCHESTRATOR_LABEL]: 'k8s' };
  if (serviceAccount.length < SERVICE_ACCOUNT_LABEL_LIMIT) labels[SERVICE_ACCOUNT_LABEL] = serviceAccount;
  const ips = podIps(read, deleted !== undefined);
  return {
    identity: read.identity(),
    key: `pod:${namespace}/${name}`,
    content: {
      kind: 'pod',
      name,
      namespace,
      serviceAccount,
      hostNetwork,
      node: read.string('spec.nodeName') ?? '',
      labels: sortedLabels(labels),
      namedPorts: [...containerPorts(read, 'spec.containers'), ...containerPorts(read, 'spec.initContainers')],
      ips,
      profiles: undefined,
    },
    created: read.time('metadata.creationTimestamp'),
    deleted,
    observedAt,
    source: r,
  };
}

/** `status.podIPs`, else `status.podIP`, else Calico's / AWS's annotations; none once the pod has finished. */
function podIps(read: Reader, deleting: boolean): string[] {
  const annotations = read.get('metadata.annotations');
  const annotation = (key: string): unknown =>
    annotations !== null && typeof annotations === 'object' ? (annotations as Record<string, unknown>)[key] : undefined;
  if (FINISHED_PHASES.has(read.get('status.phase'))) return [];
  // A deleting pod whose CNI has already released the network says so with an empty IP annotation.
  if (deleting && (annotation('cni.projectcalico.org/podIP') === '' || annotation('vpc.amazonaws.com/pod-ips') === '')) return [];
  const podIPs = read.list('status.podIPs');
  if (podIPs.length > 0) {
    return read.ips(
      podIPs.map((p) => (p !== null && typeof p === 'object' ? (p as { ip?: unknown }).ip : p)),
      'status.podIPs',
    );
  }
  const podIP = read.string('status.podIP');
  if (podIP !== undefined && podIP !== '') return read.ips([podIP], 'status.podIP');
  for (const key of POD_IP_ANNOTATIONS) {
    const v = annotation(key);
    if (typeof v === 'string' && v !== '') return read.ips(v.split(','), `metadata.annotations.${key}`);
  }
  return [];
}

/** Named container ports (unnamed ones cannot be referenced by policy); protocol TCP unless UDP or SCTP. */
function containerPorts(read: Reader, path: string): NamedPort[] {
  const out: NamedPort[] = [];
  read.list(path).forEach((container, c) => {
    const ports = container !== null && typeof container === 'object' ? (container as { ports?: unknown }).ports : undefined;
    if (!Array.isArray(ports)) return;
    ports.forEach((p: unknown, i) => {
      const port = namedPort(read, p, `${path}[${c}].ports[${i}]`, 'containerPort', 'TCP');
      if (port !== undefined) out.push(port);
    });
  });
  return out;
}

function namedPort(read: Reader, p: unknown, path: string, portField: string, defaultProtocol: string | undefined): NamedPort | undefined {
  if (p === null || typeof p !== 'object') return undefined;
  const o = p as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') return undefined;
  const port = o[portField];
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    read.report('bad-port', `port ${JSON.stringify(port)} of ${o.name} is not 1-65535`, `${path}.${portField}`);
    return undefined;
  }
  const protoText = o.protocol ?? defaultProtocol;
  const protocol = typeof protoText === 'string' || typeof protoText === 'number' ? protocolNumber(protoText) : undefined;
  if (protocol === undefined) {
    read.report('bad-protocol', `protocol ${JSON.stringify(o.protocol)} of port ${o.name}`, `${path}.protocol`);
    return undefined;
  }
  return { name: o.name, port: port as number, protocol };
}

/**
 * A Calico WorkloadEndpoint. Its labels normally already hold the `projectcalico.org/*` labels (calicoctl writes
 * them); missing ones are added from the spec so that hand-written endpoints match the same selectors.
 */
/** A WorkloadEndpoint of a Kubernetes pod (`orchestrator: k8s`, or not said). */
function isKubernetesWorkload(orchestrator: string | undefined): boolean {
  return orchestrator === undefined || orchestrator === '' || orchestrator === 'k8s';
}

export function observeWorkloadEndpoint(r: RawResource, observedAt: number | undefined, diagnostics: Diagnostic[]): Observation {
  const read = new Reader(r, diagnostics);
  const namespace = r.metadata.namespace ?? 'default';
  const name = read.string('spec.pod') || read.string('spec.workload') || r.metadata.name;
  const orchestrator = read.string('spec.orchestrator');
  const serviceAccount = read.string('spec.serviceAccountName') ?? '';
  const labels: Record<string, string> = { ...r.metadata.labels };
  labels[NAMESPACE_LABEL] ??= namespace;
  if (orchestrator) labels[ORCHESTRATOR_LABEL] ??= orchestrator;
  if (serviceAccount !== '' && serviceAccount.length < SERVICE_ACCOUNT_LABEL_LIMIT) labels[SERVICE_ACCOUNT_LABEL] ??= serviceAccount;
  const ips = read.ips(read.list('spec.ipNetworks'), 'spec.ipNetworks');
  const profiles = read.strings('spec.profiles');
  return {
    identity: read.identity(),
    key: `pod:${namespace}/${name}`,
    content: {
      kind: 'pod',
      name,
      namespace,
      serviceAccount,
      hostNetwork: false,
      node: read.string('spec.node') ?? '',
      labels: sortedLabels(labels),
      namedPorts: calicoPorts(read),
      ips,
      // A Kubernetes pod's are those Calico derives (what a pod without them gets anyway); a workload of another
      // orchestrator has its own, and none means Felix drops its traffic.
      profiles: isKubernetesWorkload(orchestrator) && profiles.every(isPodProfile) ? undefined : profiles,
    },
    created: read.time('metadata.creationTimestamp'),
    deleted: read.time('metadata.deletionTimestamp'),
    observedAt,
    source: r,
  };
}

/** A Calico HostEndpoint: `interfaceName` `*` is every interface of the node; no interface: its `expectedIPs`. */
export function observeHostEndpoint(r: RawResource, observedAt: number | undefined, diagnostics: Diagnostic[]): Observation {
  const read = new Reader(r, diagnostics);
  const node = read.string('spec.node') ?? '';
  if (node === '') read.report('missing-field', 'spec.node is required', 'spec.node');
  const interfaceName = read.string('spec.interfaceName') ?? '';
  const profiles = read.strings('spec.profiles');
  const ips = read.ips(read.list('spec.expectedIPs'), 'spec.expectedIPs');
  return {
    identity: read.identity(),
    key: `host:${node}/${interfaceName === '' ? r.metadata.name : interfaceName}`,
    content: {
      kind: 'host',
      name: r.metadata.name,
      node,
      interfaceName,
      profiles,
      labels: sortedLabels(r.metadata.labels),
      namedPorts: calicoPorts(read),
      ips,
    },
    created: read.time('metadata.creationTimestamp'),
    deleted: read.time('metadata.deletionTimestamp'),
    observedAt,
    source: r,
  };
}

/** An EndpointSlice as Felix reads it for `services` rule matches (inventory/endpoint.ts ServiceEndpoints). */
export interface SliceObservation {
  /** `<namespace>/<name>` of the slice. */
  readonly key: string;
  /** `<namespace>/<service>` from the `kubernetes.io/service-name` label; undefined without it (no Service's). */
  readonly service: string | undefined;
  readonly endpoints: ServiceEndpoints;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The protocols of Kubernetes ports (case-sensitive, as the API validates them). */
const SLICE_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['TCP', PROTO.TCP],
  ['UDP', PROTO.UDP],
  ['SCTP', PROTO.SCTP],
]);

/**
 * `endpoints[].addresses` (every endpoint, whatever its conditions) and `ports[]` (an entry whose port is null
 * stands for all ports, which Felix leaves out; protocol TCP when absent).
 */
export function observeEndpointSlice(r: RawResource, diagnostics: Diagnostic[]): SliceObservation {
  const read = new Reader(r, diagnostics);
  const namespace = r.metadata.namespace ?? 'default';
  const service = r.metadata.labels[SERVICE_NAME_LABEL];
  const addresses = new Set<string>();
  read.list('endpoints').forEach((e, i) => {
    const at = `endpoints[${i}]`;
    if (e === null || typeof e !== 'object') return read.report('wrong-type', `${at} is not a mapping`, at);
    const list = (e as { addresses?: unknown }).addresses;
    if (list === undefined) return read.report('missing-field', `${at}.addresses is required`, `${at}.addresses`);
    if (!Array.isArray(list)) return read.report('wrong-type', `${at}.addresses is not a list`, `${at}.addresses`);
    for (const ip of read.ips(list, `${at}.addresses`)) addresses.add(ip);
  });
  const numbered: { protocol: number; port: number }[] = [];
  read.list('ports').forEach((p, i) => {
    if (p === null || typeof p !== 'object') return read.report('wrong-type', `ports[${i}] is not a mapping`, `ports[${i}]`);
    const o = p as Record<string, unknown>;
    if (o.port === undefined || o.port === null) return;
    if (!Number.isInteger(o.port) || (o.port as number) < 1 || (o.port as number) > 65535) {
      read.report('bad-port', `port ${JSON.stringify(o.port)} is not 1-65535`, `ports[${i}].port`);
      return;
    }
    const protocol = SLICE_PROTOCOLS.get(o.protocol === undefined || o.protocol === null ? 'TCP' : String(o.protocol));
    if (protocol === undefined) {
      read.report('bad-protocol', `protocol ${JSON.stringify(o.protocol)} is not TCP, UDP or SCTP`, `ports[${i}].protocol`);
      return;
    }
    numbered.push({ protocol, port: o.port as number });
  });
  return {
    key: `${namespace}/${r.metadata.name}`,
    service: service === undefined || service === '' ? undefined : `${namespace}/${service}`,
    endpoints: { addresses: [...addresses], ports: [...addresses].flatMap((ip) => numbered.map((p) => ({ ip, ...p }))) },
  };
}

/** `spec.ports` of Calico endpoints: `{name, port, protocol}`, protocol required. */
function calicoPorts(read: Reader): NamedPort[] {
  const out: NamedPort[] = [];
  read.list('spec.ports').forEach((p, i) => {
    const port = namedPort(read, p, `spec.ports[${i}]`, 'port', undefined);
    if (port !== undefined) out.push(port);
  });
  return out;
}

/** A Namespace's labels as selectors see them: its own plus the two name labels. */
export function namespaceLabels(r: RawResource): Labels {
  const labels: Record<string, string> = { ...r.metadata.labels };
  for (const key of NAMESPACE_NAME_LABELS) labels[key] = r.metadata.name;
  return labels;
}

/** Labels as a fresh object with keys in sorted order, so equal label sets print (and fingerprint) alike. */
export function sortedLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k] as string;
  return out;
}
