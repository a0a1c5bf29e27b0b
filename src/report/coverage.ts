/**
 * Rule coverage: for every rule a view evaluates, the flows it decided (Allow and Deny rules) or was met on the
 * way (Pass and Log rules), the flows it left unknown (reached, but not decidable from the log), and when it was
 * first and last hit; rules that nothing hit show 0, which is the point: a rule no traffic needs is a rule to
 * question. End-of-tier drops are listed under the policy Calico charges them to (engine/verdict.ts).
 *
 * Counted from a replay's outcomes, per verdict object (a view interns its verdicts, so a day of flows makes few
 * of them), or from stored result rows, per `rule` text (weeks of rows name few distinct texts); either is
 * spread over the rules in `build`, so the per-flow cost is one map lookup. The `rule` column names the deciding
 * rule of each direction but not the Pass and Log rules met before it: counted from rows, those are not known.
 */
import { parseRuleColumn, type CompiledPolicySet, type ListedPolicy } from '../engine/index.js';
import type { DirectionVerdict, Verdict } from '../engine/verdict.js';
import type { Direction, RuleAction } from '../policy/model.js';
import type { Outcome } from '../pipeline/outcome.js';
import type { ReportRow } from './row.js';

export type CoverageView = 'current' | 'proposed';

export interface CoverageRow {
  readonly view: CoverageView;
  readonly tier: string;
  readonly policy: string;
  readonly direction: Direction;
  /** The rule's index in its direction, or `end-of-tier` for the drops charged to the policy. */
  readonly rule: number | typeof END_OF_TIER;
  readonly action: RuleAction;
  /** Flows the rule decided, or (Pass, Log) was met by; undefined for Pass and Log counted from result rows. */
  readonly flows: number | undefined;
  /** Flows whose verdict is unknown because they reached this rule and it could not be decided. */
  readonly unknown: number;
  /**
   * Current view: flows whose log names this rule as the one that decided them (pipeline/rule-drift.ts); undefined
   * when no flow's log named a deciding rule, for Pass and Log rules (which decide nothing), and for the proposed
   * view (logs are of what runs).
   */
  readonly logged: number | undefined;
  readonly firstSeen: number | undefined;
  readonly lastSeen: number | undefined;
  /** `file:line` of the rule, when known. */
  readonly source: string | undefined;
}

export interface Coverage {
  readonly rows: readonly CoverageRow[];
  /**
   * Per view: rules listed, how many of them nothing hit (end-of-tier rows are not rules; Pass and Log rules
   * counted from result rows, which do not record their hits, are never counted as unhit), and the flows whose
   * `rule` text could not be read.
   */
  readonly totals: Readonly<Partial<Record<CoverageView, CoverageTotals>>>;
}

export interface CoverageTotals {
  readonly rules: number;
  readonly unhit: number;
  readonly unreadable: number;
}

const END_OF_TIER = 'end-of-tier';

/** Flows of one verdict. */
interface Hits {
  flows: number;
  first: number | undefined;
  last: number | undefined;
}

export class CoverageCounter {
  private readonly byVerdict: Record<CoverageView, Map<Verdict, Hits>> = { current: new Map(), proposed: new Map() };
  private readonly byRuleText: Record<CoverageView, Map<string, Hits>> = { current: new Map(), proposed: new Map() };
  /** Flows by the deciding rule their log names (`observed_rule` text). */
  private readonly logged = new Map<string, number>();

  add(o: Outcome): void {
    const { time, count: flows = 1 } = o.flow.record;
    count(this.byVerdict.current, o.current, time, flows);
    if (o.proposed !== undefined) count(this.byVerdict.proposed, o.proposed, time, flows);
    if (o.drift !== undefined) this.log(o.drift.observed, flows);
  }

  addRow(r: ReportRow): void {
    count(this.byRuleText.current, r.rule, r.time, r.flows);
    if (r.proposedRule !== undefined) count(this.byRuleText.proposed, r.proposedRule, r.time, r.flows);
    if (r.observedRule !== undefined) this.log(r.observedRule, r.flows);
  }

  private log(observed: string, flows: number): void {
    this.logged.set(observed, (this.logged.get(observed) ?? 0) + flows);
  }

  /** Whether any flow counted had a proposed verdict (result rows without `proposed_rule` have none). */
  get sawProposed(): boolean {
    return this.byVerdict.proposed.size > 0 || this.byRuleText.proposed.size > 0;
  }

