/**
 * One direction at one endpoint (spec section 4, felix/rules/endpoints.go `endpointIptablesChain`):
 * host endpoint failsafe ports first, then its doNotTrack and preDNAT stages (engine/host-stages.ts); then each
 * tier with applicable policies, policies in order, rules in order, the first rule whose match holds acting (Allow
 * and Deny decide, Pass leaves the tier, Log records and goes on); a tier that ends without a decision or Pass
 * applies its default action (Deny drops, Pass goes on); after the last tier, the profiles.
 *
 * Unknown, never a guess: the first Allow, Deny or Pass rule whose match cannot be decided makes the direction
 * unknown, even where later rules might have led to the same outcome. Log rules never decide, so one whose match
 * is unknown is skipped (and left out of the path).
 */
import type { Direction } from '../policy/model.js';
import { allowsEverything, isPodProfile } from '../policy/profile.js';
import type { RuleSite } from './applicable.js';
import { type EvalContext, NO, type Side, type SideRole, type Tri, UNKNOWN, YES } from './context.js';
import type { FailsafeConfig } from './failsafe.js';
import type { HostStage } from './host-stages.js';
import type { CompiledProfile } from './profiles.js';
import type { DirectionProgram, EndpointPrograms } from './program.js';
import type { EndpointClass } from './subject.js';
import type { TraceEvent, TraceSink } from './trace.js';
import type { Decider, DirectionVerdict, PathStep } from './verdict.js';
import { Canonical, type VerdictInterner, verdictOf } from './verdicts.js';

/** What firstActing returns for a Pass rule. */
const PASSED = 'passed';

const NO_ENDPOINT: Decider = Object.freeze({ kind: 'no-endpoint' });
const WORKLOAD_DEFAULT_DENY: Decider = Object.freeze({ kind: 'workload-default-deny' });
const UNKNOWN_ENDPOINT: Record<SideRole, Decider> = {
  source: unknownEndpoint('source'),
  destination: unknownEndpoint('destination'),
};

function unknownEndpoint(role: SideRole): Decider {
  const reason = `the ${role} may be an endpoint the inventory does not know`;
  return Object.freeze({ kind: 'unknown-endpoint', reason });
}

export class DirectionEvaluator {
  /** Pass and Log steps of the evaluation under way (reused: evaluation is never re-entered). */
  private readonly path: PathStep[] = [];
  private pathLength = 0;
  private readonly profiles = new Canonical<string, Decider>();
  private readonly hostDefaultDeny = new Canonical<string, Decider>();
  private readonly unknownProfiles = new Canonical<string, Decider>();
  /** Keyed by protocol * 65536 + port. */
  private readonly failsafes = new Canonical<number, Decider>();
  /** Keyed by protocol and reason. */
  private readonly unknownFailsafes = new Canonical<string, Decider>();
  private readonly undecidable = new Map<RuleSite, Canonical<string, Decider>>();

  constructor(
    private readonly interner: VerdictInterner,
    private readonly failsafe: FailsafeConfig,
    private readonly programs: (cls: EndpointClass) => EndpointPrograms,
    /** The set's Profiles, by name. */
    private readonly loadedProfiles: ReadonlyMap<string, CompiledProfile>,
    /** A host endpoint's doNotTrack and preDNAT stages (engine/host-stages.ts). */
    private readonly hostStages: (cls: EndpointClass) => readonly HostStage[],
  ) {}

  /**
   * A direction of a flow between a pod and its own node, which `decider` decides whatever the policies
   * (engine/local-host.ts).
   */
  local(direction: Direction, side: Side, ctx: EvalContext, decider: Decider, trace: TraceSink | undefined): DirectionVerdict {
    if (trace) {
      trace({ kind: 'side', direction, at: side.endpoint?.key ?? noEndpointText(side) });
      if (ctx.local !== undefined) trace({ kind: 'local-host', direction, path: ctx.local.path, node: ctx.local.node });
    }
    return this.interner.direction(direction, decider, this.path, 0);
  }

