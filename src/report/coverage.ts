/**
 * Rule coverage of a replay: for every rule a view evaluates, the flows it decided (Allow and Deny rules) or was
 * met on the way (Pass and Log rules), the flows it left unknown (reached, but not decidable from the log), and
 * when it was first and last hit; rules that nothing hit show 0, which is the point: a rule no traffic needs is a
 * rule to question. End-of-tier drops are listed under the policy Calico charges them to (engine/verdict.ts).
 *
 * Flows are counted per verdict object (a view interns its verdicts, so a day of flows makes few of them) and
 * spread over the rules in `build`: the per-flow cost is one map lookup.
 */
import type { CompiledPolicySet, ListedPolicy } from '../engine/index.js';
import type { DirectionVerdict, Verdict } from '../engine/verdict.js';
import type { Direction, RuleAction } from '../policy/model.js';
import type { Outcome } from '../pipeline/outcome.js';

export type CoverageView = 'current' | 'proposed';

export interface CoverageRow {
  readonly view: CoverageView;
  readonly tier: string;
  readonly policy: string;
  readonly direction: Direction;
  /** The rule's index in its direction, or `end-of-tier` for the drops charged to the policy. */
  readonly rule: number | typeof END_OF_TIER;
  readonly action: RuleAction;
  /** Flows the rule decided, or (Pass, Log) was met by. */
  readonly flows: number;
  /** Flows whose verdict is unknown because they reached this rule and it could not be decided. */
  readonly unknown: number;
  readonly firstSeen: number | undefined;
  readonly lastSeen: number | undefined;
  /** `file:line` of the rule, when known. */
  readonly source: string | undefined;
}

export interface Coverage {
  readonly rows: readonly CoverageRow[];
  /** Per view: rules listed, and how many of them nothing hit (end-of-tier rows are not rules). */
  readonly totals: Readonly<Partial<Record<CoverageView, { readonly rules: number; readonly unhit: number }>>>;
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

  add(o: Outcome): void {
    const time = o.flow.record.time;
    count(this.byVerdict.current, o.current, time);
    if (o.proposed !== undefined) count(this.byVerdict.proposed, o.proposed, time);
  }

  /** The rows of the views given (the proposed one only when the replay had one), in evaluation order. */
  build(views: { readonly current: CompiledPolicySet; readonly proposed: CompiledPolicySet | undefined }): Coverage {
    const rows: CoverageRow[] = [];
    const totals: Partial<Record<CoverageView, { rules: number; unhit: number }>> = {};
    for (const view of ['current', 'proposed'] as const) {
      const set = views[view];
      if (set === undefined) continue;
      const hits = ruleHits(this.byVerdict[view]);
      let rules = 0;
      let unhit = 0;
      for (const p of set.listPolicies()) {
        for (const direction of ['ingress', 'egress'] as const) {
          const listed = p[direction];
          if (listed === undefined) continue;
          const at = (rule: number | typeof END_OF_TIER): RuleHits | undefined => hits.get(ruleKey(direction, p.tier, p.policy, rule));
          for (const r of listed) {
            const h = at(r.index);
            rules++;
            if (h === undefined) unhit++;
            rows.push(row(view, direction, p, r.index, r.action, h, r.origin && `${r.origin.file}:${r.origin.line}`));
          }
          // Not a rule: listed only when drops were charged to the policy.
          const end = at(END_OF_TIER);
          if (end !== undefined) rows.push(row(view, direction, p, END_OF_TIER, 'Deny', end, undefined));
        }
      }
      totals[view] = { rules, unhit };
    }
    return { rows, totals };
  }
}

function count(byVerdict: Map<Verdict, Hits>, v: Verdict, time: number | undefined): void {
  let h = byVerdict.get(v);
  if (h === undefined) byVerdict.set(v, (h = { flows: 0, first: undefined, last: undefined }));
  h.flows++;
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

/** Per rule (ruleKey), the hits of the verdicts that name it. */
function ruleHits(byVerdict: Map<Verdict, Hits>): Map<string, RuleHits> {
  const out = new Map<string, RuleHits>();
  const add = (key: string, h: Hits, unknown: boolean): void => {
    let r = out.get(key);
    if (r === undefined) out.set(key, (r = { flows: 0, unknown: 0, first: undefined, last: undefined }));
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
  return out;
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
  source: string | undefined,
): CoverageRow {
  return {
    view,
    tier: p.tier,
    policy: p.policy,
    direction,
    rule,
    action,
    flows: h?.flows ?? 0,
    unknown: h?.unknown ?? 0,
    firstSeen: h?.first,
    lastSeen: h?.last,
    source,
  };
}
