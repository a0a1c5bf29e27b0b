import { createHash } from 'node:crypto';
import type { DecodedFlow, EndpointKindHint, FlowRecord } from '../flows/record.js';
import type { Diagnostic } from '../policy/diagnostics.js';
import type { Labels } from '../selector/types.js';
import { type ClusterView, type Endpoint, type NamespaceInfo, type Peer, type PodEndpoint, policyKey, type ServiceAccountInfo, type ServiceVersion } from './endpoint.js';
import { NAMESPACE_LABEL, ORCHESTRATOR_LABEL, SERVICE_ACCOUNT_LABEL } from './observe.js';
import { ipv4Number, ipv4NumberOf } from '../flows/ip.js';
import { IPv4Table } from './ipv4-table.js';
import { type AddressPeer, type EndpointPeer, flowEndpointPeer, sharedAddressPeer, sharedEndpointPeer } from './peers.js';
import { TimeWindows } from './windows.js';

/** Why a side could not be resolved (Peer `unresolved` reasons; docs/flow-record.md, "Resolution"). */
export const UNRESOLVED = {
  /** The flow names an endpoint the inventory does not hold at the flow's time, and gives no IP or labels. */
  notFound: 'endpoint-not-found',
  /** No IP and nothing that identifies an endpoint: a network or network-set peer, an aggregated name whose pods policy tells apart, or none. */
  noAddress: 'no-address',
} as const;

export interface InventoryStats {
  /** Flows whose labels for a side differ from the inventory's endpoint (the inventory's labels were used). */
  labelDisagreements: number;
  /** Distinct endpoints made up from flow labels because the inventory did not know the pod. */
  syntheticEndpoints: number;
}

/** The indexes buildInventory fills. */
export interface InventoryIndexes {
  readonly endpoints: readonly Endpoint[];
  /** IP → the endpoint holding it over time; values are shared peers carrying that IP. */
  readonly byIp: ReadonlyMap<string, TimeWindows<EndpointPeer>>;
  /** `<namespace>/<name>` → pod endpoint over time (peers without an IP). */
  readonly podsByName: ReadonlyMap<string, TimeWindows<EndpointPeer>>;
  /** HostEndpoint name → host endpoint over time. */
  readonly hostsByName: ReadonlyMap<string, TimeWindows<EndpointPeer>>;
  readonly namespaces: ReadonlyMap<string, NamespaceInfo>;
  /** `<namespace>/<name>` → service account. */
  readonly serviceAccounts: ReadonlyMap<string, ServiceAccountInfo>;
  /** `<namespace>/<name>` → the Service's endpoints over time, from its EndpointSlices. */
  readonly services: ReadonlyMap<string, readonly ServiceVersion[]>;
  readonly diagnostics: readonly Diagnostic[];
  readonly nextId: () => number;
  /** InventoryOptions.labelKeysRead: the labels that tell the pods of an aggregated name apart; undefined: all. */
  readonly labelKeysRead: ReadonlySet<string> | undefined;
}

export type { EndpointPeer } from './peers.js';

/** podGroup answers remembered before the memory starts over (aggregated logs bring a new interval every few minutes). */
const MAX_GROUP_LOOKUPS = 1 << 14;

/** Address peers remembered before the memory starts over (flows from the internet bring endless new IPs). */
const MAX_ADDRESS_PEERS = 1 << 18;

/**
 * The cluster as the flows saw it: endpoints with the times they held their IPs and names (the ClusterView the
 * engine compiles against), and the resolution of each side of a flow to a Peer, at the flow's time.
 */