  /** The rows of the views given (the proposed one only when there is one), in evaluation order. */
  build(views: { readonly current: CompiledPolicySet; readonly proposed: CompiledPolicySet | undefined }): Coverage {
    const rows: CoverageRow[] = [];
    const totals: Partial<Record<CoverageView, CoverageTotals>> = {};
    const logged = loggedHits(this.logged);
    for (const view of ['current', 'proposed'] as const) {
      const set = views[view];
      if (set === undefined) continue;
      const { hits, unreadable } = ruleHits(this.byVerdict[view], this.byRuleText[view]);
      const loggedAt = (key: string): number | undefined => (view === 'current' && this.logged.size > 0 ? (logged.get(key) ?? 0) : undefined);
      // Result rows do not say which Pass and Log rules their flows met.
      const stepsKnown = this.byRuleText[view].size === 0;
      let rules = 0;
      let unhit = 0;
      for (const p of set.listPolicies()) {
        for (const direction of ['ingress', 'egress'] as const) {
          const listed = p[direction];
          if (listed === undefined) continue;
          const key = (rule: number | typeof END_OF_TIER): string => ruleKey(direction, p.tier, p.policy, rule);
          for (const r of listed) {
            const h = hits.get(key(r.index));
            const known = stepsKnown || r.action === 'Allow' || r.action === 'Deny';
            rules++;
            if (h === undefined && known) unhit++;
            // A log names the rule that decided, not the Pass and Log rules met before it.
            const decides = r.action === 'Allow' || r.action === 'Deny';
            rows.push(row(view, direction, p, r.index, r.action, h, known, decides ? loggedAt(key(r.index)) : undefined, r.origin && `${r.origin.file}:${r.origin.line}`));
          }
          // Not a rule: listed only when drops were charged to the policy (here, or by the logs).
          const end = hits.get(key(END_OF_TIER));
          const endLogged = loggedAt(key(END_OF_TIER));
          if (end !== undefined || (endLogged ?? 0) > 0) rows.push(row(view, direction, p, END_OF_TIER, 'Deny', end, true, endLogged, undefined));
        }
      }
      totals[view] = { rules, unhit, unreadable };
    }
    return { rows, totals };
  }
}

function count<K>(byDecision: Map<K, Hits>, decision: K, time: number | undefined, flows: number): void {
  let h = byDecision.get(decision);
  if (h === undefined) byDecision.set(decision, (h = { flows: 0, first: undefined, last: undefined }));
  h.flows += flows;
  seen(h, time, time);
}

/** Widens the first and last times of `h` to cover [first, last]. */
function seen(h: Hits, first: number | undefined, last: number | undefined): void {
  if (first !== undefined && (h.first === undefined || first < h.first)) h.first = first;
  if (last !== undefined && (h.last === undefined || last > h.last)) h.last = last;
}

interface RuleHits extends Hits {
  unknown: number;
}

/** Per rule (ruleKey), the hits of the verdicts and rule texts that name it; and the flows of unreadable texts. */
function ruleHits(byVerdict: Map<Verdict, Hits>, byRuleText: Map<string, Hits>): { hits: Map<string, RuleHits>; unreadable: number } {
  const hits = new Map<string, RuleHits>();
  const add = (key: string, h: Hits, unknown: boolean): void => {
    let r = hits.get(key);
    if (r === undefined) hits.set(key, (r = { flows: 0, unknown: 0, first: undefined, last: undefined }));
    if (unknown) r.unknown += h.flows;
    else r.flows += h.flows;
    seen(r, h.first, h.last);
  };
  for (const [v, h] of byVerdict) {
    for (const d of [v.egress, v.ingress]) {
      for (const step of d.path) add(ruleKey(d.direction, step.tier, step.policy, step.rule), h, false);
      const key = deciderKey(d);
      if (key !== undefined) add(key, h, d.decider.kind === 'undecidable');
    }
  }
  let unreadable = 0;
  for (const [text, h] of byRuleText) {
    const tokens = parseRuleColumn(text);
    if (tokens === undefined) {
      unreadable += h.flows;
      continue;
    }
    // A token names a tier and policy for a rule that decided (or was undecidable: verdict unknown) and for an
    // end-of-tier drop (no rule); profiles, failsafes and sides that are no endpoint name none.
    for (const t of tokens) {
      if (t.tier !== undefined && t.policy !== undefined) add(ruleKey(t.direction, t.tier, t.policy, t.rule ?? END_OF_TIER), h, t.verdict === 'unknown');
    }
  }
  return { hits, unreadable };
}

/**
 * Per rule (ruleKey), the flows whose log names it as the deciding one. A logged hit without a rule index (`#?`)
 * names no rule, and is not counted here.
 */
function loggedHits(byText: ReadonlyMap<string, number>): Map<string, number> {
  const hits = new Map<string, number>();
  for (const [text, flows] of byText) {
    const t = parseRuleColumn(text)?.[0];
    if (t?.tier === undefined || t.policy === undefined) continue;
    const key = ruleKey(t.direction, t.tier, t.policy, t.rule ?? END_OF_TIER);
    hits.set(key, (hits.get(key) ?? 0) + flows);
  }
  return hits;
}

function deciderKey(d: DirectionVerdict): string | undefined {
  const c = d.decider;
  switch (c.kind) {
    case 'rule':
    case 'undecidable':
      return ruleKey(d.direction, c.tier, c.policy, c.rule);
    case 'end-of-tier':
      return ruleKey(d.direction, c.tier, c.policy, END_OF_TIER);
    default:
      return undefined;
  }
}

function ruleKey(direction: Direction, tier: string, policy: string, rule: number | typeof END_OF_TIER): string {
  return `${direction}\u0000${tier}\u0000${policy}\u0000${rule}`;
}

function row(
  view: CoverageView,
  direction: Direction,
  p: ListedPolicy,
  rule: number | typeof END_OF_TIER,
  action: RuleAction,
  h: RuleHits | undefined,
  known: boolean,
  logged: number | undefined,
  source: string | undefined,
): CoverageRow {
  return {
    view,
    tier: p.tier,
    policy: p.policy,
    direction,
    rule,
    action,
    flows: known ? (h?.flows ?? 0) : undefined,
    unknown: h?.unknown ?? 0,
    logged,
    firstSeen: h?.first,
    lastSeen: h?.last,
    source,
  };
}
