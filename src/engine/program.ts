/**
 * The rules one direction at one endpoint class runs, flattened into one array with tier boundaries. Built once
 * per class and direction without the rules whose conditions on the endpoint itself fail for the class
 * (CompiledRule.admitsLocal), and narrowed per (protocol, destination port) to the rules that could match such
 * flows at all (CompiledRule.couldMatch). A narrowed program decides exactly like the full one: it only leaves
 * out rules that cannot match, and keeps every tier (a tier whose rules all fell out still ends with its default
 * action). A class sees few distinct (protocol, port) pairs, so the narrowing is paid once per pair and most
 * rules are never looked at again; pairs that keep the same rules (every port no rule names, say) share one
 * program, so memory grows with the distinct programs, not with the ports a class sees.
 */
import type { Direction } from '../policy/model.js';
import type { AppliedPolicies, AppliedTier, CompiledTier, RuleSite } from './applicable.js';
import type { EndpointClass } from './subject.js';
import type { Decider } from './verdict.js';

export interface TierSpan {
  readonly tier: CompiledTier;
  /** Index in `sites` just past this tier's rules. */
  readonly end: number;
  /** Display names of the tier's applicable policies, for traces. */
  readonly policies: readonly string[];
  /** What decides when the tier ends without a decision and its default action is Deny (its last policy). */
  readonly endOfTier: Decider;
}

export interface DirectionProgram {
  readonly sites: readonly RuleSite[];
  readonly tiers: readonly TierSpan[];
}

/** (protocol, port) pairs remembered per class and direction; past this, further pairs use the full program. */
const MAX_NARROWED = 1024;

export class EndpointPrograms {
  private readonly fullPrograms: Record<Direction, DirectionProgram>;
  /** By protoPort (proto * 65537 + port, 65536 for none). */
  private readonly narrowed: Record<Direction, Map<number, DirectionProgram>> = {
    ingress: new Map(),
    egress: new Map(),
  };
  /** The distinct narrowed programs, by the positions of the rules they keep. */
  private readonly distinct: Record<Direction, Map<string, DirectionProgram>> = {
    ingress: new Map(),
    egress: new Map(),
  };

  constructor(
    readonly applied: AppliedPolicies,
    private readonly cls: EndpointClass,
  ) {
    this.fullPrograms = {
      ingress: flatten(applied.ingress, 'ingress', cls),
      egress: flatten(applied.egress, 'egress', cls),
    };
  }

  full(direction: Direction): DirectionProgram {
    return this.fullPrograms[direction];
  }

  /** The program for flows of this protocol and port; `undefined` port means the flow has none. */
  for(direction: Direction, proto: number, dstPort: number | undefined): DirectionProgram {
    const full = this.fullPrograms[direction];
    if (full.sites.length === 0) return full;
    const byKey = this.narrowed[direction];
    const key = proto * 65537 + (dstPort ?? 65536);
    let p = byKey.get(key);
    if (p === undefined) {
      if (byKey.size >= MAX_NARROWED) return full;
      const kept = full.sites.map((s, i) => (s.rule.couldMatch(direction, this.cls, proto, dstPort) ? i : -1)).filter((i) => i >= 0);
      const distinct = this.distinct[direction];
      const id = kept.join(',');
      p = distinct.get(id);
      if (p === undefined) distinct.set(id, (p = keep(full, kept)));
      byKey.set(key, p);
    }
    return p;
  }
}

function flatten(tiers: readonly AppliedTier[], direction: Direction, cls: EndpointClass): DirectionProgram {
  const sites: RuleSite[] = [];
  const spans: TierSpan[] = [];
  for (const { tier, policies } of tiers) {
    for (const p of policies) {
      for (const site of p.sites(direction)) if (site.rule.admitsLocal(direction, cls)) sites.push(site);
    }
    const endOfTier = policies[policies.length - 1]!.endOfTier;
    spans.push({ tier, end: sites.length, policies: policies.map((p) => p.name), endOfTier });
  }
  return { sites, tiers: spans };
}

/** The program with only the rules at positions `kept` (ascending), and every tier. */
function keep(full: DirectionProgram, kept: readonly number[]): DirectionProgram {
  if (kept.length === full.sites.length) return full;
  const sites = kept.map((i) => full.sites[i]!);
  let next = 0;
  const tiers = full.tiers.map((span) => {
    while (next < kept.length && kept[next]! < span.end) next++;
    return { ...span, end: next };
  });
  return { sites, tiers };
}
