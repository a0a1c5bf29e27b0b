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
 * The node is known from a host endpoint of it that holds the flow's address, or a host-networked pod on it that
 * the flow names; a node IP that no host endpoint holds is an address like any other.
 */
import type { Endpoint, Peer } from '../inventory/endpoint.js';
import type { EndpointToHostAction, FelixConfig } from '../policy/model.js';
import type { Decider } from './verdict.js';

export type LocalPath = 'workload-to-host' | 'host-to-workload';

/** Which of the two paths a flow takes, and on which node; undefined for every other flow (cheap: runs per flow). */
export function localPathOf(src: Peer, dst: Peer): { readonly path: LocalPath; readonly node: string } | undefined {
  if (src.kind !== 'endpoint' || dst.kind !== 'endpoint') return undefined;
  const s = src.endpoint;
  const d = dst.endpoint;
  const fromHost = isHost(s);
  // Two workloads (the common case) or two host sides: the ordinary path.
  if (fromHost === isHost(d)) return undefined;
  // A workload's node is empty when the inventory does not say which it is.
  const node = s.node;
  if (node === '' || node !== d.node) return undefined;
  return { path: fromHost ? 'host-to-workload' : 'workload-to-host', node };
}

/** A host endpoint, or a host-networked pod: the node itself to Felix. */
function isHost(e: Endpoint): boolean {
  return e.kind === 'host' || e.hostNetwork;
}

/** DefaultEndpointToHostAction by node: `node.<name>` over `default`; unset when neither sets it. */
export class EndpointToHostConfig {
  private readonly global: EndpointToHostAction | undefined;
  private readonly byNode = new Map<string, EndpointToHostAction>();
  private readonly deciders = new Map<EndpointToHostAction | undefined, Decider>();

  constructor(configs: readonly FelixConfig[]) {
    this.global = configs.find((c) => c.node === undefined)?.endpointToHost;
    for (const c of configs) if (c.node !== undefined && c.endpointToHost !== undefined) this.byNode.set(c.node, c.endpointToHost);
  }

  /** The decider for traffic from a pod on `node` to that node, once its egress policy allowed it. */
  deciderFor(node: string): Decider {
    const action = this.byNode.get(node) ?? this.global;
    let d = this.deciders.get(action);
    if (d === undefined) this.deciders.set(action, (d = Object.freeze(endpointToHostDecider(action))));
    return d;
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
          'no FelixConfiguration sets defaultEndpointToHostAction (Felix defaults to Drop; calico-node is often deployed with FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT, which flowaudit cannot see)',
      };
  }
}

/** Both directions of traffic from a node to a pod on it. */
export const HOST_TO_WORKLOAD: Decider = Object.freeze({ kind: 'host-to-workload' });
