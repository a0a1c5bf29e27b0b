/**
 * IP addresses and CIDR sets for rule matching: a flow IP is parsed once per verdict-cache miss and compared with
 * the model's CIDR bytes. An IPv4 CIDR never contains an IPv6 address and vice versa (spec 9.11).
 */
import ipaddr from 'ipaddr.js';
import type { Cidr } from '../policy/model.js';

/** An IPv4 address as an unsigned 32-bit number, or an IPv6 address as 16 bytes. */
export type Address =
  | { readonly family: 4; readonly v4: number }
  | { readonly family: 6; readonly v6: Uint8Array };

/** Parses dotted-quad IPv4 or any IPv6 text; undefined for anything else. */
export function parseAddress(text: string): Address | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, v4 };
  if (text.indexOf(':') < 0 || !ipaddr.IPv6.isValid(text)) return undefined;
  return { family: 6, v6: Uint8Array.from(ipaddr.IPv6.parse(text).toByteArray()) };
}

function parseIPv4(s: string): number | undefined {
  let parts = 0;
  let octet = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i === s.length ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return undefined;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

/** A list of CIDRs, split by family, with IPv4 ones pre-masked into numbers. */
export class CidrSet {
  private readonly v4Nets: number[] = [];
  private readonly v4Masks: number[] = [];
  private readonly v6: { readonly bytes: Uint8Array; readonly prefix: number }[] = [];

  constructor(cidrs: readonly Cidr[]) {
    for (const c of cidrs) {
      if (c.family === 4) {
        const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
        const b = c.bytes;
        const net = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
        this.v4Nets.push((net & mask) >>> 0);
        this.v4Masks.push(mask);
      } else {
        this.v6.push({ bytes: c.bytes, prefix: c.prefix });
      }
    }
  }

  get isEmpty(): boolean {
    return this.v4Nets.length === 0 && this.v6.length === 0;
  }

  contains(a: Address): boolean {
    if (a.family === 4) {
      for (let i = 0; i < this.v4Nets.length; i++) {
        if (((a.v4 & this.v4Masks[i]!) >>> 0) === this.v4Nets[i]) return true;
      }
      return false;
    }
    for (const net of this.v6) if (prefixEqual(a.v6, net.bytes, net.prefix)) return true;
    return false;
  }
}

function prefixEqual(addr: Uint8Array, net: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (addr[i] !== net[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[whole]! & mask) === (net[whole]! & mask);
}
