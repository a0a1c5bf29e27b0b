import type { Labels } from '../selector/types.js';

/**
 * The label spellings flow logs use, each to a Labels object. Every parser returns a string (the error message)
 * for malformed input instead of dropping a label silently.
 */

/** `["app=web", "tier=db"]` (Calico, Goldmane). The value is everything after the first `=`. */
export function labelsFromList(list: readonly unknown[]): Labels | string {
  const labels: Record<string, string> = {};
  for (const item of list) {
    if (typeof item !== 'string') return `label entry ${JSON.stringify(item)} is not a string`;
    const bad = addPair(labels, item);
    if (bad !== undefined) return bad;
  }
  return labels;
}

/** `app=web | tier=db` (Whisker) or `app=web;tier=db` (CSV): pairs joined by a separator. */
export function labelsFromJoined(text: string, separator: string): Labels | string {
  const labels: Record<string, string> = {};
  if (text.trim() === '') return labels;
  for (const item of text.split(separator)) {
    const bad = addPair(labels, item.trim());
    if (bad !== undefined) return bad;
  }
  return labels;
}

/** A CSV cell: a JSON object (`{"app":"web"}`) or `k=v;k=v`. */
export function labelsFromCell(text: string): Labels | string {
  if (!text.trimStart().startsWith('{')) return labelsFromJoined(text, ';');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `labels ${JSON.stringify(text)} are not valid JSON`;
  }
  return isLabels(parsed) ? parsed : `labels ${JSON.stringify(text)} are not an object of strings`;
}

/** True for a plain object whose values are all strings (checked without allocating). */
export function isLabels(value: unknown): value is Labels {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const k in value) {
    if (typeof (value as Record<string, unknown>)[k] !== 'string') return false;
  }
  return true;
}

function addPair(labels: Record<string, string>, pair: string): string | undefined {
  const eq = pair.indexOf('=');
  if (eq <= 0) return `label ${JSON.stringify(pair)} is not key=value`;
  labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  return undefined;
}
