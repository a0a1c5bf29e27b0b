/**
 * Calico rules that match `services` (api/pkg/apis/projectcalico/v3/policy_common.go ServiceMatch). Felix turns
 * `destination.services` into an IP set of (address, protocol, port) members and `source.services` into one of
 * addresses, both built from the Service's EndpointSlices (felix/calc/rule_scanner.go, felix/calc/serviceindex;
 * inventory/endpoint.ts ServiceEndpoints). The addresses join the address space, so the verdict cache keys a
 * flow by whether its IPs are the Service's, as it does for rule nets.
 *
 * A Service of which the inventory holds no EndpointSlice is unknown, not empty: without its slices flowaudit
 * cannot tell a Service with no endpoints from one whose slices were not exported.
 *
 * A Service's endpoints change over time (inventory snapshots: inventory/endpoint.ts ServiceVersion), and a flow
 * meets the version that held at its time, as Felix's IP sets follow the slices: the addresses of every version
 * join the address space, and a check reads the flow's epoch (`epochOf`), which the verdict cache then keys by.
 */
import type { ClusterView, ServiceEndpoints, ServiceVersion } from '../inventory/endpoint.js';
import { parseCidr } from '../policy/cidr.js';
import type { Cidr, EntityMatch, PolicySet } from '../policy/model.js';
import { serviceReferences } from '../policy/views.js';
import { type AddressSpace, CidrSet } from './address-space.js';
import { type EvalContext, NO, type Tri } from './context.js';

type ServiceRef = NonNullable<EntityMatch['services']>;
type Check = (ctx: EvalContext) => Tri;

export class ServiceMatches {
  /** By `<namespace>/<name>`, for every Service a rule of the set (policy or profile) names; undefined: no EndpointSlice of it. */
  private readonly services = new Map<string, readonly ServiceVersion[] | undefined>();
  private readonly cidrByIp = new Map<string, Cidr>();
  /** Where the named Services' endpoints change: the `from` of every version but the first, ascending, unique. */
  private readonly boundaries: readonly number[];

  constructor(set: PolicySet, cluster: ClusterView) {
    const boundaries = new Set<number>();
    for (const { service } of serviceReferences(set)) {
      if (this.services.has(keyOf(service))) continue;
      const versions = cluster.serviceVersions(service.namespace, service.name);
      this.services.set(keyOf(service), versions);
      for (const [i, v] of (versions ?? []).entries()) {
        if (i > 0) boundaries.add(v.from);
        for (const ip of v.endpoints.addresses) this.cidrOf(ip);
      }
    }
    this.boundaries = [...boundaries].sort((a, b) => a - b);
  }

  /** The addresses of every Service the rules name, at any time, as host CIDRs for the address space. */
  cidrs(): Iterable<Cidr> {
    return this.cidrByIp.values();
  }

  /**
   * The epoch of a time: how many boundaries lie at or before it (the latest without a time, as the inventory
   * resolves such flows). Flows of one epoch see every Service as the same version, so the verdict cache keys by
   * epoch the evaluations that read a Service with versions (context.ts DEP_SERVICE_EPOCH).
   */
  readonly epochOf = (time: number | undefined): number => {
    const b = this.boundaries;
    if (time === undefined) return b.length;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  /** `source.services`: the source address is one of the Service's endpoint addresses. */
  sourceCheck(ref: ServiceRef, space: AddressSpace): Check {
    const what = `source.services (${keyOf(ref)})`;
    return this.versioned(ref, what, (endpoints) => {
      const addresses = new CidrSet(space, endpoints.addresses.map((ip) => this.cidrOf(ip)));
      return (ctx) => ctx.addressIn(ctx.src, addresses, what);
    });
  }

  /** `destination.services`: the destination address, protocol and port are one of the Service's endpoint ports. */
  destinationCheck(ref: ServiceRef, space: AddressSpace): Check {
    const what = `destination.services (${keyOf(ref)})`;
    return this.versioned(ref, what, (endpoints) => {
      const byPort = new Map<number, Cidr[]>();
      for (const p of endpoints.ports) {
        const key = p.protocol * 65536 + p.port;
        let list = byPort.get(key);
        if (list === undefined) byPort.set(key, (list = []));
        list.push(this.cidrOf(p.ip));
      }
      const sets = new Map([...byPort].map(([key, cidrs]) => [key, new CidrSet(space, cidrs)]));
      return (ctx) => {
        const port = ctx.dstPort;
        if (port === undefined) return ctx.unknown(`${what} needs dst_port, which the flow lacks`);
        const addresses = sets.get(ctx.proto * 65536 + port);
        return addresses === undefined ? NO : ctx.addressIn(ctx.dst, addresses, what);
      };
    });
  }

  /**
   * The check of a Service: unknown without slices; the one version's check; else, per epoch, the check of the
   * version that holds then.
   */
  private versioned(ref: ServiceRef, what: string, checkOf: (endpoints: ServiceEndpoints) => Check): Check {
    const versions = this.services.get(keyOf(ref));
    if (versions === undefined || versions.length === 0) return (ctx) => ctx.unknown(noSlices(what));
    if (versions.length === 1) return checkOf(versions[0]!.endpoints);
    const checks = versions.map((v) => checkOf(v.endpoints));
    // Epoch e starts at boundaries[e - 1]; the version holding then is the last one from at or before it (the
    // boundaries rise, so the walk goes on from where the previous epoch's ended).
    let i = 0;
    const byEpoch = Array.from({ length: this.boundaries.length + 1 }, (_, e) => {
      const start = e === 0 ? -Infinity : this.boundaries[e - 1]!;
      while (i + 1 < versions.length && versions[i + 1]!.from <= start) i++;
      return checks[i]!;
    });
    return (ctx) => byEpoch[ctx.serviceEpoch()]!(ctx);
  }

  private cidrOf(ip: string): Cidr {
    let cidr = this.cidrByIp.get(ip);
    if (cidr === undefined) {
      const parsed = parseCidr(ip, 'set');
      // The inventory keeps only addresses that parse (inventory/observe.ts).
      if (!parsed.ok) throw new Error(`engine: service endpoint address ${ip} does not parse: ${parsed.reason}`);
      this.cidrByIp.set(ip, (cidr = parsed.cidr));
    }
    return cidr;
  }
}

function keyOf(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}`;
}

function noSlices(what: string): string {
  return `${what}: the inventory holds no EndpointSlice of the Service`;
}
