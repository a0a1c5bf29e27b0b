/**
 * Flow times to epoch milliseconds. Numbers are epoch seconds or milliseconds told apart by magnitude: below
 * 1e11 they are seconds (1e11 s is the year 5138; 1e11 ms is March 1973, before any flow log), from 1e11 up to
 * 1e14 milliseconds (year 5138 again); anything larger is taken for micro- or nanoseconds and refused rather than
 * guessed. Text is RFC 3339 (`2025-11-23T10:00:00Z`, fractions and offsets allowed) or decimal epoch digits.
 */

const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;

/** Epoch seconds or milliseconds (by magnitude) to whole milliseconds; undefined when out of range. */
function epochMillis(value: number): number | undefined {
  if (!(value >= 0)) return undefined; // also rejects NaN
  if (value < SECONDS_BELOW) return Math.round(value * 1000);
  if (value < MILLIS_BELOW) return Math.round(value);
  return undefined;
}

/** A JSON time value (number or text) to epoch milliseconds; undefined when it is not a time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return epochMillis(value);
  if (typeof value !== 'string') return undefined;
  if (isDecimal(value)) return epochMillis(Number(value));
  return looksLikeRfc3339(value) ? finite(Date.parse(value)) : undefined;
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The fixed positions of RFC 3339 `YYYY-MM-DDTHH:MM:SS` (T may be t or a space, RFC 3339 section 5.6 note), then
 * a zone. Date.parse alone would also accept `Nov 23 2025` and local times without a zone.
 */
function looksLikeRfc3339(s: string): boolean {
  if (s.length < 20) return false;
  const t = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) {
    return false;
  }
  if (t !== 84 && t !== 116 && t !== 32) return false;
  const last = s.charCodeAt(s.length - 1);
  if (last === 90 || last === 122) return true; // Z or z
  // Or a numeric offset, `+02:00` / `-05:30`, ending the text.
  const sign = s.charCodeAt(s.length - 6);
  return (sign === 43 || sign === 45) && s.charCodeAt(s.length - 3) === 58;
}

function isDecimal(s: string): boolean {
  if (s.length === 0) return false;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return dots <= 1 && s !== '.';
}
