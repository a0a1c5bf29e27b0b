/**
 * Felix failsafe ports: traffic to or from a host endpoint on these ports is allowed before any policy is
 * consulted, "irrespective of the security policy" (felix/rules/endpoints.go jumps to the failsafe chains first;
 * workload endpoints have none). Defaults from felix/config/config_params.go; the FelixConfiguration fields
 * `failsafeInboundHostPorts` / `failsafeOutboundHostPorts` and calico-node's `FELIX_FAILSAFE*HOSTPORTS` replace
 * them, ranked as felixSetting ranks them (environment, `node.<name>`, `default`). An entry with a `net` is open
 * to those remote addresses only: the source of inbound traffic, the destination of outbound.
 */
import { protocolName } from '../flows/protocol.js';
import { PROTO } from '../flows/record.js';
import { felixSetting, perNode } from '../policy/felix-config.js';
import type { Direction, FailsafePort, FelixConfig } from '../policy/model.js';
import { type AddressSpace, CidrSet } from './address-space.js';
import { type EvalContext, NO, type Tri, YES } from './context.js';

export interface FailsafePorts {
  /** Ingress to a host endpoint (traffic to the host). */
  readonly inbound: readonly FailsafePort[];
  /** Egress from a host endpoint (traffic the host sends). */
  readonly outbound: readonly FailsafePort[];
}

const tcp = (port: number): FailsafePort => ({ protocol: PROTO.TCP, port, net: undefined });
const udp = (port: number): FailsafePort => ({ protocol: PROTO.UDP, port, net: undefined });

/** `tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667` inbound;
 *  `udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667` outbound. */
export const DEFAULT_FAILSAFE_PORTS: FailsafePorts = {
  inbound: [tcp(22), udp(68), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667)],
  outbound: [udp(53), udp(67), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667)],
};

/** The failsafe ports of each node, from the set's Felix configurations. */
export class FailsafeConfig {
  /** The table of the host endpoints on `node`. */
  readonly tableFor: (node: string) => FailsafeTable;

  constructor(configs: readonly FelixConfig[], space: AddressSpace) {
    this.tableFor = perNode(configs, (node) => {
      const inbound = felixSetting(configs, node, (c) => c.failsafeInbound) ?? DEFAULT_FAILSAFE_PORTS.inbound;
      const outbound = felixSetting(configs, node, (c) => c.failsafeOutbound) ?? DEFAULT_FAILSAFE_PORTS.outbound;
      return new FailsafeTable({ inbound, outbound }, space);
    });
  }
}

/** One node's failsafe ports, by direction, protocol and port: the remote addresses each is open to. */
export class FailsafeTable {
  private readonly byDirection: Record<Direction, Map<number, Map<number, CidrSet | typeof ANYWHERE>>>;

  constructor(ports: FailsafePorts, space: AddressSpace) {
    this.byDirection = { ingress: index(ports.inbound, space), egress: index(ports.outbound, space) };
  }

  /**
   * Whether a failsafe port lets the flow through in `direction`: unknown when the flow lacks the `dst_port`
   * that would tell, or the remote IP an entry's `net` needs (`ctx.reason` says which).
   */
  match(direction: Direction, ctx: EvalContext): Tri {
    const byPort = this.byDirection[direction].get(ctx.proto);
    if (byPort === undefined) return NO;
    const port = ctx.dstPort;
    if (port === undefined) return ctx.unknown('the flow lacks dst_port, so a failsafe port may allow it');
    const open = byPort.get(port);
    if (open === undefined) return NO;
    if (open === ANYWHERE) return YES;
    return ctx.addressIn(direction === 'ingress' ? ctx.src : ctx.dst, open, `failsafe port ${protocolName(ctx.proto)}:${port} (open to some addresses only)`);
  }
}

/** An entry without `net`. */
const ANYWHERE = Symbol('anywhere');

function index(list: readonly FailsafePort[], space: AddressSpace): Map<number, Map<number, CidrSet | typeof ANYWHERE>> {
  const out = new Map<number, Map<number, CidrSet | typeof ANYWHERE>>();
  for (const { protocol, port } of list) {
    let byPort = out.get(protocol);
    if (byPort === undefined) out.set(protocol, (byPort = new Map()));
    if (byPort.has(port)) continue;
    // The entries of one port open it to the union of their nets; one without a net opens it to all.
    const entries = list.filter((e) => e.protocol === protocol && e.port === port);
    const nets = entries.flatMap((e) => (e.net === undefined ? [] : [e.net]));
    byPort.set(port, nets.length < entries.length ? ANYWHERE : new CidrSet(space, nets));
  }
  return out;
}
