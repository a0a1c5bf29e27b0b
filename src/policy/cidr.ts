/**
 * CIDR parsing into the model's `Cidr`, with the strictness each source has upstream:
 * - `rule`: Calico rule `nets`/`notNets` (libcalico-go validator `net` + `validateRule`): a prefix length is
 *   required and the address must be the network address (`10.0.0.1/24` is rejected).
 * - `masked`: Kubernetes `ipBlock` and admin/cluster policy `networks`: a prefix length is required; host bits
 *   are cleared, as Calico's conversion does (`cnet.ParseCIDR` then `ipNet.String()`).
 * - `set`: (Global)NetworkSet `nets` (validator `cidr`, `ParseCIDROrIP`): a bare IP means /32 or /128; host
 *   bits are cleared.
 * Addresses follow Go's parser: four-part decimal IPv4 without leading zeros, no IPv6 zone. An IPv4-mapped IPv6
 * network (`::ffff:10.0.0.0/104`) with a prefix of 96 or more is the IPv4 network `10.0.0.0/8`, because Go's
 * `To4()` treats it as IPv4 (cnet `IPNet.Version()`, `IPNet.String()`); with a shorter prefix it is IPv6.
 */
import ipaddr from 'ipaddr.js';
import type { Cidr } from './model.js';

export type CidrStrictness = 'rule' | 'masked' | 'set';

export type CidrResult = { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly reason: string };

export function parseCidr(text: string, strictness: CidrStrictness): CidrResult {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (prefixText === undefined && strictness !== 'set') {
    return { ok: false, reason: `"${text}" has no prefix length (write ${text}/32 or ${text}/128)` };
  }
  const address = parseAddress(addressText);
  if (address === undefined) return { ok: false, reason: `"${addressText}" is not an IPv4 or IPv6 address` };
  const bits = address.length * 8;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, reason: `"${text}" has an invalid prefix length (0-${bits})` };
    }
    prefix = Number(prefixText);
  }
  const network = maskBytes(address, prefix);
  if (strictness === 'rule' && !network.every((b, i) => b === address[i])) {
    return { ok: false, reason: `"${text}" is not a network address (did you mean ${format(network, prefix)}?)` };
  }
  return { ok: true, cidr: toCidr(network, prefix) };
}

/** True for 0.0.0.0/0 and ::/0, which Calico rejects in `notNets` (they would match nothing). */
export function isCatchAll(cidr: Cidr): boolean {
  return cidr.prefix === 0;
}

function parseAddress(text: string): number[] | undefined {
  if (text.includes(':')) {
    if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
    return ipaddr.IPv6.parse(text).toByteArray();
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return ipaddr.IPv4.parse(text).toByteArray();
}

function maskBytes(bytes: readonly number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function toCidr(network: number[], prefix: number): Cidr {
  const mapped = network.length === 16 && prefix >= 96 && V4_MAPPED_PREFIX.every((b, i) => network[i] === b);
  const bytes = mapped ? network.slice(12) : network;
  const bitsPrefix = mapped ? prefix - 96 : prefix;
  return {
    text: format(bytes, bitsPrefix),
    family: bytes.length === 4 ? 4 : 6,
    bytes: Uint8Array.from(bytes),
    prefix: bitsPrefix,
  };
}

function format(bytes: readonly number[], prefix: number): string {
  const address = ipaddr.fromByteArray([...bytes]);
  const text = address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
  return `${text}/${prefix}`;
}