export class Inventory implements ClusterView {
  readonly diagnostics: readonly Diagnostic[];
  private readonly stats_: InventoryStats = { labelDisagreements: 0, syntheticEndpoints: 0 };
  private readonly synthetic = new Map<string, EndpointPeer>();
  /** podGroup's answers by (namespace, aggregated name, time, end); null: no one endpoint. */
  private readonly groupsAt = new Map<string, EndpointPeer | null>();
  /** podGroup's endpoints, interned by (namespace, aggregated name, shape). */
  private readonly groups = new Map<string, EndpointPeer>();
  /** Pod names by namespace, sorted (podNamesStarting). */
  private podNames: Map<string, string[]> | undefined;
  /**
   * `ix.byIp`'s IPv4 entries by number (IPv4Table says why): the one peer that held the address (most had one
   * holder), or its TimeWindows. The one holder's window is in `v4Spans` at the address's index, start and end
   * side by side: the lookup on every flow reads a few cache lines rather than a TimeWindows object and its arrays.
   */
  private readonly byIPv4 = new IPv4Table<EndpointPeer | TimeWindows<EndpointPeer>>();
  private readonly v4Spans: Float64Array;
  /** resolveBatch's table indexes, two a flow, reused batch after batch. */
  private batchIndexes = new Int32Array(0);
  /** One shared peer per address that is no endpoint (inventory/peers.ts says why). */
  private readonly addressesV4 = new IPv4Table<AddressPeer>();
  private readonly addressesV6 = new Map<string, AddressPeer>();

  constructor(private readonly ix: InventoryIndexes) {
    this.diagnostics = ix.diagnostics;
    const spans: number[] = [];
    for (const [ip, windows] of ix.byIp) {
      const v4 = ipv4Number(ip);
      if (v4 < 0) continue;
      const only = windows.only;
      const i = this.byIPv4.set(v4, only === undefined ? windows : only.value);
      spans[2 * i] = only?.start ?? NaN;
      spans[2 * i + 1] = only?.end ?? NaN;
    }
    this.v4Spans = Float64Array.from(spans);
  }

  namespace(name: string): NamespaceInfo | undefined {
    return this.ix.namespaces.get(name);
  }

  serviceAccount(namespace: string, name: string): ServiceAccountInfo | undefined {
    return this.ix.serviceAccounts.get(`${namespace}/${name}`);
  }

  serviceVersions(namespace: string, name: string): readonly ServiceVersion[] | undefined {
    return this.ix.services.get(`${namespace}/${name}`);
  }

  /** Every endpoint version of the inventory (synthetic endpoints are made per flow and are not listed). */
  endpoints(): Iterable<Endpoint> {
    return this.ix.endpoints;
  }

  get stats(): Readonly<InventoryStats> {
    return this.stats_;
  }

  /**
   * One side of a flow, at the flow's time (the latest binding when it has none; for a record with an `end_time`,
   * what came to be bound during its interval when nothing was at its start: TimeWindows.during):
   * its IP → the endpoint holding that IP; else its namespace and name → that pod (or its name → that host
   * endpoint); else its namespace and aggregated name → the pods it stands for, when alike (podGroup); else its
   * namespace and labels → a synthetic pod endpoint, one per distinct (namespace, name, labels); else its IP → an
   * `address` peer; else `unresolved`. Decoded flows, whose addresses the decoder read as numbers, go by
   * resolveBatch.
   */
  resolve(record: FlowRecord, side: 'src' | 'dst'): Peer {
    const address = ipv4NumberOf(side === 'src' ? record.src_ip : record.dst_ip);
    return this.resolveAt(record, side, address, address >= 0 ? this.byIPv4.indexOf(address) : -1);
  }

  /**
   * Both sides of each flow of a batch, into `src[i]` and `dst[i]`: what `resolve` gives, in the same order (src
   * then dst, flow by flow). Every address of the batch is looked up in the IPv4 table first, in a loop of its
   * own: the lookups of different flows do not wait for one another, so the CPU overlaps their cache misses,
   * where flow after flow each lookup waited for the work of the one before.
   */
  resolveBatch(flows: readonly DecodedFlow[], src: Peer[], dst: Peer[]): void {
    const n = flows.length;
    if (this.batchIndexes.length < 2 * n) this.batchIndexes = new Int32Array(2 * n);
    const indexes = this.batchIndexes;
    const table = this.byIPv4;
    for (let i = 0; i < n; i++) {
      const f = flows[i]!;
      indexes[2 * i] = f.srcV4 >= 0 ? table.indexOf(f.srcV4) : -1;
      indexes[2 * i + 1] = f.dstV4 >= 0 ? table.indexOf(f.dstV4) : -1;
    }
    for (let i = 0; i < n; i++) {
      const f = flows[i]!;
      src[i] = this.resolveAt(f.record, 'src', f.srcV4, indexes[2 * i]!);
      dst[i] = this.resolveAt(f.record, 'dst', f.dstV4, indexes[2 * i + 1]!);
    }
  }

