/**
 * What the engine decides for a flow, and why. Verdict objects are immutable and shared between flows that
 * decide the same way (the engine interns them), so nothing here is allocated per flow.
 */
import type { Direction } from '../policy/model.js';

export const FINAL_VERDICTS = ['allow', 'deny', 'unknown'] as const;
export type FinalVerdict = (typeof FINAL_VERDICTS)[number];

/**
 * A rule of a policy: `policy` is the policy's display name (engine/policy-name.ts, Calico's flow-log naming, e.g.
 * `prod/knp.default.allow-web`), `rule` its index in the rule list of the direction being evaluated.
 */
export interface RuleRef {
  readonly tier: string;
  readonly policy: string;
  readonly rule: number;
}

/** What decided one direction at one endpoint. The `unknown-*` and `undecidable` kinds carry a reason. */
export type Decider =
  /** A rule acted (Allow or Deny; Pass and Log are visible in `path`). */
  | (RuleRef & { readonly kind: 'rule'; readonly action: 'Allow' | 'Deny' })
  /**
   * A policy of the tier selected the endpoint, no rule decided, and the tier's default action is Deny. `policy`
   * is the display name of the tier's last policy that applied to the endpoint in this direction: Calico's flow
   * logs charge the drop to it, with rule index -1 (`0|default|prod/knp.default.db|deny|-1`).
   */
  | { readonly kind: 'end-of-tier'; readonly tier: string; readonly policy: string }
  /** No tier decided (none applied, or all passed): a profile that allows everything (pods: `kns.<ns>`). */
  | { readonly kind: 'profile'; readonly profile: string }
  /** No tier or profile decided on a host endpoint: host endpoints are default deny. */
  | { readonly kind: 'host-default-deny'; readonly endpoint: string }
  /** No tier or profile decided on a workload that names its own profiles (not a Kubernetes pod): Felix drops. */
  | { readonly kind: 'workload-default-deny' }
  /** Felix failsafe port on a host endpoint: allowed before any policy (felix/rules/endpoints.go). */
  | { readonly kind: 'failsafe'; readonly port: number; readonly protocol: number }
  /** This side is not an endpoint: no policy constrains it. */
  | { readonly kind: 'no-endpoint' }
  /** A rule was reached whose match needs data the flow lacks, or that L3/L4 flow logs cannot decide. */
  | (RuleRef & { readonly kind: 'undecidable'; readonly reason: string })
  /** This side may be an endpoint the inventory does not know (a pod or host named but not resolved). */
  | { readonly kind: 'unknown-endpoint'; readonly reason: string }
  /** A profile an endpoint names that is not loaded (nor one Calico makes itself): its rules are not known. */
  | { readonly kind: 'unknown-profile'; readonly profile: string; readonly reason: string }
  /**
   * Policy did not allow a host endpoint flow, but a failsafe port may have: the flow lacks the `dst_port`, or the
   * remote IP an entry's `net` needs, that would tell.
   */
  | { readonly kind: 'unknown-failsafe'; readonly protocol: number; readonly reason: string }
  /**
   * From a pod to its own node, after the pod's egress policy: the node's DefaultEndpointToHostAction. Drop
   * denies and Accept allows; Return, and an action neither a FelixConfiguration nor calico-node's environment
   * sets, are unknown and carry the reason.
   */
  | { readonly kind: 'endpoint-to-host'; readonly action: 'Drop' | 'Accept' }
  | { readonly kind: 'endpoint-to-host'; readonly action: 'Return' | undefined; readonly reason: string }
  /** From a node to a pod on it: Felix applies no policy in either direction (engine/local-host.ts). */
  | { readonly kind: 'host-to-workload' };

/** A Pass or Log rule met on the way to the decision. */
export interface PathStep extends RuleRef {
  readonly action: 'Pass' | 'Log';
}

export interface DirectionVerdict {
  readonly direction: Direction;
  /** Follows from `decider` alone (engine/verdicts.ts `verdictOf`); `no-endpoint` counts as allow. */
  readonly verdict: FinalVerdict;
  readonly decider: Decider;
  /** Pass and Log rules met on the way, in evaluation order. */
  readonly path: readonly PathStep[];
}

export interface Verdict {
  /** allow only if both directions allow; deny if either denies; otherwise unknown. */
  readonly verdict: FinalVerdict;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  /** For `unknown`: why, prefixed with the direction (the egress reason when both are unknown). */
  readonly reason?: string;
}
