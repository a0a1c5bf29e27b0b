/**
 * A policy set compiled for evaluation: rules compiled to checks once, peer matchers shared by canonical
 * selector text, policies sorted once; per endpoint, on its first use, the policies that apply and the rule
 * programs they make (narrowed per protocol and port, engine/program.ts); verdicts cached (engine/cache.ts)
 * and interned (engine/verdicts.ts).
 *
 * Contract with the inventory: an endpoint id names one immutable endpoint state, and the ClusterView does not
 * change under a compiled set. When the inventory changes labels, ports or IPs, it issues new ids or the caller
 * compiles a new set.
 */
import type { FlowRecord } from '../flows/record.js';
import type { ClusterView, Endpoint, Peer } from '../inventory/endpoint.js';
import { BUILTIN_TIERS, type Direction, type EntityMatch, type PolicySet } from '../policy/model.js';
import {
  CompiledPolicy,
  type CompiledTier,
  comparePolicies,
  PolicyIndex,
  resolveTier,
} from './applicable.js';
import { type CacheStats, VerdictCache } from './cache.js';
import { DEP_DST_IP, DEP_SRC_IP, EvalContext, type Side } from './context.js';
import { DirectionEvaluator } from './direction.js';
import { DEFAULT_FAILSAFE_PORTS, type FailsafePorts, FailsafeTable } from './failsafe.js';
import { PeerMatcher } from './peer-match.js';
import { EndpointPrograms } from './program.js';
import { EndpointSubject, NetworkSetSubject } from './subject.js';
import type { TraceEvent, TraceSink } from './trace.js';
import type { Verdict } from './verdict.js';
import { VerdictInterner } from './verdicts.js';

export interface EngineOptions {
  /** FelixConfiguration failsafe ports; Felix's defaults when omitted. */
  readonly failsafe?: FailsafePorts;
  /** Bound on cached verdicts; the cache empties itself when it is reached. Default 1,000,000. */
  readonly maxCachedVerdicts?: number;
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
  /** The same evaluation with a trace of how each direction was decided; bypasses the cache. */
  explain(flow: FlowRecord, src: Peer, dst: Peer): Explanation;
  /** Which policies apply to the endpoint in that direction, tier by tier in evaluation order. */
  applicablePolicies(endpoint: Endpoint, direction: Direction): readonly TierPolicies[];
  cacheStats(): CacheStats;
}

export function compilePolicySet(set: PolicySet, cluster: ClusterView, options: EngineOptions = {}): CompiledPolicySet {
  return new PolicySetEvaluator(set, cluster, options);
}

/**
 * Cache identity of a side: `endpoint id * 4 + IP slot` for endpoints, the slot saying which of the endpoint's
 * own IPs the flow carries (0 none, 1 the first, 2 the second, 3 another one), so that for endpoints the IP is
 * part of the identity and needs no trie level; negative for sides that are no endpoint.
 */
const ADDRESS_KEY = -1;
const UNRESOLVED_KEY = -2;
const UNRESOLVED_ENDPOINT_KEY = -3;
const OTHER_IP_SLOT = 3;

class PolicySetEvaluator implements CompiledPolicySet {
  private readonly index: PolicyIndex;
  /** By endpoint id (dense ids make this a plain array). */
  private readonly subjects: (EndpointSubject | undefined)[] = [];
  private readonly interner = new VerdictInterner();
  private readonly cache: VerdictCache;
  private readonly directions: DirectionEvaluator;
  /** Reused for every evaluation: the engine is synchronous and never re-entered. */
  private readonly ctx = new EvalContext();
  private readonly fields: { flow: FlowRecord; srcIp: string | undefined; dstIp: string | undefined } = {
    flow: { proto: 0 },
    srcIp: undefined,
    dstIp: undefined,
  };

  constructor(
    set: PolicySet,
    private readonly cluster: ClusterView,
    options: EngineOptions,
  ) {
    for (const p of set.policies) {
      if (p.staged !== null) {
        throw new Error(`engine: policy ${p.id} is staged (${p.staged}); compile a resolved view of the set`);
      }
    }
    const networkSets = set.networkSets.map((s) => new NetworkSetSubject(s, cluster));
    const matchers = new Map<string, PeerMatcher>();
    const peers = (entity: EntityMatch): PeerMatcher => {
      const key = PeerMatcher.key(entity);
      let m = matchers.get(key);
      if (m === undefined) matchers.set(key, (m = new PeerMatcher(entity, networkSets)));
      return m;
    };
    const tiers = new Map<string, CompiledTier>();
    const tierOf = (name: string): CompiledTier => {
      let t = tiers.get(name);
      if (t === undefined) tiers.set(name, (t = resolveTier(name, set.tiers, BUILTIN_TIERS)));
      return t;
    };
    // preDNAT and doNotTrack policies act elsewhere in the packet path (engine/applicable.ts).
    const normal = set.policies.filter((p) => !p.preDNAT && !p.doNotTrack);
    const compiled = normal.map((p) => new CompiledPolicy(p, tierOf(p.tier), peers));
    this.index = new PolicyIndex(compiled.sort(comparePolicies));
    this.cache = new VerdictCache(options.maxCachedVerdicts ?? 1_000_000);
    this.directions = new DirectionEvaluator(
      this.interner,
      new FailsafeTable(options.failsafe ?? DEFAULT_FAILSAFE_PORTS),
      (ep) => this.programsOf(ep),
    );
  }

