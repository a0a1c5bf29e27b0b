/**
 * Which policies apply to an endpoint, per direction, in evaluation order (felix/calc/policy_resolver.go keeps
 * "the complete, ordered set of policies that apply" per endpoint; felix/calc/policy_sorter.go orders them).
 *
 * Order: tiers by (order, name) with nil order after every number and tiers the set does not define after all
 * defined ones; within a tier, policies by (order, name) with nil order last, the name being the policy's display
 * name (engine/policy-name.ts). preDNAT and doNotTrack policies act at other points of the packet path (felix/calc
 * event_sequencer.go `tierInfoToProtoTierInfo` keeps them in separate tiers), so each kind is indexed apart, as a
 * stage of its own (engine/host-stages.ts). applyOnForward policies that are neither are normal policies too
 * (Felix renders them into both the normal and the forward chains).
 */
import type { Direction, Policy, Rule, Tier, TierDefaultAction } from '../policy/model.js';
import type { Selector } from '../selector/types.js';
import type { AddressSpace } from './address-space.js';
import { namespaceSelectorMatches } from './peer-match.js';
import { policyDisplayName } from './policy-name.js';
import { CompiledRule, type PeerMatcherTable } from './rule.js';
import type { ServiceMatches } from './services.js';
import { EMPTY_LABELS, type SelectorSubject } from './subject.js';
import type { Decider, PathStep, RuleRef } from './verdict.js';

export interface CompiledTier {
  readonly name: string;
  readonly order: number | null;
  readonly defaultAction: TierDefaultAction;
  /** False for a tier that policies name but the set does not define (Felix: "invalid", sorted last). */
  readonly defined: boolean;
}

/**
 * A rule where it sits (tier, policy, index), with what it yields when it matches, built once: Allow and Deny
 * rules a decider, Pass and Log rules a path step. Verdicts are interned by these objects' identity.
 */
export interface RuleSite {
  readonly rule: CompiledRule;
  readonly ref: RuleRef;
  readonly outcome:
    | { readonly kind: 'decide'; readonly decider: Decider }
    | { readonly kind: 'step'; readonly step: PathStep };
}

/** The site of rule `r` of the policy (or profile) `policy` in `tier`. */
export function ruleSite(r: Rule, tier: string, policy: string, peers: PeerMatcherTable, space: AddressSpace, services: ServiceMatches): RuleSite {
  const rule = new CompiledRule(r, peers, space, services);
  const ref: RuleRef = Object.freeze({ tier, policy, rule: r.index });
  const outcome: RuleSite['outcome'] =
    r.action === 'Allow' || r.action === 'Deny'
      ? { kind: 'decide', decider: Object.freeze({ kind: 'rule', ...ref, action: r.action }) }
      : { kind: 'step', step: Object.freeze({ ...ref, action: r.action }) };
  return { rule, ref, outcome };
}

export class CompiledPolicy {
  readonly name: string;
  readonly ingress: readonly RuleSite[];
  readonly egress: readonly RuleSite[];
  /**
   * The decider when this policy is the last of its tier at an endpoint, no rule decided and the tier's default
   * action is Deny: Calico's flow logs charge the end-of-tier drop to that policy, with rule index -1
   * (`0|default|prod/knp.default.db|deny|-1`).
   */
  readonly endOfTier: Decider;
  /** Position in the evaluation order of the PolicyIndex that holds it (normal policies, or one host stage's). */
  rank = 0;

  constructor(
    readonly policy: Policy,
    readonly tier: CompiledTier,
    peers: PeerMatcherTable,
    space: AddressSpace,
    services: ServiceMatches,
  ) {
    this.name = policyDisplayName(policy);
    this.endOfTier = Object.freeze({ kind: 'end-of-tier', tier: tier.name, policy: this.name });
    const site = (r: Rule): RuleSite => ruleSite(r, tier.name, this.name, peers, space, services);
    this.ingress = policy.ingress.map(site);
    this.egress = policy.egress.map(site);
  }

  sites(direction: Direction): readonly RuleSite[] {
    return direction === 'ingress' ? this.ingress : this.egress;
  }
}

/**
 * Whether the policy selects the endpoint. Namespaced kinds select pods of their namespace only
 * (`projectcalico.org/namespace == <ns> && selector`); global ones add their namespaceSelector and
 * serviceAccountSelector the way libcalico-go globalnetworkpolicyprocessor.go does (`all()` there means
 * "any pod"). `selectorResult` may cache by selector.
 */
