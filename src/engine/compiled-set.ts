/**
 * A policy set compiled for evaluation: rules compiled to checks once, peer matchers shared by canonical
 * selector text, policies sorted once, the CIDRs it mentions cut into address classes (engine/address-space.ts);
 * per endpoint class (engine/subject.ts), on its first use, the policies that apply and the rule programs they
 * make (narrowed per protocol and port, engine/program.ts); verdicts cached by (class, address class) of both
 * sides, protocol and port (engine/cache.ts) and interned (engine/verdicts.ts).
 *
 * Contract with the inventory: an endpoint id names one immutable endpoint state, peers are immutable (the
 * engine remembers a side's cache key per peer slot, inventory/peers.ts), and the ClusterView does not change under a compiled
 * set. When the inventory changes labels, ports or IPs, it issues new ids or the caller compiles a new set.
 */
import type { FlowRecord } from '../flows/record.js';
import type { ClusterView, Endpoint, Peer } from '../inventory/endpoint.js';
import {
  BUILTIN_TIERS,
  type Cidr,
  type Direction,
  type EntityMatch,
  type Origin,
  type Policy,
  type PolicySet,
  type Rule,
  type RuleAction,
} from '../policy/model.js';
import { AddressSpace } from './address-space.js';
import {
  type AppliedTier,
  CompiledPolicy,
  type CompiledTier,
  comparePolicies,
  compareText,
  PolicyIndex,
  resolveTier,
} from './applicable.js';
import { type CacheStats, MISS, VerdictCache } from './cache.js';
import { EvalContext, type Side } from './context.js';
import { DirectionEvaluator } from './direction.js';
import { EndpointIndex, HOST_NETWORK } from './endpoint-index.js';
import { FailsafeConfig } from './failsafe.js';
import { EndpointToHostConfig, HOST_TO_WORKLOAD, LocalPaths } from './local-host.js';
import { PeerMatcher } from './peer-match.js';
import { PeerSides } from './peer-sides.js';
import { HostStages } from './host-stages.js';
import { CompiledProfile, PROFILE_TIER } from './profiles.js';
import { EndpointPrograms } from './program.js';
import { ServiceMatches } from './services.js';
import { SideKeys } from './side-keys.js';
import { type EndpointClass, NetworkSetSubject } from './subject.js';
import type { TraceEvent, TraceSink } from './trace.js';
import type { Verdict } from './verdict.js';
import { VerdictInterner } from './verdicts.js';

export interface EngineOptions {
  /**
   * Budget of the verdict cache in bytes; reaching it empties the cache. Default 16 MiB: room for 500,000
   * primary keys, while flows between the replicas of two workloads share one key whatever their pod IPs.
   */
  readonly maxCacheBytes?: number;
}

/** A policy the set evaluates, by the names verdicts give it, with its rules in the directions it applies to. */
export interface ListedPolicy {
  readonly tier: string;
  /** Display name (engine/policy-name.ts), as RuleRef `policy`. */
  readonly policy: string;
  /** Undefined in a direction the policy does not apply to. */
  readonly ingress: readonly ListedRule[] | undefined;
  readonly egress: readonly ListedRule[] | undefined;
}

export interface ListedRule {
  /** As RuleRef `rule`. */
  readonly index: number;
  readonly action: RuleAction;
  readonly origin: Origin | undefined;
}

/** The policies of one tier that apply to an endpoint in one direction, by display name, in order. */
export interface TierPolicies {
  readonly tier: string;
  readonly policies: readonly string[];
}

export interface Explanation {
  /** The same (shared) object `evaluate` returns for this flow. */
  readonly verdict: Verdict;
  /** Evaluation events, egress first. */
  readonly trace: readonly TraceEvent[];
}

export interface CompiledPolicySet {
  /** Egress at the source endpoint, ingress at the destination endpoint, combined (spec sections 1 and 4). */
  evaluate(flow: FlowRecord, src: Peer, dst: Peer): Verdict;
  /** `out[i] = evaluate(flows[i].record, src[i], dst[i])` for each flow of a batch, in order; faster. */
  evaluateBatch(flows: readonly { readonly record: FlowRecord }[], src: readonly Peer[], dst: readonly Peer[], out: Verdict[]): void;
  /** The same evaluation with a trace of how each direction was decided; bypasses the cache. */
  explain(flow: FlowRecord, src: Peer, dst: Peer): Explanation;
  /** Which policies apply to the endpoint in that direction, tier by tier in evaluation order. */
  applicablePolicies(endpoint: Endpoint, direction: Direction): readonly TierPolicies[];
  /** The same, as the set's policies themselves, in evaluation order. */
  policiesAt(endpoint: Endpoint, direction: Direction): readonly Policy[];
  /**
   * Every policy the set evaluates, in evaluation order (doNotTrack, preDNAT, then the others), then its Profiles
   * by name (tier `(profile)`).
   */
  listPolicies(): readonly ListedPolicy[];
  cacheStats(): CacheStats;
}

