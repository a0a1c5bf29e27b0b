/**
 * Calico rules that match `services` (api/pkg/apis/projectcalico/v3/policy_common.go ServiceMatch). Felix turns
 * `destination.services` into an IP set of (address, protocol, port) members and `source.services` into one of
 * addresses, both built from the Service's EndpointSlices (felix/calc/rule_scanner.go, felix/calc/serviceindex;
 * inventory/endpoint.ts ServiceEndpoints). The addresses join the address space, so the verdict cache keys a
 * flow by whether its IPs are the Service's, as it does for rule nets.
 *
 * A Service of which the inventory holds no EndpointSlice is unknown, not empty: without its slices flowaudit
 * cannot tell a Service with no endpoints from one whose slices were not exported.
 */
import type { ClusterView, ServiceEndpoints } from '../inventory/endpoint.js';
import { parseCidr } from '../policy/cidr.js';
import type { Cidr, EntityMatch, PolicySet } from '../policy/model.js';
import { serviceReferences } from '../policy/views.js';
import { type AddressSpace, CidrSet } from './address-space.js';
import { type EvalContext, NO, type Tri } from './context.js';

type ServiceRef = NonNullable<EntityMatch['services']>;
type Check = (ctx: EvalContext) => Tri;

export class ServiceMatches {
  /** By `<namespace>/<name>`, for every Service a rule of the set (policy or profile) names; undefined: no EndpointSlice of it. */
  private readonly services = new Map<string, ServiceEndpoints | undefined>();
  private readonly cidrByIp = new Map<string, Cidr>();

  constructor(set: PolicySet, cluster: ClusterView) {
    const named = [...serviceReferences(set)].map((r) => r.service);
    for (const p of set.profiles.values()) {
      for (const r of [...p.ingress, ...p.egress]) named.push(...[r.source.services, r.destination.services].filter((s) => s !== undefined));
    }
    for (const service of named) {
      if (this.services.has(keyOf(service))) continue;
      const endpoints = cluster.serviceEndpoints(service.namespace, service.name);
      this.services.set(keyOf(service), endpoints);
      for (const ip of endpoints?.addresses ?? []) this.cidrOf(ip);
    }
  }

  /** The addresses of every Service the rules name, as host CIDRs for the address space. */
  cidrs(): Iterable<Cidr> {
    return this.cidrByIp.values();
  }

  /** `source.services`: the source address is one of the Service's endpoint addresses. */
  sourceCheck(ref: ServiceRef, space: AddressSpace): Check {
    const what = `source.services (${keyOf(ref)})`;
    const endpoints = this.services.get(keyOf(ref));
    if (endpoints === undefined) return (ctx) => ctx.unknown(noSlices(what));
    const addresses = new CidrSet(space, endpoints.addresses.map((ip) => this.cidrOf(ip)));
    return (ctx) => ctx.addressIn(ctx.src, addresses, what);
  }

  /** `destination.services`: the destination address, protocol and port are one of the Service's endpoint ports. */
  destinationCheck(ref: ServiceRef, space: AddressSpace): Check {
    const what = `destination.services (${keyOf(ref)})`;
    const endpoints = this.services.get(keyOf(ref));
    if (endpoints === undefined) return (ctx) => ctx.unknown(noSlices(what));
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