  /** `resolve`, given the address as a number and its index in the IPv4 table (-1: none). */
  private resolveAt(record: FlowRecord, side: 'src' | 'dst', address: number, index: number): Peer {
    // Fields read by name (not `record[side + '_ip']`): keyed loads with changing keys are slow in V8.
    const ip = side === 'src' ? record.src_ip : record.dst_ip;
    // The commonest case reads nothing else of the record: an IPv4 address an endpoint held at the time.
    const { time, end_time: end } = record;
    const holder = index >= 0 ? this.holderAt(index, time, end) : undefined;
    if (holder !== undefined) {
      const labels = side === 'src' ? record.src_labels : record.dst_labels;
      const name = side === 'src' ? record.src_name : record.dst_name;
      if (end === undefined || name === undefined || name === holder.endpoint.name) return this.checked(holder, labels);
      const namespace = side === 'src' ? record.src_namespace : record.dst_namespace;
      return this.checked(this.takenOver(holder, ip, name, namespace, time, end), labels);
    }
    return side === 'src'
      ? this.resolveSide(time, end, ip, address, record.src_name, record.src_name_aggr, record.src_namespace, record.src_labels, record.src_kind, record.src_service_account)
      : this.resolveSide(time, end, ip, address, record.dst_name, record.dst_name_aggr, record.dst_namespace, record.dst_labels, record.dst_kind, record.dst_service_account);
  }

  /**
   * The pod an interval's record names instead of the address's holder at the interval's start, when that pod
   * held the address during the interval: the address passed from one pod to the other (IPAM hands a freed address
   * out again soon), and the log, which names the pod each flow was from, says which one this was. Else the holder.
   */
  private takenOver(
    holder: EndpointPeer,
    ip: string | undefined,
    name: string,
    namespace: string | undefined,
    time: number | undefined,
    end: number,
  ): EndpointPeer {
    if (holder.endpoint.kind !== 'pod' || ip === undefined || namespace === undefined) return holder;
    const named = this.ix.podsByName.get(`${namespace}/${name}`)?.during(time, end);
    return named !== undefined && named.endpoint.ips.includes(ip) ? flowEndpointPeer(named.endpoint, ip) : holder;
  }

  /** `resolve` past an IPv4 address no endpoint held. */
  private resolveSide(
    time: number | undefined,
    end: number | undefined,
    ip: string | undefined,
    v4: number,
    name: string | undefined,
    nameAggr: string | undefined,
    namespace: string | undefined,
    labels: Labels | undefined,
    kind: EndpointKindHint | undefined,
    serviceAccount: string | undefined,
  ): Peer {
    if (ip !== undefined && v4 < 0) {
      const peer = this.ix.byIp.get(ip)?.during(time, end);
      if (peer !== undefined) return this.checked(peer, labels);
    }
    if (name !== undefined && (kind === undefined || kind === 'pod' || kind === 'host')) {
      const byName =
        kind === 'host'
          ? this.ix.hostsByName.get(name)?.during(time, end)
          : namespace === undefined
            ? undefined
            : this.ix.podsByName.get(`${namespace}/${name}`)?.during(time, end);
      if (byName !== undefined) return this.checked(ip === undefined ? byName : flowEndpointPeer(byName.endpoint, ip), labels);
    }
    if (name === undefined && nameAggr !== undefined && namespace !== undefined && (kind === undefined || kind === 'pod')) {
      const group = this.podGroup(namespace, nameAggr, time, end);
      if (group !== undefined) return this.checked(ip === undefined ? group : flowEndpointPeer(group.endpoint, ip), labels);
    }
    if (labels !== undefined && namespace !== undefined && (kind === undefined || kind === 'pod')) {
      const peer = this.syntheticPod(namespace, name, labels, serviceAccount);
      return ip === undefined ? peer : flowEndpointPeer(peer.endpoint, ip);
    }
    if (ip !== undefined) return this.addressPeer(ip, v4);
    const reason = name !== undefined && kind !== 'net' && kind !== 'networkset' ? UNRESOLVED.notFound : UNRESOLVED.noAddress;
    return { kind: 'unresolved', reason, ...(labels === undefined ? {} : { labels }), ...(namespace === undefined ? {} : { namespace }) };
  }