  /** `side` is the endpoint the direction is enforced at: the source for egress, the destination for ingress. */
  decide(direction: Direction, side: Side, ctx: EvalContext, trace: TraceSink | undefined): DirectionVerdict {
    const { endpoint, cls } = side;
    if (endpoint === undefined || cls === undefined) {
      if (trace) trace({ kind: 'side', direction, at: noEndpointText(side) });
      const decider = side.mayBeEndpoint ? UNKNOWN_ENDPOINT[side.role] : NO_ENDPOINT;
      return this.interner.direction(direction, decider, this.path, 0);
    }
    if (trace) trace({ kind: 'side', direction, at: endpoint.key });
    let failsafe: Tri = NO;
    let failsafeUnknown = '';
    if (cls.owner.kind === 'host') {
      failsafe = this.failsafe.tableFor(cls.owner.node).match(direction, ctx);
      if (failsafe === UNKNOWN) failsafeUnknown = ctx.reason;
      if (trace) trace({ kind: 'failsafe', direction, result: triText(failsafe) });
      if (failsafe === YES) {
        const d = this.failsafes.get(ctx.proto * 65536 + ctx.dstPort!, failsafeDecider);
        return this.interner.direction(direction, d, this.path, 0);
      }
    }
    this.pathLength = 0;
    let decider: Decider | undefined;
    const stages = this.hostStages(cls);
    // doNotTrack and preDNAT stages have no end-of-tier drop: what they leave undecided goes on to the next stage.
    for (const stage of stages) {
      if (trace) trace({ kind: 'stage', direction, stage: stage.kind });
      decider = this.tiers(direction, programFor(stage.programs, direction, ctx, trace), false, ctx, trace);
      if (decider !== undefined) break;
    }
    if (decider === undefined) {
      if (trace && stages.length > 0) trace({ kind: 'stage', direction, stage: 'normal' });
      decider =
        this.tiers(direction, programFor(this.programs(cls), direction, ctx, trace), true, ctx, trace) ??
        this.profilesOf(direction, cls, ctx, trace);
    }
    if (failsafe === UNKNOWN && verdictOf(decider) === 'deny') {
      const protocol = ctx.proto;
      const reason = `policy denies, but ${failsafeUnknown}`;
      decider = this.unknownFailsafes.get(`${protocol}|${reason}`, () => ({ kind: 'unknown-failsafe', protocol, reason }));
    }
    return this.interner.direction(direction, decider, this.path, this.pathLength);
  }

  /**
   * The program's tiers in order: the first rule that acts decides, Pass leaves the tier; a tier that ends without
   * either applies its default action when `endOfTierDrop` (Deny drops, Pass goes on) and goes on otherwise.
   * Undefined when no tier decided.
   */
  private tiers(direction: Direction, program: DirectionProgram, endOfTierDrop: boolean, ctx: EvalContext, trace: TraceSink | undefined): Decider | undefined {
    let start = 0;
    for (const span of program.tiers) {
      const tier = span.tier;
      if (trace) trace({ kind: 'tier', direction, tier: tier.name, policies: span.policies });
      const acted = this.firstActing(direction, program.sites, start, span.end, ctx, trace);
      start = span.end;
      if (acted === PASSED) continue;
      if (acted !== undefined) return acted;
      if (!endOfTierDrop) continue;
      if (trace) trace({ kind: 'tier-default', direction, tier: tier.name, action: tier.defaultAction });
      if (tier.defaultAction === 'Deny') return span.endOfTier;
    }
    return undefined;
  }

  private undecidableAt(site: RuleSite, reason: string): Decider {
    let byReason = this.undecidable.get(site);
    if (byReason === undefined) this.undecidable.set(site, (byReason = new Canonical()));
    return byReason.get(reason, (r) => ({ kind: 'undecidable', ...site.ref, reason: r }));
  }

