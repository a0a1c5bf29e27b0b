import { resolve } from 'node:path';
import { compareDiagnostics, type Diagnostic } from '../policy/diagnostics.js';
import type { RawResource } from '../policy/resource.js';
import type { Endpoint, HostEndpointRef, NamespaceInfo, PodEndpoint, ServiceAccountInfo, ServiceEndpoints, ServicePort } from './endpoint.js';
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
  const slices = new Latest<SliceObservation>();
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
        const slice = observeEndpointSlice(r, diagnostics);
        slices.offer(slice.key, slice, observedAt);
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
      if (endpoint.kind === 'pod' && endpoint.hostNetwork) continue;
      for (const ip of endpoint.ips) byIp.add(ip, v, sharedEndpointPeer(endpoint, ip));
    }
  }
  return new Inventory({
    endpoints,
    byIp: byIp.build(),
    podsByName: podsByName.build(),
    hostsByName: hostsByName.build(),
    namespaces: namespaces.values(),
    serviceAccounts: serviceAccounts.values(),
    services: servicesOf(slices.values().values()),
    diagnostics: diagnostics.sort(compareDiagnostics),
    nextId,
  });
}

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
  return new Map([...byService].map(([name, s]) => [name, { addresses: [...s.addresses], ports: [...s.ports.values()] }]));
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

  add(key: string, v: EndpointVersion, value: T): void {
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
