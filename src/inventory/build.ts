import { resolve } from 'node:path';
import { compareDiagnostics, type Diagnostic } from '../policy/diagnostics.js';
import type { RawResource } from '../policy/resource.js';
import type { Endpoint, HostEndpointRef, NamespaceInfo, PodEndpoint, ServiceAccountInfo, ServiceEndpoints, ServicePort, ServiceVersion } from './endpoint.js';
import { Inventory } from './inventory.js';
import { type EndpointPeer, sharedEndpointPeer } from './peers.js';
import {
  namespaceLabels,
  type Observation,
  observeEndpointSlice,
  observeHostEndpoint,
  observePod,
  observeWorkloadEndpoint,
  type SliceObservation,
  sortedLabels,
} from './observe.js';
import { type EndpointVersion, endpointVersions } from './versions.js';
import { TimeWindows } from './windows.js';

export interface InventoryOptions {
  /**
   * Snapshot time (epoch ms) of input files by absolute path (`origin.file` is resolved to match): from
   * `--inventory FILE@TIME` (parseInventoryArg, snapshotTimes). Resources of other files are plain manifests,
   * valid from their `creationTimestamp` to their `deletionTimestamp`.
   */
  readonly snapshotTimes?: ReadonlyMap<string, number>;
  /**
   * The pod label keys the policies read (policy/label-keys.ts endpointLabelKeys): pods an aggregated name stands
   * for that differ only in other labels (a StatefulSet's pod-name label) decide alike. Without it every label
   * counts.
   */
  readonly labelKeysRead?: ReadonlySet<string>;
}

/** Endpoint ids are process-wide, so that endpoints of two inventories never share a cache key. */
let lastId = -1;
const nextId = (): number => ++lastId;

/**
 * The inventory from the loader's inventory resources (Pods, Namespaces, ServiceAccounts, WorkloadEndpoints,
 * HostEndpoints, EndpointSlices; kubectl `List`s already flattened). A WorkloadEndpoint of a pod that is also
 * loaded as a Pod is left out: the Pod is the source Calico converts from.
 */
export function buildInventory(resources: readonly RawResource[], options: InventoryOptions = {}): Inventory {
  const diagnostics: Diagnostic[] = [];
  const times = options.snapshotTimes ?? new Map<string, number>();
  const pods: Observation[] = [];
  const workloads: Observation[] = [];
  const hosts: Observation[] = [];
  const namespaces = new Latest<NamespaceInfo>();
  const serviceAccounts = new Latest<ServiceAccountInfo>();
  const slices: { readonly slice: SliceObservation; readonly observedAt: number | undefined }[] = [];
  for (const r of resources) {
    const observedAt = times.size === 0 ? undefined : times.get(resolve(r.origin.file));
    switch (r.kind) {
      case 'Pod':
        pods.push(observePod(r, observedAt, diagnostics));
        break;
      case 'WorkloadEndpoint':
        workloads.push(observeWorkloadEndpoint(r, observedAt, diagnostics));
        break;
      case 'HostEndpoint':
        hosts.push(observeHostEndpoint(r, observedAt, diagnostics));
        break;
      case 'Namespace':
        namespaces.offer(r.metadata.name, { name: r.metadata.name, labels: namespaceLabels(r) }, observedAt);
        break;
      case 'ServiceAccount': {
        const ns = r.metadata.namespace ?? 'default';
        const info = { namespace: ns, name: r.metadata.name, labels: sortedLabels(r.metadata.labels) };
        serviceAccounts.offer(`${ns}/${r.metadata.name}`, info, observedAt);
        break;
      }
      case 'EndpointSlice': {
        slices.push({ slice: observeEndpointSlice(r, diagnostics), observedAt });
        break;
      }
    }
  }
  const podKeys = new Set(pods.map((o) => o.key));
  const podLike = [...pods, ...workloads.filter((o) => !podKeys.has(o.key))];

  const endpoints: Endpoint[] = [];
  const byIp = new WindowLists<EndpointPeer>();
  const podsByName = new WindowLists<EndpointPeer>();
  const hostsByName = new WindowLists<EndpointPeer>();
  const nodeAddresses = new NodeAddresses();
  for (const [observations, byName] of [
    [podLike, podsByName],
    [hosts, hostsByName],
  ] as const) {
    for (const v of endpointVersions(observations, snapshotTimesOf(observations))) {
      const endpoint = endpointOf(v);
      endpoints.push(endpoint);
      const named = sharedEndpointPeer(endpoint, undefined);
      byName.add(endpoint.kind === 'pod' ? `${endpoint.namespace}/${endpoint.name}` : endpoint.name, v, named);
      // A hostNetwork pod's IP is its node's: the node (or its host endpoint) owns it, not the pod.
      if (endpoint.kind === 'pod' && endpoint.hostNetwork) nodeAddresses.add(endpoint, v);
      else for (const ip of endpoint.ips) byIp.add(ip, v, sharedEndpointPeer(endpoint, ip));
    }
  }
  for (const node of nodeAddresses.nodes(byIp)) {
    endpoints.push(node.endpoint);
    for (const a of node.addresses) byIp.add(a.ip, a, sharedEndpointPeer(node.endpoint, a.ip));
  }
  return new Inventory({
    endpoints,
    byIp: byIp.build(),
    podsByName: podsByName.build(),
    hostsByName: hostsByName.build(),
    namespaces: namespaces.values(),
    serviceAccounts: serviceAccounts.values(),
    services: serviceVersionsOf(slices),
    diagnostics: diagnostics.sort(compareDiagnostics),
    nextId,
    labelKeysRead: options.labelKeysRead,
  });
}

