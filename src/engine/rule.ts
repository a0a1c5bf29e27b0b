/**
 * A rule compiled once into a list of checks, cheapest and most decisive first (api/pkg/apis/projectcalico/v3/
 * policy_common.go: every field present must hold). A rule matches when every check holds; it does not match as
 * soon as one check fails; otherwise, when some check cannot be decided from the flow (or the rule is L7 /
 * otherwise undecidable), its match is unknown. Checks that fail early spare the later ones, so the verdict cache
 * records fewer flow fields as dependencies.
 *
 * Each endpoint class runs only the rules that could match at it (engine/program.ts): `admitsLocal` rules out,
 * once per class, rules whose conditions on the endpoint itself fail (the source side at egress, the destination
 * side at ingress), and `couldMatch` rules out, once per (class, protocol, destination port), rules that no flow
 * of that protocol and port can match.
 */
import type { NamedPort } from '../inventory/endpoint.js';
import type { Direction, EntityMatch, IcmpMatch, PortMatch, Rule, RuleAction } from '../policy/model.js';
import { type AddressSpace, CidrSet } from './address-space.js';
import { type EvalContext, NO, type Side, type Tri, UNKNOWN, YES } from './context.js';
import type { PeerMatcher } from './peer-match.js';
import type { ServiceMatches } from './services.js';
import type { EndpointClass } from './subject.js';

type Check = (ctx: EvalContext) => Tri;

const ICMP = 1;
const ICMPV6 = 58;

/** Shares PeerMatchers between rules whose sides name the same peers (the same selectors, scope, accounts). */
export type PeerMatcherTable = (entity: EntityMatch) => PeerMatcher;

export class CompiledRule {
  readonly index: number;
  readonly action: RuleAction;
  private readonly protocol: number | undefined;
  private readonly notProtocol: number | undefined;
  private readonly needsIcmp: boolean;
  private readonly checks: readonly Check[];
  private readonly undecidable: string | undefined;
  /** Destination port ranges as [min, max, min, max...]; undefined when absent or when a named port is listed. */
  private readonly dstRanges: readonly number[] | undefined;
  private readonly dstNotRanges: readonly number[] | undefined;
  /** Destination ports with a named one among them: at ingress they resolve on the class itself. */
  private readonly dstNamedPorts: readonly PortMatch[] | undefined;
  private readonly dstNamedNotPorts: readonly PortMatch[] | undefined;
  /** The matchers of each side's identity, when they constrain. */
  private readonly srcPeer: PeerMatcher | undefined;
  private readonly dstPeer: PeerMatcher | undefined;

  constructor(rule: Rule, peers: PeerMatcherTable, space: AddressSpace, services: ServiceMatches) {
    this.index = rule.index;
    this.action = rule.action;
    this.protocol = rule.protocol;
    this.notProtocol = rule.notProtocol;
    this.needsIcmp = rule.icmp !== undefined;
    const portProtocol = rule.protocol;
    const src = rule.source;
    const dst = rule.destination;
    const checks: Check[] = [];
    // Checks that read only the cache's primary key (destination port, identities, addresses) come first;
    // src_port and ICMP fields, which the cache keys only when read, last. The order also decides which
    // unknown reason a rule reports, so it is part of the behaviour.
    addPortChecks(checks, dst, 'destination', portProtocol);
    this.srcPeer = addPeerCheck(checks, src, 'source', peers);
    this.dstPeer = addPeerCheck(checks, dst, 'destination', peers);
    addNetChecks(checks, src, 'source', space);
    addNetChecks(checks, dst, 'destination', space);
    if (src.services !== undefined) checks.push(services.sourceCheck(src.services, space));
    if (dst.services !== undefined) checks.push(services.destinationCheck(dst.services, space));
    addPortChecks(checks, src, 'source', portProtocol);
    if (rule.ipVersion !== undefined) checks.push(ipVersionCheck(rule.ipVersion));
    if (rule.icmp !== undefined) checks.push(icmpCheck(rule.icmp, false));
    if (rule.notICMP !== undefined) checks.push(icmpCheck(rule.notICMP, true));
    this.checks = checks;
    this.undecidable = rule.undecidable;
    this.dstRanges = rangesOnly(dst.ports);
    this.dstNotRanges = rangesOnly(dst.notPorts);
    this.dstNamedPorts = this.dstRanges === undefined ? dst.ports : undefined;
    this.dstNamedNotPorts = this.dstNotRanges === undefined ? dst.notPorts : undefined;
  }

