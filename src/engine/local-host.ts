/**
 * Traffic between a pod and the node it runs on takes a path of its own through Felix's iptables rules
 * (felix/rules/static.go), where the node's host endpoints play no part:
 * - pod → its node: the INPUT chain sends packets from workload interfaces to `cali-wl-to-host`, which applies the
 *   pod's egress policy and then the node's DefaultEndpointToHostAction: Drop, Accept, or Return to the host's own
 *   INPUT rules. No host endpoint's ingress policy is consulted.
 * - node → a pod on it: the OUTPUT chain returns packets bound for a workload interface before any policy ("We
 *   don't currently police host -> endpoint according to the endpoint's ingress policy"): neither the pod's
 *   ingress nor a host endpoint's egress policy applies. This is why kubelet probes reach pods whose policy
 *   denies all ingress.
 * The node is known from a host endpoint of it that holds the flow's address, from the node's own address (the
 * inventory's `node:<name>` endpoint, made from the hostNetwork pods on it: inventory/build.ts), or from a
 * host-networked pod on it that the flow names; any other node IP is an address like any other.
 */
import type { Endpoint, Peer } from '../inventory/endpoint.js';
import type { EndpointPeer } from '../inventory/peers.js';
import { felixSetting, perNode } from '../policy/felix-config.js';
import type { EndpointToHostAction, FelixConfig } from '../policy/model.js';
import { int32sHolding } from './grow.js';
import type { Decider } from './verdict.js';
import { Canonical } from './verdicts.js';

export type LocalPath = 'workload-to-host' | 'host-to-workload';

/** A local path and the node it runs on. */
export interface LocalPathAt {
  readonly path: LocalPath;
  readonly node: string;
}

/** Path codes, by which `PATHS` names them. */
const NO_PATH = 0;
const WORKLOAD_TO_HOST_PATH = 1;
const HOST_TO_WORKLOAD_PATH = 2;
const PATHS: readonly (LocalPath | undefined)[] = [undefined, 'workload-to-host', 'host-to-workload'];

/**
 * Which flows take a local path, asked of every flow: by endpoint id, whether the endpoint is a host side and the
 * number of its node, read from the inventory's object once per endpoint. The warm path then reads two numbers
 * and never touches the endpoint objects, which are cold (engine/endpoint-index.ts keeps classes the same way).
 */
export class LocalPaths {
  /** By endpoint id: 0 not seen yet, else 1 + (node number << 1 | 1 for a host side); node number 0: unknown. */
  private info = new Int32Array(1024);
  private readonly nodeNumbers = new Map<string, number>();
  private readonly nodeNames: string[] = [''];
  private readonly pathsAt = new Map<number, LocalPathAt>();

  /** Whether a flow between these peers takes a local path. */
  isLocal(src: Peer, dst: Peer): boolean {
    return this.code(src, dst) !== NO_PATH;
  }

  /** The path of a flow between these peers, and its node (one object per path and node); undefined for others. */
  of(src: Peer, dst: Peer): LocalPathAt | undefined {
    const code = this.code(src, dst);
    if (code === NO_PATH || src.kind !== 'endpoint') return undefined;
    const node = this.infoOf(src) >> 1;
    const key = node * PATHS.length + code;
    let at = this.pathsAt.get(key);
    if (at === undefined) this.pathsAt.set(key, (at = Object.freeze({ path: PATHS[code]!, node: this.nodeNames[node]! })));
    return at;
  }

  /** One of the path codes. */
  private code(src: Peer, dst: Peer): number {
    if (src.kind !== 'endpoint' || dst.kind !== 'endpoint') return NO_PATH;
    const s = this.infoOf(src);
    const d = this.infoOf(dst);
    // Two workloads (the common case) or two host sides: the ordinary path.
    if (((s ^ d) & 1) === 0) return NO_PATH;
    const node = s >> 1;
    if (node === 0 || node !== d >> 1) return NO_PATH;
    return (s & 1) === 1 ? HOST_TO_WORKLOAD_PATH : WORKLOAD_TO_HOST_PATH;
  }

  private infoOf(peer: EndpointPeer): number {
    const id = peer.endpointId;
    const v = id < this.info.length ? this.info[id]! : 0;
    return v !== 0 ? v - 1 : this.add(id, peer.endpoint);
  }

  private add(id: number, e: Endpoint): number {
    if (id >= this.info.length) this.info = int32sHolding(this.info, id);
    // A workload's node is empty when the inventory does not say which it is: number 0, never local.
    let node = 0;
    if (e.node !== '') {
      node = this.nodeNumbers.get(e.node) ?? 0;
      if (node === 0) {
        node = this.nodeNames.push(e.node) - 1;
        this.nodeNumbers.set(e.node, node);
      }
    }
    const v = (node << 1) | (isHost(e) ? 1 : 0);
    this.info[id] = v + 1;
    return v;
  }
}

/** A host endpoint, or a host-networked pod: the node itself to Felix. */
function isHost(e: Endpoint): boolean {
  return e.kind === 'host' || e.hostNetwork;
}

/**
 * DefaultEndpointToHostAction by node, as felixSetting ranks the sources (calico-node's environment, `node.<name>`,
 * `default`); unset when none sets it. Resolved once per node with a configuration of its own, like the failsafe
 * ports (engine/failsafe.ts): flows between a pod and its node bypass the verdict cache.
 */
export class EndpointToHostConfig {
  /** The decider for traffic from a pod on `node` to that node, once its egress policy allowed it. */
  readonly deciderFor: (node: string) => Decider;

  constructor(configs: readonly FelixConfig[]) {
    const deciders = new Canonical<EndpointToHostAction | undefined, Decider>();
    this.deciderFor = perNode(configs, (node) => deciders.get(felixSetting(configs, node, (c) => c.endpointToHost), endpointToHostDecider));
  }
}

function endpointToHostDecider(action: EndpointToHostAction | undefined): Decider {
  switch (action) {
    case 'Drop':
    case 'Accept':
      return { kind: 'endpoint-to-host', action };
    case 'Return':
      return { kind: 'endpoint-to-host', action, reason: "DefaultEndpointToHostAction is Return: the node's own iptables INPUT rules decide" };
    case undefined:
      return {
        kind: 'endpoint-to-host',
        action,
        reason:
          'neither a FelixConfiguration nor the calico-node DaemonSet sets defaultEndpointToHostAction (Felix defaults to Drop, but calico-node is usually deployed with FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT: give its DaemonSet with the policies)',
      };
  }
}

/** Both directions of traffic from a node to a pod on it. */
export const HOST_TO_WORKLOAD: Decider = Object.freeze({ kind: 'host-to-workload' });
