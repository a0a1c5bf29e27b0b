/**
 * Protocols as policy resources write them. Calico v3 (`numorstring.Protocol` + validator `protocolRegex`)
 * takes the exact names TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255 (also as a numeric string);
 * `tcp` is rejected. Kubernetes and the network-policy API take TCP, UDP, SCTP.
 */
import { PROTO } from '../flows/record.js';

const CALICO_NAMES: ReadonlyMap<string, number> = new Map(Object.entries(PROTO));

export type ProtocolResult = { readonly ok: true; readonly protocol: number } | { readonly ok: false; readonly reason: string };

export function parseCalicoProtocol(value: string | number): ProtocolResult {
  // Uint8OrString: a string of digits is a number.
  const asNumber = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : undefined;
  if (asNumber !== undefined) {
    if (Number.isInteger(asNumber) && asNumber >= 1 && asNumber <= 255) return { ok: true, protocol: asNumber };
    return { ok: false, reason: `protocol number ${value} is outside 1-255` };
  }
  const byName = CALICO_NAMES.get(value as string);
  if (byName !== undefined) return { ok: true, protocol: byName };
  const exact = [...CALICO_NAMES.keys()].find((name) => name.toLowerCase() === String(value).toLowerCase());
  const hint = exact === undefined ? 'TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1-255' : `"${exact}" (names are case-sensitive)`;
  return { ok: false, reason: `unknown protocol "${value}"; expected ${hint}` };
}

/** Calico `Protocol.SupportsPorts`: only TCP, UDP and SCTP rules may match ports (not UDPLite). */
export function protocolCarriesPorts(protocol: number): boolean {
  return protocol === PROTO.TCP || protocol === PROTO.UDP || protocol === PROTO.SCTP;
}

export function isIcmpProtocol(protocol: number): boolean {
  return protocol === PROTO.ICMP || protocol === PROTO.ICMPv6;
}

/** Kubernetes `Protocol` (NetworkPolicyPort, admin policy ports): TCP, UDP or SCTP, exact case. */
export const KUBERNETES_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['TCP', PROTO.TCP],
  ['UDP', PROTO.UDP],
  ['SCTP', PROTO.SCTP],
]);
