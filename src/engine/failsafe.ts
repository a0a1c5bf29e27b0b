/**
 * Felix failsafe ports: traffic to or from a host endpoint on these ports is allowed before any policy is
 * consulted, "irrespective of the security policy" (felix/rules/endpoints.go jumps to the failsafe chains first;
 * workload endpoints have none). Defaults from felix/config/config_params.go; FelixConfiguration
 * `failsafeInboundHostPorts` / `failsafeOutboundHostPorts` replace them.
 */
import type { Direction } from '../policy/model.js';
import { PROTO } from '../flows/record.js';

export interface ProtoPort {
  /** IANA protocol number. */
  readonly protocol: number;
  readonly port: number;
}

export interface FailsafePorts {
  /** Ingress to a host endpoint (traffic to the host). */
  readonly inbound: readonly ProtoPort[];
  /** Egress from a host endpoint (traffic the host sends). */
  readonly outbound: readonly ProtoPort[];
}

const tcp = (port: number): ProtoPort => ({ protocol: PROTO.TCP, port });
const udp = (port: number): ProtoPort => ({ protocol: PROTO.UDP, port });

/** `tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667` inbound;
 *  `udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667` outbound. */
export const DEFAULT_FAILSAFE_PORTS: FailsafePorts = {
  inbound: [tcp(22), udp(68), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667)],
  outbound: [udp(53), udp(67), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667)],
};

/** Failsafe ports by direction and protocol, for lookup. */
export class FailsafeTable {
  private readonly byDirection: Record<Direction, Map<number, Set<number>>>;

  constructor(ports: FailsafePorts) {
    this.byDirection = { ingress: index(ports.inbound), egress: index(ports.outbound) };
  }

  /** Whether any failsafe port exists for this direction and protocol. */
  coversProtocol(direction: Direction, protocol: number): boolean {
    return this.byDirection[direction].has(protocol);
  }

  has(direction: Direction, protocol: number, port: number): boolean {
    return this.byDirection[direction].get(protocol)?.has(port) === true;
  }
}

function index(list: readonly ProtoPort[]): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const { protocol, port } of list) {
    let ports = out.get(protocol);
    if (ports === undefined) out.set(protocol, (ports = new Set()));
    ports.add(port);
  }
  return out;
}
