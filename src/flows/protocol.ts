/**
 * IANA protocol numbers by the names Calico and flow logs use. Lookups are case-insensitive; the spellings logs
 * actually write (`TCP`, `tcp`, `ICMPv6`...) are found without lower-casing, so the canonical decoder's hot path
 * allocates nothing.
 */
const CANONICAL: ReadonlyArray<readonly [string, number]> = [
  ['ICMP', 1],
  ['TCP', 6],
  ['UDP', 17],
  ['ICMPv6', 58],
  ['SCTP', 132],
  ['UDPLite', 136],
];

const BY_NAME: ReadonlyMap<string, number> = new Map(
  CANONICAL.flatMap(([name, n]) => [
    [name, n],
    [name.toLowerCase(), n],
    [name.toUpperCase(), n],
  ]),
);

const NAME_BY_NUMBER: ReadonlyMap<number, string> = new Map(CANONICAL.map(([name, n]) => [n, name]));

/** A protocol name or number (0-255, also as decimal text) to its number; undefined when it is neither. */
export function protocolNumber(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 255 ? value : undefined;
  const byName = BY_NAME.get(value) ?? BY_NAME.get(value.toLowerCase());
  if (byName !== undefined) return byName;
  return decimalByte(value);
}

/** The conventional name (`TCP`, `ICMPv6`...) or the number as text for the others. */
export function protocolName(proto: number): string {
  return NAME_BY_NUMBER.get(proto) ?? String(proto);
}

/** Protocols whose flows carry ports (TCP, UDP, SCTP, UDPLite). */
export function carriesPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 136;
}

/** ICMP and ICMPv6 carry a type and code instead of ports. */
export function isIcmp(proto: number): boolean {
  return proto === 1 || proto === 58;
}

/** `0`..`255` written in decimal with one to three digits. */
function decimalByte(text: string): number | undefined {
  if (text.length === 0 || text.length > 3) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n <= 255 ? n : undefined;
}
