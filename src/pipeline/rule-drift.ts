/**
 * Rule-level drift: the policy and rule a flow log says decided the flow, next to the ones the policies given
 * decide. `observed_mismatch` compares allow with deny; this compares what decided, so a flow that the logs and
 * the policy files both allow, but by different rules (a policy missing from the files, an edited rule, an
 * endpoint the inventory labels differently), shows too.
 *
 * A Calico or Goldmane log reports the policies met at the reporting endpoint only: egress at the source for
 * `reporter: src`, ingress at the destination for `reporter: dst`, in the order they were met. The last enforced
 * Allow or Deny hit decided; Pass hits come before it; staged (pending) and transit hits decide nothing.
 */
import type { PolicySourceKind } from '../policy/model.js';
import { displayName } from '../engine/policy-name.js';
import { PROFILE_TIER } from '../engine/profiles.js';
import type { DirectionVerdict, Verdict } from '../engine/verdict.js';
import { isSharedHitList, RULE_END_OF_TIER, RULE_UNKNOWN } from '../flows/policy-hits.js';
import type { FlowRecord, ObservedPolicyHit } from '../flows/record.js';

export interface RuleDrift {
  /**
   * The log's deciding hit in the `rule` column's token form (docs/results.md): `ingress=allow@default/prod/knp.default.db#0`;
   * `#(end-of-tier)` for a tier's default action, `#?` when the log gives no rule index.
   */
  readonly observed: string;
  /** Whether the current view decided that direction by something else; undefined when its verdict is unknown. */
  readonly mismatch: boolean | undefined;
}

/** Kinds whose hits name a policy (or profile) the way verdicts do; Cilium's and staged kinds are not compared. */
const POLICY_KINDS: ReadonlySet<string> = new Set<PolicySourceKind>([
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'KubernetesNetworkPolicy',
  'ClusterNetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
]);
const PROFILE_KIND = 'Profile';

/** The hit that decided, as verdicts name it: `policy` is the display name (or the profile's name). */
interface ObservedDecider {
  readonly profile: boolean;
  readonly policy: string;
  readonly rule: number;
  readonly action: 'allow' | 'deny';
  /** RuleDrift's `observed`, by the direction the log reports. */
  readonly observed: Readonly<Record<DirectionVerdict['direction'], string>>;
}

/**
 * The drift of a flow whose log says what decided it at the reporting endpoint; undefined when the record has no
 * reporter, no enforced Allow or Deny hit, or a hit of a kind verdicts never name (a Cilium policy, a staged one).
 */
export function ruleDrift(record: FlowRecord, current: Verdict): RuleDrift | undefined {
  const hits = record.observed_policies;
  if (hits === undefined || record.reporter === undefined) return undefined;
  const observed = sharedDecidingHit(hits);
  if (observed === undefined) return undefined;
  const dv = record.reporter === 'src' ? current.egress : current.ingress;
  return { observed: observed.observed[dv.direction], mismatch: dv.verdict === 'unknown' ? undefined : !sameDecider(observed, dv) };
}

/** decidingHit of a list, made once for a list decoders share between lines (sharedHitList). */
const decidersOfShared = new WeakMap<readonly ObservedPolicyHit[], ObservedDecider | null>();
function sharedDecidingHit(hits: readonly ObservedPolicyHit[]): ObservedDecider | undefined {
  if (!isSharedHitList(hits)) return decidingHit(hits);
  let decider = decidersOfShared.get(hits);
  if (decider === undefined) {
    decider = decidingHit(hits) ?? null;
    decidersOfShared.set(hits, decider);
  }
  return decider ?? undefined;
}

/** The enforced Allow or Deny hit met last (highest index), named as verdicts name it; undefined when there is none or it is foreign. */
function decidingHit(hits: readonly ObservedPolicyHit[]): ObservedDecider | undefined {
  let last: DecidingHit | undefined;
  for (const h of hits) if (decides(h) && (last === undefined || h.index >= last.index)) last = h;
  // Cilium's hits (Hubble) have no tier: its policies are not the ones verdicts name.
  if (last === undefined || last.kind === undefined || last.tier === '') return undefined;
  const { kind, action, rule, tier, name, namespace } = last;
  if (kind === PROFILE_KIND) return decider(true, PROFILE_TIER, name, rule, action);
  if (!POLICY_KINDS.has(kind)) return undefined;
  return decider(false, tier, displayName(kind as PolicySourceKind, name, namespace, tier), rule, action);
}

function decider(profile: boolean, tier: string, policy: string, rule: number, action: 'allow' | 'deny'): ObservedDecider {
  const where = `${tier}/${policy}#${rule === RULE_END_OF_TIER ? '(end-of-tier)' : rule === RULE_UNKNOWN ? '?' : String(rule)}`;
  return { profile, policy, rule, action, observed: { ingress: `ingress=${action}@${where}`, egress: `egress=${action}@${where}` } };
}

type DecidingHit = ObservedPolicyHit & { readonly action: 'allow' | 'deny' };

function decides(h: ObservedPolicyHit): h is DecidingHit {
  return h.set === 'enforced' && h.action !== 'pass';
}

/**
 * Whether the direction was decided by the logged hit. Policies are compared by display name, which carries the
 * tier where a policy's tier is its own; a rule index the log leaves out matches any. A profile that allows
 * everything (a pod's `kns.` profile) has no rule to compare.
 */
function sameDecider(o: ObservedDecider, dv: DirectionVerdict): boolean {
  if (o.action !== dv.verdict) return false;
  const d = dv.decider;
  switch (d.kind) {
    case 'rule':
      return (d.tier === PROFILE_TIER) === o.profile && d.policy === o.policy && (o.rule === RULE_UNKNOWN || o.rule === d.rule);
    case 'end-of-tier':
      return !o.profile && d.policy === o.policy && (o.rule === RULE_UNKNOWN || o.rule === RULE_END_OF_TIER);
    case 'profile':
      return o.profile && d.profile === o.policy;
    default:
      // Decided by no policy (no endpoint, a default deny, failsafe, node-local traffic) where the log saw one.
      return false;
  }
}
