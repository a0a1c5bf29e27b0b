/**
 * The state of one evaluation (one verdict-cache miss): the flow, its two sides, and which flow fields outside
 * the cache's primary key the evaluation read, so the cache keys the result by exactly those (engine/cache.ts).
 * Matching is three-valued: a condition holds, fails, or cannot be decided from what the flow carries.
 * Evaluation is synchronous and never re-entered, so one context (and its two sides) is reused for every miss.
 */
import type { FlowRecord } from '../flows/record.js';
import { type Address, type CidrSet, parseAddress } from './address.js';
import type { EndpointSubject } from './subject.js';

export const NO = 0;
export const YES = 1;
export const UNKNOWN = 2;
export type Tri = typeof NO | typeof YES | typeof UNKNOWN;

/** Flow fields outside the cache's primary key (src identity, dst identity, proto, dst_port). */
export const DEP_SRC_IP = 1;
export const DEP_DST_IP = 2;
export const DEP_SRC_PORT = 4;
export const DEP_ICMP_TYPE = 8;
export const DEP_ICMP_CODE = 16;

export type SideRole = 'source' | 'destination';

/**
 * One side of the flow as rules see it.
 * - `endpoint`: a workload or host endpoint (labels, named ports, IPs from the inventory);
 * - `address`: an IP that is no endpoint (rule selectors can match it only through network sets);
 * - `unresolved`: neither an endpoint nor an IP, so anything about its identity is unknown; `mayBeEndpoint`
 *   when the flow names a pod or host the inventory does not know.
 */
export class Side {
  kind: 'endpoint' | 'address' | 'unresolved' = 'unresolved';
  subject: EndpointSubject | undefined;
  /** The IP the flow gives for this side, if any. */
  ip: string | undefined;
  mayBeEndpoint = false;
  readonly dep: number;
  private parsed: Address | null | undefined;

  constructor(readonly role: SideRole) {
    this.dep = role === 'source' ? DEP_SRC_IP : DEP_DST_IP;
  }

  assign(
    kind: Side['kind'],
    subject: EndpointSubject | undefined,
    ip: string | undefined,
    mayBeEndpoint: boolean,
  ): void {
    this.kind = kind;
    this.subject = subject;
    this.ip = ip;
    this.mayBeEndpoint = mayBeEndpoint;
    this.parsed = undefined;
  }

  /** The flow IP, parsed once; null when the text is not an IP. */
  address(): Address | null | undefined {
    if (this.parsed === undefined && this.ip !== undefined) this.parsed = parseAddress(this.ip) ?? null;
    return this.parsed;
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

  unknown(reason: string): Tri {
    this.reason = reason;
    return UNKNOWN;
  }

  /**
   * Whether the side's address lies in `cidrs`. Without a flow IP, an endpoint's own IPs decide when they all
   * agree (a pod with one IP); otherwise the answer is unknown. `what` names the condition for the reason.
   */
  addressIn(side: Side, cidrs: CidrSet, what: string): Tri {
    this.deps |= side.dep;
    if (side.ip !== undefined) {
      const a = side.address();
      if (!a) return this.unknown(`${what}: ${side.role} IP "${side.ip}" is not an IP address`);
      return cidrs.contains(a) ? YES : NO;
    }
    const own = side.subject?.addresses() ?? [];
    if (own.length > 0) {
      let inside = 0;
      for (const a of own) if (cidrs.contains(a)) inside++;
      if (inside === own.length) return YES;
      if (inside === 0) return NO;
    }
    return this.unknown(`${what} needs the ${side.role} IP, which the flow lacks`);
  }

  /** The flow's IP family, from the flow IPs or else from the endpoints' own IPs when those agree. */
  family(): 4 | 6 | undefined {
    this.deps |= DEP_SRC_IP | DEP_DST_IP;
    const a = this.src.address() || this.dst.address();
    if (a) return a.family;
    let family: 4 | 6 | undefined;
    for (const own of [this.src.subject?.addresses() ?? [], this.dst.subject?.addresses() ?? []]) {
      for (const b of own) {
        if (family !== undefined && family !== b.family) return undefined;
        family = b.family;
      }
    }
    return family;
  }
}
