/**
 * Port values in Calico rules (`numorstring.Port`, validator `validatePort`): a number, a digit string `"80"`,
 * a range `"8000:8080"`, or a named port `^[a-zA-Z0-9_.-]{1,128}$`. Numbers must be 1-65535 (Calico rejects 0,
 * also as a range bound), and a range needs min <= max.
 */
import type { PortMatch } from './model.js';

export type PortResult = { readonly ok: true; readonly port: PortMatch } | { readonly ok: false; readonly reason: string };

const NAMED_PORT = /^[a-zA-Z0-9_.-]{1,128}$/;

export function parseCalicoPort(value: unknown): PortResult {
  if (typeof value === 'number') return numberPort(value, String(value));
  if (typeof value !== 'string') return { ok: false, reason: 'a port must be a number or a string' };
  if (/^\d+$/.test(value)) return numberPort(Number(value), value);
  const range = /^(\d+):(\d+)$/.exec(value);
  if (range !== null) return portRange(Number(range[1]), Number(range[2]), value);
  if (!NAMED_PORT.test(value)) return { ok: false, reason: `"${value}" is neither a port, a range "min:max" nor a valid port name` };
  return { ok: true, port: { kind: 'named', name: value } };
}

/** An inclusive range after checking both bounds (Kubernetes endPort, admin policy portRange). */
export function portRange(min: number, max: number, text: string): PortResult {
  if (!validPortNumber(min) || !validPortNumber(max)) return { ok: false, reason: `port range ${text} must lie within 1-65535` };
  if (min > max) return { ok: false, reason: `port range ${text} starts after it ends` };
  return { ok: true, port: { kind: 'range', min, max } };
}

/** A named port that Calico accepts but that looks like a range written with `-` instead of `:`. */
export function looksLikeDashRange(port: PortMatch): boolean {
  return port.kind === 'named' && /^\d+-\d+$/.test(port.name);
}

function numberPort(n: number, text: string): PortResult {
  if (!validPortNumber(n)) return { ok: false, reason: `port ${text} is outside 1-65535` };
  return { ok: true, port: { kind: 'range', min: n, max: n } };
}

function validPortNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * Calico's `SimplifyPorts` (k8s conversion): named ports first as given, then numeric ports merged into the
 * fewest sorted ranges. Kept exact because converted rules must match what Calico programs.
 */
export function simplifyPorts(ports: readonly PortMatch[]): PortMatch[] {
  if (ports.length <= 1) return [...ports];
  const named = ports.filter((p) => p.kind === 'named');
  const numeric = ports.filter((p): p is Extract<PortMatch, { kind: 'range' }> => p.kind === 'range');
  const singles = numeric.reduce((n, p) => n + (p.max - p.min + 1), 0);
  if (singles <= 1) return [...ports];
  const sorted = [...numeric].sort((a, b) => a.min - b.min || a.max - b.max);
  const merged: { min: number; max: number }[] = [];
  for (const p of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && p.min <= last.max + 1) last.max = Math.max(last.max, p.max);
    else merged.push({ min: p.min, max: p.max });
  }
  return [...named, ...merged.map((r) => ({ kind: 'range' as const, min: r.min, max: r.max }))];
}
