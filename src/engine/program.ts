/**
 * The rules one direction at one endpoint runs, flattened into one array with tier boundaries, and narrowed per
 * (protocol, destination port) to the rules that could match such flows at all (CompiledRule.couldMatch). A
 * narrowed program decides exactly like the full one: it only leaves out rules that cannot match, and keeps
 * every tier (a tier whose rules all fell out still ends with its default action). Endpoints see few distinct
 * (protocol, port) pairs, so the narrowing is paid once per pair and most rules are never looked at again.
 */
import type { Direction } from '../policy/model.js';
import type { AppliedPolicies, AppliedTier, CompiledTier, RuleSite } from './applicable.js';

export interface TierSpan {
  readonly tier: CompiledTier;
  /** Index in `sites` just past this tier's rules. */
  readonly end: number;
  /** Display names of the tier's applicable policies, for traces. */
  readonly policies: readonly string[];
}

export interface DirectionProgram {
  readonly sites: readonly RuleSite[];
  readonly tiers: readonly TierSpan[];
}

/** Narrowed programs kept per endpoint and direction; past this, flows use the full program. */
const MAX_NARROWED = 64;

export class EndpointPrograms {
  private readonly fullPrograms: Record<Direction, DirectionProgram>;
  private readonly narrowed: Record<Direction, Map<number, DirectionProgram>> = {
    ingress: new Map(),
    egress: new Map(),
  };

  constructor(readonly applied: AppliedPolicies) {
    this.fullPrograms = { ingress: flatten(applied.ingress, 'ingress'), egress: flatten(applied.egress, 'egress') };
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
      byKey.set(key, (p = narrow(full, proto, dstPort)));
    }
    return p;
  }
}

function flatten(tiers: readonly AppliedTier[], direction: Direction): DirectionProgram {
  const sites: RuleSite[] = [];
  const spans: TierSpan[] = [];
  for (const { tier, policies } of tiers) {
    for (const p of policies) sites.push(...p.sites(direction));
    spans.push({ tier, end: sites.length, policies: policies.map((p) => p.name) });
  }
  return { sites, tiers: spans };
}

function narrow(full: DirectionProgram, proto: number, dstPort: number | undefined): DirectionProgram {
  const sites: RuleSite[] = [];
  const spans: TierSpan[] = [];
  let start = 0;
  for (const span of full.tiers) {
    for (let i = start; i < span.end; i++) {
      const site = full.sites[i]!;
      if (site.rule.couldMatch(proto, dstPort)) sites.push(site);
    }
    spans.push({ tier: span.tier, end: sites.length, policies: span.policies });
    start = span.end;
  }
  return sites.length === full.sites.length ? full : { sites, tiers: spans };
}