/** evaluateBatch's mark of a flow decided one by one (side numbers are ≥ 0). */
const NO_SIDE = -1;

export function compilePolicySet(set: PolicySet, cluster: ClusterView, options: EngineOptions = {}): CompiledPolicySet {
  return new PolicySetEvaluator(set, cluster, options);
}

class PolicySetEvaluator implements CompiledPolicySet {
  private readonly space: AddressSpace;
  private readonly sides: SideKeys;
  private readonly endpoints: EndpointIndex;
  private readonly peerSides = new PeerSides();
  /** In evaluation order. */
  private readonly policies: readonly CompiledPolicy[];
  private readonly index: PolicyIndex;
  /** The doNotTrack and preDNAT policies, which host endpoints run before the normal ones. */
  private readonly stages: HostStages;
  /** By name, sorted by name (the order coverage lists them in). */
  private readonly profiles: ReadonlyMap<string, CompiledProfile>;
  private readonly interner = new VerdictInterner();
  private readonly cache: VerdictCache;
  private readonly directions: DirectionEvaluator;
  private readonly endpointToHost: EndpointToHostConfig;
  private readonly localPaths = new LocalPaths();
  /** Reused for every evaluation: the engine is synchronous and never re-entered. */
  private readonly ctx: EvalContext;
  /** evaluateBatch's source side, destination side and cache answer, three a flow, reused batch after batch. */
  private batchSides = new Int32Array(0);

  constructor(set: PolicySet, cluster: ClusterView, options: EngineOptions) {
    for (const p of set.policies) {
      if (p.staged !== null) {
        throw new Error(`engine: policy ${p.id} is staged (${p.staged}); compile a resolved view of the set`);
      }
    }
    const services = new ServiceMatches(set, cluster);
    const space = new AddressSpace([...cidrsOf(set), ...services.cidrs()]);
    this.space = space;
    this.sides = new SideKeys(space.classCount + 1);
    this.endpoints = new EndpointIndex(cluster, set.profiles, space, this.sides);
    const networkSets = set.networkSets.map((s) => new NetworkSetSubject(s, cluster));
    const matchers = new Map<string, PeerMatcher>();
    const peers = (entity: EntityMatch): PeerMatcher => {
      const key = PeerMatcher.key(entity);
      let m = matchers.get(key);
      if (m === undefined) matchers.set(key, (m = new PeerMatcher(entity, networkSets, space)));
      return m;
    };
    const tiers = new Map<string, CompiledTier>();
    const tierOf = (name: string): CompiledTier => {
      let t = tiers.get(name);
      if (t === undefined) tiers.set(name, (t = resolveTier(name, set.tiers, BUILTIN_TIERS)));
      return t;
    };
    const compiled = (policies: readonly Policy[]): CompiledPolicy[] =>
      policies.map((p) => new CompiledPolicy(p, tierOf(p.tier), peers, space, services)).sort(comparePolicies);
    // preDNAT and doNotTrack policies act before the normal ones, at host endpoints only (engine/host-stages.ts).
    this.policies = compiled(set.policies.filter((p) => !p.preDNAT && !p.doNotTrack));
    this.index = new PolicyIndex(this.policies);
    this.stages = new HostStages(compiled(set.policies.filter((p) => p.doNotTrack)), compiled(set.policies.filter((p) => p.preDNAT)));
    const byName = [...set.profiles.values()].sort((a, b) => compareText(a.name, b.name));
    this.profiles = new Map(byName.map((p) => [p.name, new CompiledProfile(p, peers, space, services)]));
    this.cache = new VerdictCache(options.maxCacheBytes ?? 16 * 1024 * 1024, services.epochOf);
    this.directions = new DirectionEvaluator(
      this.interner,
      new FailsafeConfig(set.felix, space),
      (cls) => this.programsOf(cls),
      this.profiles,
      (cls) => this.stages.of(cls),
    );
    this.endpointToHost = new EndpointToHostConfig(set.felix);
    this.ctx = new EvalContext(space, services.epochOf);
  }

  evaluate(flow: FlowRecord, src: Peer, dst: Peer): Verdict {
    // The warm path handles numbers only: storing objects would cost write barriers that touch cold memory.
    const srcSide = this.sideOf(src, flow.src_kind);
    const dstSide = this.sideOf(dst, flow.dst_kind);
    if (this.decidedAlone(srcSide, dstSide, src, dst)) return this.interner.verdict(this.decideAlone(flow, src, dst));
    return this.interner.verdict(this.cached(flow, src, dst, srcSide, dstSide));
  }

