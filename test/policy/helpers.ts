/** Shared helpers for the policy tests: load YAML text in memory and pick results out. */
import { expect } from 'vitest';
import type { Diagnostic } from '../../src/policy/diagnostics.js';
import { parseResources, type LoadResult } from '../../src/policy/load.js';
import type { Policy } from '../../src/policy/model.js';

export const FILE = 'test.yaml';

/** Loads one in-memory file; `text` is dedented so tests can indent their YAML. */
export function load(text: string): LoadResult {
  return parseResources([{ file: FILE, text: dedent(text) }]);
}

/** Loads text that must produce no diagnostics at all, and returns its only policy. */
export function onlyPolicy(text: string): Policy {
  const result = load(text);
  expect(result.diagnostics).toEqual([]);
  expect(result.policySet.policies).toHaveLength(1);
  return result.policySet.policies[0] as Policy;
}

/** The diagnostics as compact tuples, easy to compare in tables. */
export function codes(result: LoadResult): [string, number, number, string][] {
  return result.diagnostics.map((d: Diagnostic) => [d.code, d.line, d.column, d.path]);
}

export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** [line, column] (1-based) of the `nth` occurrence of `needle` in the dedented `text`: expected positions. */
export function at(text: string, needle: string, nth = 0): [number, number] {
  const source = dedent(text);
  let offset = -1;
  for (let i = 0; i <= nth; i++) {
    offset = source.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`"${needle}" occurs fewer than ${nth + 1} times`);
  }
  const before = source.slice(0, offset).split('\n');
  return [before.length, (before[before.length - 1]?.length ?? 0) + 1];
}

/**
 * A model value with selectors written as their canonical text and CIDRs as their text, without origins:
 * compact enough to compare whole rules in a table.
 */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.canonical === 'string' && typeof o.matches === 'function') return `sel:${o.canonical}`;
  if (o.bytes instanceof Uint8Array && typeof o.text === 'string') return o.text;
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'origin').map(([k, v]) => [k, plain(v)]));
}