  /** False when no endpoint of the class can meet the rule's conditions on the endpoint enforcing `direction`. */
  admitsLocal(direction: Direction, cls: EndpointClass): boolean {
    const own = direction === 'egress' ? this.srcPeer : this.dstPeer;
    return own === undefined || own.admitsClass(cls);
  }

  /**
   * False when the rule cannot match any flow of this protocol and destination port at an endpoint of the class
   * enforcing `direction`, whatever else the flow carries (protocol, notProtocol, ICMP, numeric destination
   * ports; at ingress also named destination ports, which resolve on the class): lets a class's rule list be
   * narrowed once per (protocol, port) instead of testing these on every evaluation.
   */
  couldMatch(direction: Direction, cls: EndpointClass, proto: number, dstPort: number | undefined): boolean {
    if (!this.admitsProtocol(proto)) return false;
    if (dstPort !== undefined) {
      if (this.dstRanges !== undefined && !inRanges(this.dstRanges, dstPort)) return false;
      if (this.dstNotRanges !== undefined && inRanges(this.dstNotRanges, dstPort)) return false;
    }
    if (direction === 'egress') return true;
    const protocol = this.protocol ?? proto;
    if (this.dstNamedPorts !== undefined && anyPortOf(this.dstNamedPorts, cls.namedPorts, protocol, dstPort) === NO) {
      return false;
    }
    return this.dstNamedNotPorts === undefined || anyPortOf(this.dstNamedNotPorts, cls.namedPorts, protocol, dstPort) !== YES;
  }

  match(ctx: EvalContext): Tri {
    if (!this.admitsProtocol(ctx.proto)) return NO;
    let reason: string | undefined;
    for (const check of this.checks) {
      const r = check(ctx);
      if (r === NO) return NO;
      if (r === UNKNOWN && reason === undefined) reason = ctx.reason;
    }
    if (reason === undefined && this.undecidable !== undefined) reason = this.undecidable;
    if (reason === undefined) return YES;
    ctx.reason = reason;
    return UNKNOWN;
  }

  private admitsProtocol(proto: number): boolean {
    if (this.protocol !== undefined && proto !== this.protocol) return false;
    if (this.notProtocol !== undefined && proto === this.notProtocol) return false;
    // An icmp match implies an ICMP protocol: ICMP rules never match TCP flows (spec 9.10).
    return !this.needsIcmp || proto === ICMP || proto === ICMPV6;
  }
}

function rangesOnly(ports: readonly PortMatch[] | undefined): readonly number[] | undefined {
  if (ports === undefined || ports.some((p) => p.kind === 'named')) return undefined;
  return ports.flatMap((p) => (p.kind === 'range' ? [p.min, p.max] : []));
}

function inRanges(ranges: readonly number[], port: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (port >= ranges[i]! && port <= ranges[i + 1]!) return true;
  return false;
}

/** Adds the identity check of a side, if it constrains, and returns its matcher. */
function addPeerCheck(
  checks: Check[],
  entity: EntityMatch,
  role: 'source' | 'destination',
  peers: PeerMatcherTable,
): PeerMatcher | undefined {
  const matcher = peers(entity);
  if (!matcher.constrains) return undefined;
  checks.push(role === 'source' ? (ctx) => matcher.match(ctx.src, ctx) : (ctx) => matcher.match(ctx.dst, ctx));
  return matcher;
}

function addNetChecks(checks: Check[], entity: EntityMatch, role: 'source' | 'destination', space: AddressSpace) {
  const side = (ctx: EvalContext): Side => (role === 'source' ? ctx.src : ctx.dst);
  if (entity.nets !== undefined) {
    const nets = new CidrSet(space, entity.nets);
    const what = `${role}.nets`;
    checks.push((ctx) => ctx.addressIn(side(ctx), nets, what));
  }
  if (entity.notNets !== undefined) {
    const notNets = new CidrSet(space, entity.notNets);
    const what = `${role}.notNets`;
    checks.push((ctx) => not(ctx.addressIn(side(ctx), notNets, what)));
  }
}