/**
 * Each Service's endpoints over time. Each snapshot that holds EndpointSlices is the whole picture at its time: a
 * Service's version there is the union of its slices in it (none: no endpoints), plus the slices read without a
 * time, which hold at every time; a later observation of a slice in the same snapshot wins. Without snapshots,
 * one version from the latest observation of each slice. Versions equal to the one before are left out.
 */
function serviceVersionsOf(slices: readonly { readonly slice: SliceObservation; readonly observedAt: number | undefined }[]): Map<string, ServiceVersion[]> {
  // By slice key, the later observation winning within one snapshot (or among the timeless ones).
  const timeless = new Map<string, SliceObservation>();
  const byTime = new Map<number, Map<string, SliceObservation>>();
  for (const { slice, observedAt } of slices) {
    let at = observedAt === undefined ? timeless : byTime.get(observedAt);
    if (at === undefined) byTime.set(observedAt!, (at = new Map()));
    at.set(slice.key, slice);
  }
  const always = [...timeless.values()];
  const pictures: [number, SliceObservation[]][] =
    byTime.size === 0 ? [[-Infinity, always]] : [...byTime].sort(([a], [b]) => a - b).map(([t, at]) => [t, [...always, ...at.values()]]);
  const names = new Set(slices.flatMap(({ slice }) => (slice.service === undefined ? [] : [slice.service])));
  const out = new Map<string, ServiceVersion[]>();
  for (const [from, picture] of pictures) {
    const services = servicesOf(picture);
    for (const name of names) {
      const endpoints = services.get(name) ?? NO_ENDPOINTS;
      let versions = out.get(name);
      if (versions === undefined) out.set(name, (versions = []));
      const last = versions[versions.length - 1];
      if (last === undefined || JSON.stringify(last.endpoints) !== JSON.stringify(endpoints)) versions.push({ from, endpoints });
    }
  }
  return out;
}

const NO_ENDPOINTS: ServiceEndpoints = { addresses: [], ports: [] };

/** Each Service's endpoints: the union of its slices (a Service has one slice per 100 endpoints, and per family). */
function servicesOf(slices: Iterable<SliceObservation>): Map<string, ServiceEndpoints> {
  const byService = new Map<string, { addresses: Set<string>; ports: Map<string, ServicePort> }>();
  for (const s of slices) {
    if (s.service === undefined) continue;
    let service = byService.get(s.service);
    if (service === undefined) byService.set(s.service, (service = { addresses: new Set(), ports: new Map() }));
    for (const ip of s.endpoints.addresses) service.addresses.add(ip);
    for (const p of s.endpoints.ports) service.ports.set(`${p.ip} ${p.protocol} ${p.port}`, p);
  }
  // Sorted, so that a version equals the one before whatever order the snapshots list the same slices in.
  const sorted = (s: { addresses: Set<string>; ports: Map<string, ServicePort> }): ServiceEndpoints => ({
    addresses: [...s.addresses].sort(),
    ports: [...s.ports].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p),
  });
  return new Map([...byService].map(([name, s]) => [name, sorted(s)]));
}

/** Distinct snapshot times of the files these observations came from, ascending. */
function snapshotTimesOf(observations: readonly Observation[]): number[] {
  const times = new Set<number>();
  for (const o of observations) if (o.observedAt !== undefined) times.add(o.observedAt);
  return [...times].sort((a, b) => a - b);
}

