/**
 * IP address text → numbers, without allocating: flows are classified on the warm path (engine/address-space.ts),
 * so parsing may not build objects. IPv4 is dotted-quad only; IPv6 takes the standard forms here and falls back
 * to ipaddr.js for anything else, so the set of accepted texts (and their bytes) is exactly ipaddr.js's.
 */
import ipaddr from 'ipaddr.js';

/**
 * Dotted-quad IPv4 as an unsigned 32-bit number, written to `out[0]`; false for anything else. An out-parameter
 * because most addresses exceed V8's small integers: returned, each would be boxed in a new heap number.
 */
export function parseIPv4(s: string, out: Float64Array): boolean {
  let parts = 0;
  let octet = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i === s.length ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return false;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else {
      return false;
    }
  }
  out[0] = value;
  return parts === 4;
}

/** Writes the 16 bytes of an IPv6 address into `out`; false when the text is not IPv6 (then `out` is garbage). */
export function parseIPv6(text: string, out: Uint8Array): boolean {
  if (text.indexOf(':') < 0) return false;
  if (parseStandardIPv6(text, out)) return true;
  if (!ipaddr.IPv6.isValid(text)) return false;
  out.set(ipaddr.IPv6.parse(text).toByteArray());
  return true;
}

/**
 * Up to eight groups of 1-4 hex digits with at most one `::` standing for one group or more. Embedded dotted
 * quads and zone indexes go to ipaddr.js, whose readings of them (`::1.2.3.4` as `::ffff:1.2.3.4`, octal
 * `010`) are the ones to keep.
 */
function parseStandardIPv6(s: string, out: Uint8Array): boolean {
  let groups = 0;
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === n) return fillGap(out, 0, gap);
  }
  while (i < n) {
    if (groups === 8) return false;
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < n && digits <= 4; j++) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
    }
    if (digits === 0 || digits > 4) return false;
    out[groups * 2] = value >>> 8;
    out[groups * 2 + 1] = value & 0xff;
    groups++;
    if (j === n) break;
    if (s.charCodeAt(j) !== 58) return false;
    j++;
    if (s.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = groups;
      j++;
      if (j === n) break;
    } else if (j === n) {
      return false;
    }
    i = j;
  }
  if (gap < 0) return groups === 8;
  return groups < 8 && fillGap(out, groups, gap);
}

/** Moves the groups written after the `::` to the end and zeroes the gap. */
function fillGap(out: Uint8Array, groups: number, gap: number): boolean {
  const tail = (groups - gap) * 2;
  out.copyWithin(16 - tail, gap * 2, groups * 2);
  out.fill(0, gap * 2, 16 - tail);
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
