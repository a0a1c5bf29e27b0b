/**
 * `--since` / `--until` as hubble and kubectl take them: an RFC 3339 time, or a duration back from now
 * (`90s`, `15m`, `2h`, `1h30m`, `7d`).
 */
import { parseTime } from '../flows/time.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Epoch ms, or undefined when `text` is neither a time nor a duration. */
export function parseTimeArg(text: string, now: number = Date.now()): number | undefined {
  const value = text.trim();
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
    return now - ms;
  }
  return parseTime(value);
}
