/**
 * Which flows a proposed view decides exactly as the current one, known without evaluating them twice.
 *
 * A direction's verdict at an endpoint depends on the policies that apply to it in that direction (in tier
 * order, with their rules), its profiles, the failsafe ports and the flow (engine/direction.ts); a side that is no
 * endpoint is decided by no policy at all. When both views have the same context (tiers, network sets, Felix
 * settings, profiles: contextContent), an endpoint at which the same policies apply in a direction in both views,
 * none of them changed, is decided alike in that direction: the same rules in the same order meet the same flow.
 * So a flow whose source is decided alike for egress and whose destination alike for ingress gets the current
 * view's verdict in the proposed view too, rule for rule. A typical change touches a few policies that apply to
 * a few workloads, and most flows are spared the second evaluation (and, more costly, the second view's
 * first-time decisions).
 */
import { bytesHolding } from '../engine/grow.js';
import type { CompiledPolicySet } from '../engine/index.js';
import type { Endpoint, Peer } from '../inventory/endpoint.js';
import type { EndpointPeer } from '../inventory/peers.js';
import { contextContent, policyContent } from '../policy/content.js';
import type { Direction, Policy, PolicySet } from '../policy/model.js';

/** Per endpoint id: bit KNOWN once looked at, then whether egress and ingress are decided alike. */
const KNOWN = 1;
const EGRESS_ALIKE = 2;
const INGRESS_ALIKE = 4;

export class ViewDifference {
  private state = new Uint8Array(1024);

  private constructor(
    private readonly current: CompiledPolicySet,
    private readonly proposed: CompiledPolicySet,
    /** Policies of either view that the other view does not hold as they are. */
    private readonly changed: ReadonlySet<Policy>,
  ) {}

  /** Undefined when the views differ in their context (contextContent): then every flow is evaluated in both. */
  static between(
    current: { readonly set: PolicySet; readonly compiled: CompiledPolicySet },
    proposed: { readonly set: PolicySet; readonly compiled: CompiledPolicySet },
  ): ViewDifference | undefined {
    if (contextContent(current.set) !== contextContent(proposed.set)) return undefined;
    const currentContent = new Map(current.set.policies.map((p) => [p, policyContent(p)]));
    const proposedContent = new Map(proposed.set.policies.map((p) => [p, policyContent(p)]));
    const inCurrent = new Set(currentContent.values());
    const inProposed = new Set(proposedContent.values());
    const changed = new Set<Policy>();
    for (const [p, content] of currentContent) if (!inProposed.has(content)) changed.add(p);
    for (const [p, content] of proposedContent) if (!inCurrent.has(content)) changed.add(p);
    return new ViewDifference(current.compiled, proposed.compiled, changed);
  }

  /** True when the proposed view decides a flow between these peers as the current view does. */
  decidesAlike(src: Peer, dst: Peer): boolean {
    return (
      (src.kind !== 'endpoint' || (this.stateOf(src) & EGRESS_ALIKE) !== 0) &&
      (dst.kind !== 'endpoint' || (this.stateOf(dst) & INGRESS_ALIKE) !== 0)
    );
  }

  private stateOf(peer: EndpointPeer): number {
    const id = peer.endpointId;
    if (id >= this.state.length) this.state = bytesHolding(this.state, id);
    let s = this.state[id]!;
    if (s === 0) {
      const e = peer.endpoint;
      s = KNOWN | (this.alike(e, 'egress') ? EGRESS_ALIKE : 0) | (this.alike(e, 'ingress') ? INGRESS_ALIKE : 0);
      this.state[id] = s;
    }
    return s;
  }

  /** No changed policy applies to `e` in `direction` in either view (so the same ones apply, in the same order). */
  private alike(e: Endpoint, direction: Direction): boolean {
    for (const view of [this.current, this.proposed]) {
      for (const p of view.policiesAt(e, direction)) if (this.changed.has(p)) return false;
    }
    return true;
  }
}
