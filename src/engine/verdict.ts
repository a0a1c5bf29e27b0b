/**
 * What the engine decides for a flow, and why. Verdict objects are immutable and shared between flows that
 * decide the same way (the engine caches them), so nothing here is allocated per flow.
 */
import type { Direction, RuleAction } from '../policy/model.js';

export type FinalVerdict = 'allow' | 'deny' | 'unknown';

/** What decided one direction at one endpoint. */
export type Decider =
  /** A rule acted (Allow or Deny; Pass is visible in `passed`). */
  | { readonly kind: 'rule'; readonly tier: string; readonly policy: string; readonly rule: number; readonly action: 'Allow' | 'Deny' }
  /** A policy of the tier selected the endpoint, no rule decided, and the tier's default action is Deny. */
  | { readonly kind: 'end-of-tier'; readonly tier: string }
  /** No tier decided (none applied, or all passed): the pod's namespace profile allows. */
  | { readonly kind: 'profile'; readonly profile: string }
  /** No tier decided on a host endpoint without profiles: host endpoints are default deny. */
  | { readonly kind: 'host-default-deny'; readonly endpoint: string }
  /** Felix failsafe port on a host endpoint. */
  | { readonly kind: 'failsafe'; readonly port: number; readonly protocol: number }
  /** This side is not an endpoint: no policy constrains it. */
  | { readonly kind: 'no-endpoint' }
  /** Could not decide: a rule needed data the flow lacks, or an L7 rule was reached. */
  | { readonly kind: 'undecidable'; readonly tier: string; readonly policy: string; readonly rule: number; readonly reason: string };

export interface DirectionVerdict {
  readonly direction: Direction;
  readonly verdict: FinalVerdict;
  readonly decider: Decider;
  /** Pass and Log rules met on the way (tier, policy, rule, action), in evaluation order. */
  readonly path: readonly { readonly tier: string; readonly policy: string; readonly rule: number; readonly action: RuleAction }[];
}

export interface Verdict {
  /** allow only if both directions allow; deny if either denies; otherwise unknown. */
  readonly verdict: FinalVerdict;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  /** For `unknown`: why (the first undecidable direction's reason). */
  readonly reason?: string;
}