/**
 * One object literal per kind, keys always in the same order (the pod order is also that of Inventory's synthetic
 * pods), so that all endpoints of a kind share one hidden class: the engine reads their fields on every flow.
 */
function endpointOf(v: EndpointVersion): Endpoint {
  const { key, content: c } = v.observation;
  if (c.kind === 'pod') {
    const pod: PodEndpoint = {
      id: nextId(),
      kind: 'pod',
      key,
      name: c.name,
      namespace: c.namespace,
      serviceAccount: c.serviceAccount,
      hostNetwork: c.hostNetwork,
      node: c.node,
      labels: c.labels,
      ips: c.ips,
      namedPorts: c.namedPorts,
      profiles: c.profiles,
    };
    return pod;
  }
  const host: HostEndpointRef = {
    id: nextId(),
    kind: 'host',
    key,
    name: c.name,
    node: c.node,
    interfaceName: c.interfaceName,
    profiles: c.profiles,
    labels: c.labels,
    ips: c.ips,
    namedPorts: c.namedPorts,
  };
  return host;
}

/** Windows collected per key, then turned into lookup structures. */
class WindowLists<T> {
  private readonly lists = new Map<string, { start: number; end: number; value: T }[]>();

  has(key: string): boolean {
    return this.lists.has(key);
  }

  add(key: string, v: { readonly start: number; readonly end: number }, value: T): void {
    const w = { start: v.start, end: v.end, value };
    const list = this.lists.get(key);
    if (list === undefined) this.lists.set(key, [w]);
    else list.push(w);
  }

  build(): Map<string, TimeWindows<T>> {
    const out = new Map<string, TimeWindows<T>>();
    for (const [key, list] of this.lists) out.set(key, TimeWindows.build(list));
    return out;
  }
}

/**
 * The nodes' own addresses, from the hostNetwork pods on them (kube-proxy, calico-node...: every node runs some),
 * for flows that give a node's IP where no host endpoint holds it: a kubelet probe from the node to a pod on it
 * must be known as the node's, or it would be judged by the pod's ingress policy, which Felix does not apply to
 * it (engine/local-host.ts). Each such node is one synthetic endpoint `node:<name>`, hostNetwork like the pods it
 * is known from (no policy of its own, as Felix applies none to a node without a host endpoint), holding each
 * address over the span of the pods seen with it.
 */
class NodeAddresses {
  /** node → ip → the span of the hostNetwork pods on that node with that IP. */
  private readonly spans = new Map<string, Map<string, { start: number; end: number }>>();

  add(pod: PodEndpoint, v: EndpointVersion): void {
    if (pod.node === '') return;
    let byIp = this.spans.get(pod.node);
    if (byIp === undefined) this.spans.set(pod.node, (byIp = new Map()));
    for (const ip of pod.ips) {
      const span = byIp.get(ip);
      if (span === undefined) byIp.set(ip, { start: v.start, end: v.end });
      else {
        span.start = Math.min(span.start, v.start);
        span.end = Math.max(span.end, v.end);
      }
    }
  }

  /** One endpoint per node with the addresses no endpoint of `byIp` holds at any time (those are theirs). */
  nodes(byIp: WindowLists<EndpointPeer>): { endpoint: PodEndpoint; addresses: { ip: string; start: number; end: number }[] }[] {
    const out = [];
    for (const [node, spans] of [...this.spans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const addresses = [...spans].filter(([ip]) => !byIp.has(ip)).map(([ip, span]) => ({ ip, ...span }));
      if (addresses.length === 0) continue;
      const endpoint: PodEndpoint = {
        id: nextId(),
        kind: 'pod',
        key: `node:${node}`,
        name: node,
        namespace: '',
        serviceAccount: '',
        hostNetwork: true,
        node,
        labels: {},
        ips: addresses.map((a) => a.ip),
        namedPorts: [],
        profiles: undefined,
      };
      out.push({ endpoint, addresses });
    }
    return out;
  }
}

/** Namespaces and service accounts are not versioned: the latest observation wins (file order among equals). */
class Latest<T> {
  private readonly map = new Map<string, { value: T; at: number }>();

  offer(key: string, value: T, observedAt: number | undefined): void {
    const at = observedAt ?? -Infinity;
    const seen = this.map.get(key);
    if (seen === undefined || at >= seen.at) this.map.set(key, { value, at });
  }

  values(): Map<string, T> {
    return new Map([...this.map].map(([k, v]) => [k, v.value]));
  }
}