  /**
   * In passes over the batch: every flow's side numbers, then every flow's cache entry, then the flows the cache
   * did not answer, in order (so a verdict one of them stores answers the next alike). The lookups of one pass do
   * not wait for one another, so the CPU overlaps their cache misses, where flow after flow each lookup waited
   * for the work of the one before. A flow decided alone is marked by a source side of NO_SIDE.
   */
  evaluateBatch(flows: readonly { readonly record: FlowRecord }[], src: readonly Peer[], dst: readonly Peer[], out: Verdict[]): void {
    const n = flows.length;
    if (this.batchSides.length < 3 * n) this.batchSides = new Int32Array(3 * n);
    const b = this.batchSides;
    for (let i = 0; i < n; i++) {
      const record = flows[i]!.record;
      const s = src[i]!;
      const d = dst[i]!;
      const srcSide = this.sideOf(s, record.src_kind);
      const dstSide = this.sideOf(d, record.dst_kind);
      b[3 * i] = this.decidedAlone(srcSide, dstSide, s, d) ? NO_SIDE : srcSide;
      b[3 * i + 1] = dstSide;
    }
    const cache = this.cache;
    for (let i = 0; i < n; i++) {
      const srcSide = b[3 * i]!;
      b[3 * i + 2] = srcSide === NO_SIDE ? MISS : cache.peek(srcSide, b[3 * i + 1]!, flows[i]!.record);
    }
    for (let i = 0; i < n; i++) {
      const record = flows[i]!.record;
      const srcSide = b[3 * i]!;
      let id = b[3 * i + 2]!;
      if (srcSide === NO_SIDE) id = this.decideAlone(record, src[i]!, dst[i]!);
      else if (id !== MISS) cache.countHit();
      else id = this.cached(record, src[i]!, dst[i]!, srcSide, b[3 * i + 1]!);
      out[i] = this.interner.verdict(id);
    }
  }

  /**
   * A flow IP that is no IP is quoted in the reason, and a flow between a pod and its own node is decided unlike
   * one between the same sides on two nodes: such flows are decided one by one, without the cache.
   */
  private decidedAlone(srcSide: number, dstSide: number, src: Peer, dst: Peer): boolean {
    return srcSide < 0 || dstSide < 0 || this.localPaths.isLocal(src, dst);
  }

  private decideAlone(flow: FlowRecord, src: Peer, dst: Peer): number {
    return this.decide(this.prepare(flow, src, dst), undefined);
  }

  /** The verdict number the cache holds for the flow, or the one decided now and stored. */
  private cached(flow: FlowRecord, src: Peer, dst: Peer, srcSide: number, dstSide: number): number {
    let id = this.cache.get(srcSide, dstSide, flow);
    if (id === MISS) {
      const ctx = this.prepare(flow, src, dst);
      id = this.decide(ctx, undefined);
      this.cache.set(srcSide, dstSide, flow, id, ctx.deps);
    }
    return id;
  }

  explain(flow: FlowRecord, src: Peer, dst: Peer): Explanation {
    const trace: TraceEvent[] = [];
    const id = this.decide(this.prepare(flow, src, dst), (e) => trace.push(e));
    return { verdict: this.interner.verdict(id), trace };
  }

  applicablePolicies(endpoint: Endpoint, direction: Direction): readonly TierPolicies[] {
    return this.appliedAt(endpoint, direction).map((t) => ({ tier: t.tier.name, policies: t.policies.map((p) => p.name) }));
  }

  policiesAt(endpoint: Endpoint, direction: Direction): readonly Policy[] {
    return this.appliedAt(endpoint, direction).flatMap((t) => t.policies.map((p) => p.policy));
  }

  /**
   * The tiers of policies applying to the endpoint in that direction, a host endpoint's doNotTrack and preDNAT
   * ones first; none for a host-networked pod.
   */
  private appliedAt(endpoint: Endpoint, direction: Direction): readonly AppliedTier[] {
    const id = this.endpoints.classOf(endpoint.id, endpoint);
    if (id === HOST_NETWORK) return [];
    const cls = this.endpoints.classes[id]!;
    return [...this.stages.of(cls).flatMap((s) => s.programs.applied[direction]), ...this.programsOf(cls).applied[direction]];
  }

