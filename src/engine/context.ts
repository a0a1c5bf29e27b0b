/**
 * The state of one evaluation: the flow, its two sides, and which flow fields outside the cache's primary key the
 * evaluation read, so the cache keys the result by exactly those (engine/cache.ts). Matching is three-valued: a
 * condition holds, fails, or cannot be decided from what the flow carries. Evaluation is synchronous and never
 * re-entered, so one context (and its two sides) is reused for every flow.
 */
import type { FlowRecord } from '../flows/record.js';
import type { Endpoint } from '../inventory/endpoint.js';
import { type AddressSpace, type CidrSet, NO_ADDRESS, NOT_AN_ADDRESS } from './address-space.js';
import type { LocalPathAt } from './local-host.js';
import type { EndpointClass } from './subject.js';

export const NO = 0;
export const YES = 1;
export const UNKNOWN = 2;
export type Tri = typeof NO | typeof YES | typeof UNKNOWN;

/**
 * Flow fields outside the cache's primary key (both sides' identity and address key, proto, dst_port). IPs are
 * not among them: every IP condition is decided by the address key (engine/address-space.ts).
 */
export const DEP_SRC_PORT = 1;
export const DEP_ICMP_TYPE = 2;
export const DEP_ICMP_CODE = 4;
/** The flow's time, as the epoch of the Services' endpoints it falls in (engine/services.ts). */
export const DEP_SERVICE_EPOCH = 8;

/** Side identities of sides that are no endpoint (endpoints have their class id, from 0). */
export const ADDRESS_SIDE = -1;
export const UNRESOLVED_SIDE = -2;
export const UNRESOLVED_ENDPOINT_SIDE = -3;

export type SideRole = 'source' | 'destination';
export type SideKind = 'endpoint' | 'address' | 'unresolved';

/**
 * One side of the flow as rules see it.
 * - `endpoint`: a workload or host endpoint (labels, named ports, own IPs from the inventory);
 * - `address`: an IP that is no endpoint (rule selectors can match it only through network sets);
 * - `unresolved`: neither an endpoint nor an IP, so anything about its identity is unknown; `mayBeEndpoint`
 *   when the flow names a pod or host the inventory does not know.
 */
export class Side {
  kind: SideKind = 'unresolved';
  /** Endpoint sides only (both set, or neither). */
  endpoint: Endpoint | undefined = undefined;
  cls: EndpointClass | undefined = undefined;
  /** The IP the flow gives for this side, if any. */
  ip: string | undefined = undefined;
  /** Address key of `ip`: NO_ADDRESS without one, NOT_AN_ADDRESS when it is no IP. */
  flowAddress = NO_ADDRESS;
  /** Address key of an endpoint's own IPs; NO_ADDRESS for other sides or an endpoint without IPs. */
  ownAddress = NO_ADDRESS;
  mayBeEndpoint = false;
  /** The side's part of the cache key: class id, or one of the *_SIDE codes. */
  identity = UNRESOLVED_SIDE;

  constructor(readonly role: SideRole) {}

  /** `address` is the side's address key: the flow IP's when there is one, else the own IPs'. */
  setEndpoint(endpoint: Endpoint, cls: EndpointClass, ip: string | undefined, address: number, ownAddress: number): void {
    this.kind = 'endpoint';
    this.endpoint = endpoint;
    this.cls = cls;
    this.ip = ip;
    this.flowAddress = ip === undefined ? NO_ADDRESS : address;
    this.ownAddress = ownAddress;
    this.identity = cls.id;
    this.mayBeEndpoint = false;
  }

  /** A side that is no endpoint, by its identity (one of the *_SIDE codes). */
  setOther(identity: number, ip: string | undefined, flowAddress: number): void {
    this.kind = identity === ADDRESS_SIDE ? 'address' : 'unresolved';
    this.endpoint = undefined;
    this.cls = undefined;
    this.ip = ip;
    this.flowAddress = flowAddress;
    this.ownAddress = NO_ADDRESS;
    this.identity = identity;
    this.mayBeEndpoint = identity === UNRESOLVED_ENDPOINT_SIDE;
  }

}

export class EvalContext {
  flow: FlowRecord = { proto: 0 };
  /** DEP_* bits of the flow fields this evaluation read. */
  deps = 0;
  /** Why the last condition that returned UNKNOWN could not be decided. */
  reason = '';
  readonly src = new Side('source');
  readonly dst = new Side('destination');
  /** Set when the flow runs between a pod and its own node (engine/local-host.ts). */
  local: LocalPathAt | undefined = undefined;

  constructor(
    private readonly space: AddressSpace,
    /** ServiceMatches.epochOf. */
    private readonly epochOf: (time: number | undefined) => number,
  ) {}

  begin(flow: FlowRecord): void {
    this.flow = flow;
    this.deps = 0;
    this.reason = '';
  }

  get proto(): number {
    return this.flow.proto;
  }

  /** Part of the cache's primary key, so reading it records no dependency. */
  get dstPort(): number | undefined {
    return this.flow.dst_port;
  }

  srcPort(): number | undefined {
    this.deps |= DEP_SRC_PORT;
    return this.flow.src_port;
  }

  icmpType(): number | undefined {
    this.deps |= DEP_ICMP_TYPE;
    return this.flow.icmp_type;
  }

  icmpCode(): number | undefined {
    this.deps |= DEP_ICMP_CODE;
    return this.flow.icmp_code;
  }

  serviceEpoch(): number {
    this.deps |= DEP_SERVICE_EPOCH;
    return this.epochOf(this.flow.time);
  }

  unknown(reason: string): Tri {
    this.reason = reason;
    return UNKNOWN;
  }

  /**
   * Whether the side's address lies in `cidrs`. Without a flow IP, an endpoint's own IPs decide when they all
   * agree (a pod with one IP); otherwise the answer is unknown. `what` names the condition for the reason.
   */
  addressIn(side: Side, cidrs: CidrSet, what: string): Tri {
    if (side.ip !== undefined) {
      if (side.flowAddress === NOT_AN_ADDRESS) return this.unknown(`${what}: ${side.role} IP "${side.ip}" is not an IP address`);
      return cidrs.containsClass(side.flowAddress - 1) ? YES : NO;
    }
    if (side.ownAddress !== NO_ADDRESS) {
      const own = this.space.ownClasses(side.ownAddress);
      let inside = 0;
      for (const cls of own) if (cidrs.containsClass(cls)) inside++;
      if (inside === own.length) return YES;
      if (inside === 0) return NO;
    }
    return this.unknown(`${what} needs the ${side.role} IP, which the flow lacks`);
  }

  /** The flow's IP family, from the flow IPs or else from the endpoints' own IPs when those agree. */
  family(): 4 | 6 | undefined {
    const flowFamily = this.flowFamily(this.src) ?? this.flowFamily(this.dst);
    if (flowFamily !== undefined) return flowFamily;
    let family: 4 | 6 | undefined;
    for (const own of [this.src.ownAddress, this.dst.ownAddress]) {
      if (own === NO_ADDRESS) continue;
      for (const cls of this.space.ownClasses(own)) {
        const f = this.space.family(cls);
        if (family !== undefined && family !== f) return undefined;
        family = f;
      }
    }
    return family;
  }

  private flowFamily(side: Side): 4 | 6 | undefined {
    const key = side.flowAddress;
    return side.ip === undefined || key === NOT_AN_ADDRESS ? undefined : this.space.family(key - 1);
  }
}