  /** TimeWindows.during, for the IPv4 address at index `i` of the table. */
  private holderAt(i: number, time: number | undefined, end: number | undefined): EndpointPeer | undefined {
    const holder = this.byIPv4.at(i);
    if (holder instanceof TimeWindows) return holder.during(time, end);
    if (time === undefined) return holder;
    const start = this.v4Spans[2 * i]!;
    // Held at `time`, or from a start within the record's interval (the one window there is).
    return (time >= start && time < this.v4Spans[2 * i + 1]!) || (end !== undefined && start > time && start < end) ? holder : undefined;
  }

  private addressPeer(ip: string, v4: number): AddressPeer {
    let peer = v4 >= 0 ? this.addressesV4.get(v4) : this.addressesV6.get(ip);
    if (peer === undefined) {
      peer = sharedAddressPeer(ip);
      if (v4 >= 0) {
        if (this.addressesV4.size === MAX_ADDRESS_PEERS) this.addressesV4.clear();
        this.addressesV4.set(v4, peer);
      } else {
        if (this.addressesV6.size === MAX_ADDRESS_PEERS) this.addressesV6.clear();
        this.addressesV6.set(ip, peer);
      }
    }
    return peer;
  }

  /** The inventory's labels win; a flow that says otherwise is counted. */
  private checked(peer: EndpointPeer, labels: Labels | undefined): EndpointPeer {
    if (labels !== undefined) {
      const own = peer.endpoint.labels;
      for (const k in labels) {
        if (own[k] !== labels[k]) {
          this.stats_.labelDisagreements++;
          break;
        }
      }
    }
    return peer;
  }

  /**
   * The pods an aggregated name (`web-7d4f9c-*`: Calico's aggregation by pod prefix, which drops names and IPs)
   * stands for, as one endpoint: the pods of the namespace whose names start with the prefix, in their states at
   * the flow's time (during its interval, for a record with an end time). Only when they all agree on what policy
   * reads of a pod (service account, named ports, profiles, and the labels under `labelKeysRead`: a ReplicaSet's
   * pods do, and a StatefulSet's unless a policy reads their pod-name label) does one endpoint decide for them all;
   * pods that differ, or none, leave the side undecided here. The side has no address of its own (the flow's IP
   * was dropped); see groupOf.
   */
  private podGroup(namespace: string, nameAggr: string, time: number | undefined, end: number | undefined): EndpointPeer | undefined {
    const star = nameAggr.indexOf('*');
    if (star < 1 || star !== nameAggr.length - 1) return undefined;
    const at = `${namespace}/${nameAggr}\u0000${time ?? ''}\u0000${end ?? ''}`;
    const known = this.groupsAt.get(at);
    if (known !== undefined) return known ?? undefined;
    if (this.groupsAt.size >= MAX_GROUP_LOOKUPS) this.groupsAt.clear();
    const pods: PodEndpoint[] = [];
    for (const name of this.podNamesStarting(namespace, nameAggr.slice(0, star))) {
      for (const peer of this.ix.podsByName.get(`${namespace}/${name}`)?.overlapping(time, end) ?? []) {
        if (peer.endpoint.kind === 'pod') pods.push(peer.endpoint);
      }
    }
    // One shape, and no hostNetwork pod (no workload endpoint: Calico logs its traffic as the host's).
    const shapes = new Set(pods.map((p) => policyKey(p, this.ix.labelKeysRead)));
    const shape = shapes.size === 1 && !pods.some((p) => p.hostNetwork) ? [...shapes][0]! : undefined;
    const group = shape === undefined ? null : this.groupOf(pods, nameAggr, shape);
    this.groupsAt.set(at, group);
    return group ?? undefined;
  }