  /**
   * The endpoint's profiles in order (engine/subject.ts PodProfiles: a Kubernetes pod's namespace profile
   * `kns.<ns>` allows everything, its service-account profile only carries labels), a loaded one by its rules
   * (engine/profiles.ts); none that decides means deny (host endpoints are default deny, and Felix drops what no
   * profile of a workload accepted). A profile neither Calico's own nor loaded makes the direction unknown.
   */
  private profilesOf(direction: Direction, cls: EndpointClass, ctx: EvalContext, trace: TraceSink | undefined): Decider {
    const e = cls.owner;
    if (trace) trace({ kind: 'profiles', direction, profiles: e.profiles });
    for (const profile of e.profiles) {
      if (allowsEverything(profile)) return this.profiles.get(profile, profileDecider);
      // The service-account profile only carries labels.
      if (isPodProfile(profile)) continue;
      const loaded = this.loadedProfiles.get(profile);
      if (loaded === undefined) return this.unknownProfiles.get(profile, unknownProfileDecider);
      const decider = this.profileRules(direction, loaded, ctx, trace);
      if (decider !== undefined) return decider;
    }
    // Felix drops what no profile accepted, on a workload as on a host endpoint.
    return e.kind === 'pod' ? WORKLOAD_DEFAULT_DENY : this.hostDefaultDeny.get(e.key, hostDefaultDenyDecider);
  }

  /**
   * A profile's rules for the direction: the decider of the first Allow or Deny that matches, else undefined (a
   * Pass returns from the profile's chain without accepting, as no match does: the endpoint's goes on).
   */
  private profileRules(direction: Direction, profile: CompiledProfile, ctx: EvalContext, trace: TraceSink | undefined): Decider | undefined {
    const sites = profile.sites(direction);
    const acted = this.firstActing(direction, sites, 0, sites.length, ctx, trace);
    return acted === PASSED ? undefined : acted;
  }

  /**
   * The first rule of `sites[from, end)` that acts: its decider (Allow, Deny, or an undecidable match), PASSED for
   * a Pass (on the path), undefined when none does. Log rules that match go on the path and never act.
   */
  private firstActing(
    direction: Direction,
    sites: readonly RuleSite[],
    from: number,
    end: number,
    ctx: EvalContext,
    trace: TraceSink | undefined,
  ): Decider | typeof PASSED | undefined {
    for (let i = from; i < end; i++) {
      const site = sites[i]!;
      const m = site.rule.match(ctx);
      if (m === NO) continue;
      if (trace) trace(ruleEvent(direction, site, m, ctx.reason));
      const outcome = site.outcome;
      if (outcome.kind === 'step' && outcome.step.action === 'Log') {
        if (m === YES) this.path[this.pathLength++] = outcome.step;
        continue;
      }
      if (m === UNKNOWN) return this.undecidableAt(site, ctx.reason);
      if (outcome.kind === 'decide') return outcome.decider;
      this.path[this.pathLength++] = outcome.step;
      return PASSED;
    }
    return undefined;
  }
}

/**
 * The program for the flow's protocol and port; a traced evaluation runs the full one, so the trace shows every
 * rule that matched.
 */
function programFor(programs: EndpointPrograms, direction: Direction, ctx: EvalContext, trace: TraceSink | undefined): DirectionProgram {
  return trace ? programs.full(direction) : programs.for(direction, ctx.proto, ctx.dstPort);
}

function noEndpointText(side: Side): string {
  if (side.mayBeEndpoint) return `unresolved ${side.role}`;
  return `no endpoint (the ${side.role} is ${side.kind === 'address' ? 'an address' : 'unresolved'})`;
}

function triText(t: Tri): 'yes' | 'no' | 'unknown' {
  return t === YES ? 'yes' : t === NO ? 'no' : 'unknown';
}

function ruleEvent(direction: Direction, site: RuleSite, m: Tri, reason: string): TraceEvent {
  const event = { kind: 'rule', direction, ...site.ref, action: site.rule.action } as const;
  return m === YES ? { ...event, match: 'yes' } : { ...event, match: 'unknown', reason };
}

const profileDecider = (profile: string): Decider => ({ kind: 'profile', profile });
const hostDefaultDenyDecider = (endpoint: string): Decider => ({ kind: 'host-default-deny', endpoint });
const unknownProfileDecider = (profile: string): Decider => ({
  kind: 'unknown-profile',
  profile,
  reason: `profile "${profile}" is not among the loaded Profile resources`,
});
const failsafeDecider = (key: number): Decider => ({
  kind: 'failsafe',
  protocol: Math.floor(key / 65536),
  port: key % 65536,
});