export function policySelects(p: Policy, ep: SelectorSubject, selectorResult: (s: Selector) => boolean): boolean {
  if (p.namespace !== undefined) return ep.namespace === p.namespace && selectorResult(p.selector);
  if (!selectorResult(p.selector)) return false;
  if (p.namespaceSelector !== undefined && !namespaceSelectorMatches(p.namespaceSelector, ep)) return false;
  const sa = p.serviceAccountSelector;
  if (sa !== undefined) {
    if (ep.serviceAccountLabels === undefined) return !sa.isAll && sa.matches(EMPTY_LABELS);
    return sa.matches(ep.serviceAccountLabels);
  }
  return true;
}

/** The policies of one tier that apply to an endpoint in one direction, in order. */
export interface AppliedTier {
  readonly tier: CompiledTier;
  readonly policies: readonly CompiledPolicy[];
}

export interface AppliedPolicies {
  readonly ingress: readonly AppliedTier[];
  readonly egress: readonly AppliedTier[];
}

/** Resolves a policy's tier: the set's own, else a built-in one, else an undefined tier (Deny, sorted last). */
export function resolveTier(name: string, tiers: ReadonlyMap<string, Tier>, builtin: readonly Tier[]): CompiledTier {
  const t = tiers.get(name) ?? builtin.find((b) => b.name === name);
  return t === undefined
    ? { name, order: null, defaultAction: 'Deny', defined: false }
    : { name, order: t.order, defaultAction: t.defaultAction, defined: true };
}

export function compareTiers(a: CompiledTier, b: CompiledTier): number {
  if (a.defined !== b.defined) return a.defined ? -1 : 1;
  return compareOrder(a.order, b.order) || compareText(a.name, b.name);
}

export function comparePolicies(a: CompiledPolicy, b: CompiledPolicy): number {
  return (
    compareTiers(a.tier, b.tier) ||
    compareOrder(a.policy.order, b.policy.order) ||
    compareText(a.name, b.name) ||
    compareText(a.policy.id, b.policy.id)
  );
}

function compareOrder(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** Go compares strings bytewise; so does this for the ASCII of Kubernetes names. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Policies indexed for lookup by endpoint (a set's normal policies, or one host stage's): namespaced ones by
 * namespace, the others in one list, each list in evaluation order.
 */
export class PolicyIndex {
  private readonly global: readonly CompiledPolicy[];
  private readonly byNamespace = new Map<string, CompiledPolicy[]>();

  constructor(sorted: readonly CompiledPolicy[]) {
    const global: CompiledPolicy[] = [];
    sorted.forEach((p, i) => {
      p.rank = i;
      const ns = p.policy.namespace;
      if (ns === undefined) {
        global.push(p);
        return;
      }
      let list = this.byNamespace.get(ns);
      if (list === undefined) this.byNamespace.set(ns, (list = []));
      list.push(p);
    });
    this.global = global;
  }

  /** Computes the ordered applicable policies of an endpoint (class), both directions at once. */
  applicable(ep: SelectorSubject): AppliedPolicies {
    const local = ep.namespace === undefined ? [] : (this.byNamespace.get(ep.namespace) ?? []);
    // One evaluation per distinct selector (by canonical text) for this endpoint: many policies share them.
    const seen = new Map<string, boolean>();
    const selectorResult = (s: Selector): boolean => {
      let r = seen.get(s.canonical);
      if (r === undefined) seen.set(s.canonical, (r = s.matches(ep.labels)));
      return r;
    };
    const ingress: AppliedTierBuilder = [];
    const egress: AppliedTierBuilder = [];
    // Merge the two lists by rank, keeping evaluation order.
    let g = 0;
    let l = 0;
    while (g < this.global.length || l < local.length) {
      const takeGlobal = l >= local.length || (g < this.global.length && this.global[g]!.rank < local[l]!.rank);
      const p = takeGlobal ? this.global[g++]! : local[l++]!;
      if (!policySelects(p.policy, ep, selectorResult)) continue;
      if (p.policy.types.ingress) append(ingress, p);
      if (p.policy.types.egress) append(egress, p);
    }
    return { ingress, egress };
  }
}

type AppliedTierBuilder = { tier: CompiledTier; policies: CompiledPolicy[] }[];

function append(tiers: AppliedTierBuilder, p: CompiledPolicy): void {
  const last = tiers[tiers.length - 1];
  if (last !== undefined && last.tier === p.tier) last.policies.push(p);
  else tiers.push({ tier: p.tier, policies: [p] });
}
