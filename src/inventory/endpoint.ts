import type { Labels } from '../selector/types.js';

/** A named port a workload or host endpoint declares (container port, HostEndpoint `ports`). */
export interface NamedPort {
  readonly name: string;
  readonly port: number;
  /** IANA protocol number; container ports default to TCP. */
  readonly protocol: number;
}

/**
 * An endpoint policy applies to: a pod (workload endpoint) or a host endpoint.
 * `labels` are the labels selectors see (libcalico-go k8s conversion): the object's own labels plus
 * `projectcalico.org/namespace`, `projectcalico.org/orchestrator`, `projectcalico.org/serviceaccount`
 * for pods. Namespace and service-account labels are looked up through the inventory, not copied here.
 */
export type Endpoint = PodEndpoint | HostEndpointRef;

interface EndpointBase {
  /**
   * Dense, process-unique number: cache keys use it instead of strings. One id is one immutable endpoint state:
   * when an object's labels, IPs or ports change between snapshots, the new state is a new endpoint with a new id.
   */
  readonly id: number;
  /**
   * `pod:<ns>/<name>` or `host:<node>/<interface>` (`host:<node>/<name>` for a HostEndpoint without an interface
   * name); stable across snapshots. Endpoints made up from a flow's labels, for pods the inventory does not hold,
   * have keys starting `synthetic:`; a node's own address, known from its hostNetwork pods, is `node:<node>` (a
   * hostNetwork PodEndpoint: inventory/build.ts NodeAddresses); the pods an aggregated name stands for are
   * `pods:<ns>/<prefix>*` (Inventory podGroup).
   */
  readonly key: string;
  readonly name: string;
  readonly labels: Labels;
  readonly ips: readonly string[];
  readonly namedPorts: readonly NamedPort[];
}

export interface PodEndpoint extends EndpointBase {
  readonly kind: 'pod';
  readonly namespace: string;
  /**
   * `default` when the pod spec names none (Kubernetes defaulting); empty when unknown (a WorkloadEndpoint
   * without one, a synthetic endpoint whose flow did not say).
   */
  readonly serviceAccount: string;
  /** Pods with hostNetwork share the node's IP and are not workload endpoints for Calico. */
  readonly hostNetwork: boolean;
  /**
   * The node it runs on (`spec.nodeName`, a WorkloadEndpoint's `spec.node`); empty when unknown (not scheduled, a
   * synthetic endpoint). Traffic to its own node is decided by Felix's DefaultEndpointToHostAction.
   */
  readonly node: string;
  /**
   * The profiles a WorkloadEndpoint names when they are not only the ones Calico derives for a Kubernetes pod
   * (`kns.*`, `ksa.*`): a workload of another orchestrator, whose profiles decide after the tiers (engine/
   * direction.ts). Undefined for Kubernetes pods: their namespace profile allows.
   */
  readonly profiles: readonly string[] | undefined;
}

/**
 * What policy reads of a pod, as a string: equal keys mean equal namespace, service account, labels, named ports
 * and profiles, so the pods are decided alike (namespace and service-account labels follow from their names under
 * one ClusterView). The engine's endpoint classes key by it; resolution groups the pods of an aggregated name by it,
 * counting only `labelKeys` (the label keys the policies read) when given.
 */
export function policyKey(e: PodEndpoint, labelKeys?: ReadonlySet<string>): string {
  const labels = Object.keys(e.labels)
    .filter((k) => labelKeys === undefined || labelKeys.has(k))
    .sort()
    .map((k) => [k, e.labels[k]]);
  const ports = e.namedPorts.map((p) => [p.name, p.port, p.protocol]);
  return JSON.stringify([e.namespace, e.serviceAccount, labels, ports, e.profiles ?? null]);
}

export interface HostEndpointRef extends EndpointBase {
  readonly kind: 'host';
  readonly node: string;
  /** `*` for all interfaces; empty when the HostEndpoint is defined by its expected IPs only. */
  readonly interfaceName: string;
  /** Profiles named by the HostEndpoint; with none the endpoint is default deny. */
  readonly profiles: readonly string[];
}

export interface NamespaceInfo {
  readonly name: string;
  /** The namespace's labels plus `projectcalico.org/name` and `kubernetes.io/metadata.name`. */
  readonly labels: Labels;
}

export interface ServiceAccountInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
}

/**
 * One side of a flow after resolution.
 * - `endpoint`: an endpoint known at the flow's time (policy applies to it; it can match rule selectors).
 * - `address`: an IP that is no endpoint; rule selectors can only match it through network sets.
 * - `unresolved`: no IP and no endpoint (e.g. a Goldmane record for a `net` peer, or a name not in the
 *   inventory): rules that need the address make the verdict `unknown`.
 * `slot` numbers the peers the inventory shares between flows (inventory/peers.ts).
 */
export type Peer =
  | {
      readonly kind: 'endpoint';
      readonly endpoint: Endpoint;
      /**
       * `endpoint.id`, kept on the peer: the per-flow work that needs only the id (the view difference, the
       * output's endpoint columns) then reads the peer alone, not a second object at a random place in memory.
       */
      readonly endpointId: number;
      readonly ip: string | undefined;
      readonly slot: number;
    }
  | { readonly kind: 'address'; readonly ip: string; readonly slot: number }
  | { readonly kind: 'unresolved'; readonly reason: string; readonly labels?: Labels; readonly namespace?: string };

/** What the engine may ask of the inventory while compiling and evaluating (no I/O). */
export interface ClusterView {
  namespace(name: string): NamespaceInfo | undefined;
  serviceAccount(namespace: string, name: string): ServiceAccountInfo | undefined;
  /**
   * The endpoints of a Kubernetes Service over time, from its EndpointSlices; undefined when the view holds none
   * of them.
   */
  serviceVersions(namespace: string, name: string): readonly ServiceVersion[] | undefined;
  /** Every endpoint known to the view (used to precompute which policies apply). */
  endpoints(): Iterable<Endpoint>;
}

/**
 * What a Service's EndpointSlices (label `kubernetes.io/service-name`) say, as Felix reads them for the `services`
 * match of rules (felix/calc/serviceindex): every address of every endpoint, ready or not, and each address with
 * each numbered port of its slice (protocol TCP when the slice names none). No cluster IP: policy sees traffic
 * after kube-proxy's DNAT.
 */
export interface ServiceEndpoints {
  /** `source.services` matches a source address among these. */
  readonly addresses: readonly string[];
  /** `destination.services` matches a destination (address, protocol, port) among these. */
  readonly ports: readonly ServicePort[];
}

/**
 * A Service's endpoints from one time on: the versions of a Service are in ascending `from`, each holding until
 * the next one's `from`, the first one also before its own (the earliest picture there is), the last one from
 * then on. Inventory snapshots (`--inventory FILE@TIME`) that hold EndpointSlices make one version each; without
 * snapshots there is one, from -Infinity.
 */
export interface ServiceVersion {
  readonly from: number;
  readonly endpoints: ServiceEndpoints;
}

export interface ServicePort {
  readonly ip: string;
  /** IANA protocol number. */
  readonly protocol: number;
  readonly port: number;
}