  evaluate(flow: FlowRecord, src: Peer, dst: Peer): Verdict {
    const srcKey = identity(src, flow.src_kind);
    const dstKey = identity(dst, flow.dst_kind);
    const fields = this.fields;
    fields.flow = flow;
    fields.srcIp = identityCoversIp(srcKey) ? undefined : peerIp(src);
    fields.dstIp = identityCoversIp(dstKey) ? undefined : peerIp(dst);
    const cached = this.cache.get(srcKey, dstKey, flow, fields);
    if (cached !== undefined) return cached;
    const ctx = this.prepare(flow, src, dst);
    const verdict = this.decide(ctx, undefined);
    let deps = ctx.deps;
    if (identityCoversIp(srcKey)) deps &= ~DEP_SRC_IP;
    if (identityCoversIp(dstKey)) deps &= ~DEP_DST_IP;
    this.cache.set(srcKey, dstKey, flow, fields, verdict, deps);
    return verdict;
  }

  explain(flow: FlowRecord, src: Peer, dst: Peer): Explanation {
    const trace: TraceEvent[] = [];
    const verdict = this.decide(this.prepare(flow, src, dst), (e) => trace.push(e));
    return { verdict, trace };
  }

  applicablePolicies(endpoint: Endpoint, direction: Direction): readonly TierPolicies[] {
    if (isHostNetwork(endpoint)) return [];
    return this.programsOf(this.subject(endpoint)).applied[direction].map((t) => ({
      tier: t.tier.name,
      policies: t.policies.map((p) => p.name),
    }));
  }

  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  private decide(ctx: EvalContext, trace: TraceSink | undefined): Verdict {
    const egress = this.directions.decide('egress', ctx.src, ctx, trace);
    const ingress = this.directions.decide('ingress', ctx.dst, ctx, trace);
    return this.interner.combine(egress, ingress);
  }

  private prepare(flow: FlowRecord, src: Peer, dst: Peer): EvalContext {
    const ctx = this.ctx;
    ctx.begin(flow);
    this.assign(ctx.src, src, flow.src_kind);
    this.assign(ctx.dst, dst, flow.dst_kind);
    return ctx;
  }

  private assign(side: Side, peer: Peer, hint: FlowRecord['src_kind']): void {
    switch (peer.kind) {
      case 'endpoint':
        // hostNetwork pods share the node's network namespace: not workload endpoints, just the node's address.
        if (!isHostNetwork(peer.endpoint)) side.assign('endpoint', this.subject(peer.endpoint), peer.ip, false);
        else side.assign(peer.ip === undefined ? 'unresolved' : 'address', undefined, peer.ip, false);
        return;
      case 'address':
        side.assign('address', undefined, peer.ip, false);
        return;
      case 'unresolved':
        side.assign('unresolved', undefined, undefined, mayBeEndpoint(peer, hint));
        return;
    }
  }

  private subject(endpoint: Endpoint): EndpointSubject {
    return (this.subjects[endpoint.id] ??= new EndpointSubject(endpoint, this.cluster));
  }

  private programsOf(ep: EndpointSubject): EndpointPrograms {
    return (ep.programs ??= new EndpointPrograms(this.index.applicable(ep)));
  }
}

function isHostNetwork(e: Endpoint): boolean {
  return e.kind === 'pod' && e.hostNetwork;
}

/** An unresolved side that the flow says is a pod or host (or that has a namespace) may be an unknown endpoint. */
function mayBeEndpoint(peer: Extract<Peer, { kind: 'unresolved' }>, hint: FlowRecord['src_kind']): boolean {
  if (hint !== undefined) return hint === 'pod' || hint === 'host';
  return peer.namespace !== undefined;
}

function identity(peer: Peer, hint: FlowRecord['src_kind']): number {
  switch (peer.kind) {
    case 'endpoint': {
      const e = peer.endpoint;
      if (isHostNetwork(e)) return peer.ip === undefined ? UNRESOLVED_KEY : ADDRESS_KEY;
      const ip = peer.ip;
      const slot = ip === undefined ? 0 : e.ips[0] === ip ? 1 : e.ips[1] === ip ? 2 : OTHER_IP_SLOT;
      return e.id * 4 + slot;
    }
    case 'address':
      return ADDRESS_KEY;
    case 'unresolved':
      return mayBeEndpoint(peer, hint) ? UNRESOLVED_ENDPOINT_KEY : UNRESOLVED_KEY;
  }
}

/** Whether the identity determines the IP a rule would read (an endpoint with one of its own IPs, or none). */
function identityCoversIp(key: number): boolean {
  return key >= 0 && key % 4 !== OTHER_IP_SLOT;
}

function peerIp(peer: Peer): string | undefined {
  return peer.kind === 'unresolved' ? undefined : peer.ip;
}
