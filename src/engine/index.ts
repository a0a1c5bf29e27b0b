/**
 * The evaluation engine: a PolicySet (one resolved view, enforced policies only) and a ClusterView in, a
 * CompiledPolicySet out, which decides flows: egress at the source endpoint, ingress at the destination endpoint,
 * with the tier, policy and rule that decided each (shared/spec/policy-semantics.md). Pure and synchronous.
 */
export {
  compilePolicySet,
  type CompiledPolicySet,
  type EngineOptions,
  type Explanation,
  type ListedPolicy,
  type ListedRule,
  type TierPolicies,
} from './compiled-set.js';
export type { CacheStats } from './cache.js';
export { DEFAULT_FAILSAFE_PORTS, type FailsafePorts } from './failsafe.js';
export { hostPathDiagnostics } from './host-paths.js';
export { formatDecision, formatDirection, formatExplanation, parseRuleColumn, type RuleToken } from './format.js';
export { policyDisplayName } from './policy-name.js';
export type { TraceEvent } from './trace.js';
export type { Decider, DirectionVerdict, FinalVerdict, PathStep, RuleRef, Verdict } from './verdict.js';