  /**
   * The endpoint standing for pods of one shape under an aggregated name. Its IPs are all of theirs: the flow was
   * one of them, so a rule that asks for the address (a network set's CIDRs) is decided when every one of them
   * gives the same answer (engine/context.ts addressIn). One endpoint per (namespace, name, shape, addresses).
   */
  private groupOf(pods: readonly PodEndpoint[], nameAggr: string, shape: string): EndpointPeer {
    const ips = [...new Set(pods.flatMap((p) => p.ips))].sort();
    const pod = pods[0]!;
    const key = `${pod.namespace}/${nameAggr}\u0000${shape}\u0000${ips.join(',')}`;
    let peer = this.groups.get(key);
    if (peer === undefined) {
      const endpoint: PodEndpoint = {
        ...pod,
        id: this.ix.nextId(),
        key: `pods:${pod.namespace}/${nameAggr}`,
        name: nameAggr,
        // What the pods share: labels that differ between them are ones no policy reads.
        labels: commonLabels(pods),
        ips,
        // Pods under one name may run on any node.
        node: '',
      };
      peer = sharedEndpointPeer(endpoint, undefined);
      this.groups.set(key, peer);
    }
    return peer;
  }

  /** Names of the namespace's pods (any time) starting with `prefix`, from a sorted list made on first use. */
  private podNamesStarting(namespace: string, prefix: string): string[] {
    if (this.podNames === undefined) {
      this.podNames = new Map();
      for (const key of this.ix.podsByName.keys()) {
        const slash = key.indexOf('/');
        const ns = key.slice(0, slash);
        let names = this.podNames.get(ns);
        if (names === undefined) this.podNames.set(ns, (names = []));
        names.push(key.slice(slash + 1));
      }
      for (const names of this.podNames.values()) names.sort();
    }
    const names = this.podNames.get(namespace) ?? [];
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < names.length && names[i]!.startsWith(prefix); i++) out.push(names[i]!);
    return out;
  }

  /**
   * A pod the inventory does not hold, made from what the flow says. Interned, so equal hints get the same
   * endpoint (and id), and the engine's per-endpoint caches stay small.
   */
  private syntheticPod(namespace: string, name: string | undefined, labels: Labels, serviceAccount: string | undefined): EndpointPeer {
    const keys = Object.keys(labels).sort();
    let key = `${namespace}\u0000${name ?? ''}\u0000${serviceAccount ?? ''}`;
    for (const k of keys) key += `\u0000${k}=${labels[k]}`;
    let peer = this.synthetic.get(key);
    if (peer === undefined) {
      const own: Record<string, string> = {};
      for (const k of keys) own[k] = labels[k] as string;
      own[NAMESPACE_LABEL] = namespace;
      own[ORCHESTRATOR_LABEL] = 'k8s';
      if (serviceAccount !== undefined) own[SERVICE_ACCOUNT_LABEL] = serviceAccount;
      const endpoint: PodEndpoint = {
        id: this.ix.nextId(),
        kind: 'pod',
        // A content hash, not a counter: the same hints get the same key in every process and input order.
        key: `synthetic:${namespace}/${name ?? ''}#${createHash('sha256').update(key).digest('hex').slice(0, 8)}`,
        name: name ?? '',
        namespace,
        serviceAccount: serviceAccount ?? '',
        hostNetwork: false,
        node: '',
        labels: own,
        ips: [],
        namedPorts: [],
        profiles: undefined,
      };
      peer = sharedEndpointPeer(endpoint, undefined);
      this.synthetic.set(key, peer);
      this.stats_.syntheticEndpoints++;
    }
    return peer;
  }
}

/** The labels (key and value) every pod has. */
function commonLabels(pods: readonly PodEndpoint[]): Labels {
  const [first, ...rest] = pods;
  const common: Record<string, string> = {};
  for (const [k, v] of Object.entries(first!.labels)) if (rest.every((p) => p.labels[k] === v)) common[k] = v;
  return common;
}