function addPortChecks(checks: Check[], entity: EntityMatch, role: 'source' | 'destination', protocol?: number) {
  const port = (ctx: EvalContext) => (role === 'source' ? ctx.srcPort() : ctx.dstPort);
  const side = (ctx: EvalContext): Side => (role === 'source' ? ctx.src : ctx.dst);
  if (entity.ports !== undefined) {
    const ports = entity.ports;
    checks.push((ctx) => anyPort(ports, side(ctx), port(ctx), protocol ?? ctx.proto, ctx));
  }
  if (entity.notPorts !== undefined) {
    const notPorts = entity.notPorts;
    checks.push((ctx) => not(anyPort(notPorts, side(ctx), port(ctx), protocol ?? ctx.proto, ctx)));
  }
}

/** Whether the flow's port on `side` is one of `ports` (three-valued OR). */
function anyPort(
  ports: readonly PortMatch[],
  side: Side,
  port: number | undefined,
  protocol: number,
  ctx: EvalContext,
): Tri {
  let result: Tri = NO;
  for (const p of ports) {
    const r =
      p.kind === 'range' ? inRange(p.min, p.max, port, side, ctx) : namedPort(p.name, protocol, port, side, ctx);
    if (r === YES) return YES;
    if (r === UNKNOWN) result = UNKNOWN;
  }
  return result;
}

function inRange(min: number, max: number, port: number | undefined, side: Side, ctx: EvalContext): Tri {
  if (port === undefined) return ctx.unknown(`${side.role}.ports needs ${portField(side)}, which the flow lacks`);
  return port >= min && port <= max ? YES : NO;
}

/**
 * A named port resolves on the endpoint of the side it is written on, and matches only a port of that name and
 * the rule's protocol (spec 9.8, 9.14); an address that is no endpoint has no named ports.
 */
function namedPort(name: string, protocol: number, port: number | undefined, side: Side, ctx: EvalContext): Tri {
  if (side.kind === 'unresolved') return ctx.unknown(`${side.role}.ports "${name}": the ${side.role} is unresolved`);
  if (side.cls === undefined) return NO;
  const r = namedPortOf(name, side.cls.namedPorts, protocol, port);
  return r === UNKNOWN ? ctx.unknown(`${side.role}.ports "${name}" needs ${portField(side)}, which the flow lacks`) : r;
}

/** A named port against an endpoint's named ports: unknown when declared but the flow lacks the port. */
function namedPortOf(name: string, declared: readonly NamedPort[], protocol: number, port: number | undefined): Tri {
  let found = false;
  for (const np of declared) {
    if (np.name !== name || np.protocol !== protocol) continue;
    found = true;
    if (port !== undefined && np.port === port) return YES;
  }
  return !found || port !== undefined ? NO : UNKNOWN;
}

/** `anyPort` on an endpoint known in advance (the class at ingress), without reasons. */
function anyPortOf(ports: readonly PortMatch[], declared: readonly NamedPort[], protocol: number, port: number | undefined): Tri {
  let result: Tri = NO;
  for (const p of ports) {
    const r =
      p.kind === 'named'
        ? namedPortOf(p.name, declared, protocol, port)
        : port === undefined
          ? UNKNOWN
          : port >= p.min && port <= p.max
            ? YES
            : NO;
    if (r === YES) return YES;
    if (r === UNKNOWN) result = UNKNOWN;
  }
  return result;
}

function portField(side: Side): string {
  return side.role === 'source' ? 'src_port' : 'dst_port';
}

function ipVersionCheck(version: 4 | 6): Check {
  return (ctx) => {
    const family = ctx.family();
    if (family === undefined) return ctx.unknown('ipVersion needs an IP, which the flow lacks');
    return family === version ? YES : NO;
  };
}

/** `icmp` holds when type and code (where given) equal the flow's; `notICMP` is its negation. */
function icmpCheck(m: IcmpMatch, negate: boolean): Check {
  const what = negate ? 'notICMP' : 'icmp';
  return (ctx) => {
    if (ctx.proto !== ICMP && ctx.proto !== ICMPV6) return negate ? YES : NO;
    let r: Tri = YES;
    if (m.type !== undefined) {
      const type = ctx.icmpType();
      if (type === undefined) r = ctx.unknown(`${what} needs icmp_type, which the flow lacks`);
      else if (type !== m.type) return negate ? YES : NO;
    }
    if (m.code !== undefined) {
      const code = ctx.icmpCode();
      if (code === undefined) r = ctx.unknown(`${what} needs icmp_code, which the flow lacks`);
      else if (code !== m.code) return negate ? YES : NO;
    }
    return negate ? not(r) : r;
  };
}

function not(t: Tri): Tri {
  return t === YES ? NO : t === NO ? YES : UNKNOWN;
}