  listPolicies(): readonly ListedPolicy[] {
    const listed = (rules: readonly Rule[]): readonly ListedRule[] => rules.map((r) => ({ index: r.index, action: r.action, origin: r.origin }));
    const rules = (p: Policy, direction: Direction): readonly ListedRule[] | undefined => (p.types[direction] ? listed(p[direction]) : undefined);
    return [
      ...[...this.stages.policies, ...this.policies].map((p) => ({ tier: p.tier.name, policy: p.name, ingress: rules(p.policy, 'ingress'), egress: rules(p.policy, 'egress') })),
      ...[...this.profiles.values()].map(({ profile: p }) => ({ tier: PROFILE_TIER, policy: p.name, ingress: listed(p.ingress), egress: listed(p.egress) })),
    ];
  }

  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  /** The number of the verdict (engine/verdicts.ts). */
  private decide(ctx: EvalContext, trace: TraceSink | undefined): number {
    const local = ctx.local;
    const directions = this.directions;
    if (local?.path === 'host-to-workload') {
      const egress = directions.local('egress', ctx.src, ctx, HOST_TO_WORKLOAD, trace);
      return this.interner.combine(egress, directions.local('ingress', ctx.dst, ctx, HOST_TO_WORKLOAD, trace));
    }
    const egress = directions.decide('egress', ctx.src, ctx, trace);
    const ingress =
      local === undefined
        ? directions.decide('ingress', ctx.dst, ctx, trace)
        : directions.local('ingress', ctx.dst, ctx, this.endpointToHost.deciderFor(local.node), trace);
    return this.interner.combine(egress, ingress);
  }

  /** The context of an evaluation, for a flow the cache does not answer. */
  private prepare(flow: FlowRecord, src: Peer, dst: Peer): EvalContext {
    const ctx = this.ctx;
    ctx.begin(flow);
    this.assign(ctx.src, src, flow.src_kind);
    this.assign(ctx.dst, dst, flow.dst_kind);
    ctx.local = this.localPaths.of(src, dst);
    return ctx;
  }

  /** Fills a side from its side number and the peer it came from. */
  private assign(side: Side, peer: Peer, hint: FlowRecord['src_kind']): void {
    const number = this.sideOf(peer, hint);
    const identity = this.sides.identity(number);
    const address = this.sides.address(number);
    const ip = peer.kind === 'unresolved' ? undefined : peer.ip;
    if (identity >= 0 && peer.kind === 'endpoint') {
      const endpoints = this.endpoints;
      side.setEndpoint(peer.endpoint, endpoints.classes[identity]!, ip, address, endpoints.ownAddress(peer.endpoint.id));
    } else {
      side.setOther(identity, ip, address);
    }
  }

  /** A side's number in the cache key (engine/side-keys.ts): negative when the flow IP is no IP. */
  private sideOf(peer: Peer, hint: FlowRecord['src_kind']): number {
    switch (peer.kind) {
      case 'endpoint':
      case 'address': {
        const slot = peer.slot;
        if (slot >= 0) {
          const known = this.peerSides.get(slot);
          if (known !== undefined) return known;
        }
        const side = peer.kind === 'endpoint' ? this.endpoints.sideOf(peer) : this.sides.ofAddress(this.space.keyOfText(peer.ip));
        if (slot >= 0) this.peerSides.set(slot, side);
        return side;
      }
      case 'unresolved':
        return mayBeEndpoint(peer, hint) ? this.sides.unresolvedEndpoint : this.sides.unresolved;
    }
  }

  private programsOf(cls: EndpointClass): EndpointPrograms {
    return (cls.programs ??= new EndpointPrograms(this.index.applicable(cls), cls));
  }
}

/** An unresolved side that the flow says is a pod or host (or that has a namespace) may be an unknown endpoint. */
function mayBeEndpoint(peer: Extract<Peer, { kind: 'unresolved' }>, hint: FlowRecord['src_kind']): boolean {
  if (hint !== undefined) return hint === 'pod' || hint === 'host';
  return peer.namespace !== undefined;
}

/**
 * Every CIDR the set mentions: rule nets and notNets (policies' and profiles'), network sets, failsafe nets
 * (ServiceMatches adds Services').
 */
function* cidrsOf(set: PolicySet): Iterable<Cidr> {
  for (const s of set.networkSets) yield* s.nets;
  for (const c of set.felix) {
    for (const p of [...(c.failsafeInbound ?? []), ...(c.failsafeOutbound ?? [])]) if (p.net !== undefined) yield p.net;
  }
  for (const p of [...set.policies, ...set.profiles.values()]) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const e of [r.source, r.destination]) {
        if (e.nets !== undefined) yield* e.nets;
        if (e.notNets !== undefined) yield* e.notNets;
      }
    }
  }
}
