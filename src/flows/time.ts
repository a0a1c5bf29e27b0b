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
  const utc = parseUtcTime(value);
  if (utc !== undefined) return utc;
  if (isDecimal(value)) return epochMillis(Number(value));
  return looksLikeRfc3339(value) ? finite(Date.parse(value)) : undefined;
}

/** Length of the form `Date.prototype.toISOString` writes for years 1970-9999: `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export const ISO_TIME_LENGTH = 24;

/** The date (y * 10000 + m * 100 + d) of the last time parseUtcTime read, and the epoch ms its day starts at. */
let lastDate = -1;
let lastDayStart = 0;

/**
 * `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.sssZ` (years 1970-9999, every field in range) to epoch ms
 * without Date.parse, which costs more than JSON.parse of the whole record. Flow logs come in time order, so the
 * day's start is kept from the previous call. Undefined for any other text, which parseTime hands to Date.parse:
 * this is a fast path for a subset of what Date.parse reads the same way, never a second grammar.
 */
export function parseUtcTime(s: string): number | undefined {
  const n = s.length;
  if ((n !== ISO_TIME_LENGTH && n !== 20) || s.charCodeAt(n - 1) !== 90 || s.charCodeAt(10) !== 84) return undefined; // Z, T
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined; // -
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined; // :
  const ms = n === ISO_TIME_LENGTH ? (s.charCodeAt(19) === 46 ? digits(s, 20, 3) : -1) : 0; // .
  return utcTime(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2), ms);
}

/**
 * parseUtcTime of the `toISOString` form (ISO_TIME_LENGTH bytes, milliseconds included) at `at` in `bytes`, for
 * decoders that read lines as bytes (flows/decoders/canonical-scan.ts); undefined for anything else.
 * A log's times run in order, so most share the minute of the time before: the reader keeps the last minute it
 * read (`YYYY-MM-DDTHH:MM`, the first 16 bytes, as four words) and the epoch ms it starts at, and for a time in the
 * same minute reads only `:SS.sssZ` (the scanner of a 1M-flow sample: 7% faster).
 */
export class IsoTimeReader {
  private known = false;
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;
  private minuteStart = 0;

  /** `view` is a DataView of `bytes`' memory, where `bytes` starts at `base`. */
  read(bytes: Uint8Array, view: DataView, base: number, at: number): number | undefined {
    const p = base + at;
    const w0 = view.getInt32(p, true);
    const w1 = view.getInt32(p + 4, true);
    const w2 = view.getInt32(p + 8, true);
    const w3 = view.getInt32(p + 12, true);
    if (this.known && w0 === this.w0 && w1 === this.w1 && w2 === this.w2 && w3 === this.w3) {
      // The minute's bytes were checked when it was read whole; the rest is checked as parseIsoTime checks it.
      if (bytes[at + 16] !== 58 || bytes[at + 19] !== 46 || bytes[at + 23] !== 90) return undefined; // : . Z
      const rest = secondsAndMillis(bytes, at);
      return rest < 0 ? undefined : this.minuteStart + rest;
    }
    const ms = parseIsoTime(bytes, at);
    if (ms !== undefined) {
      this.known = true;
      this.w0 = w0;
      this.w1 = w1;
      this.w2 = w2;
      this.w3 = w3;
      this.minuteStart = ms - secondsAndMillis(bytes, at);
    }
    return ms;
  }
}

function parseIsoTime(bytes: Uint8Array, at: number): number | undefined {
  if (bytes[at + 23] !== 90 || bytes[at + 10] !== 84 || bytes[at + 4] !== 45 || bytes[at + 7] !== 45) return undefined; // Z T - -
  if (bytes[at + 13] !== 58 || bytes[at + 16] !== 58 || bytes[at + 19] !== 46) return undefined; // : : .
  return utcTime(
    byteDigits(bytes, at, 4),
    byteDigits(bytes, at + 5, 2),
    byteDigits(bytes, at + 8, 2),
    byteDigits(bytes, at + 11, 2),
    byteDigits(bytes, at + 14, 2),
    byteDigits(bytes, at + 17, 2),
    byteDigits(bytes, at + 20, 3),
  );
}

/** `SS.sss` of a time at `at` as ms (0-59,999), or -1 when a digit is not one or the seconds pass 59. */
function secondsAndMillis(bytes: Uint8Array, at: number): number {
  // Digit by digit, without byteDigits' loops: this is all a time in a known minute costs.
  const s1 = bytes[at + 17]! - 48;
  const s2 = bytes[at + 18]! - 48;
  const m1 = bytes[at + 20]! - 48;
  const m2 = bytes[at + 21]! - 48;
  const m3 = bytes[at + 22]! - 48;
  if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9 || m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || m3 < 0 || m3 > 9) return -1;
  return (s1 * 10 + s2) * 1000 + m1 * 100 + m2 * 10 + m3;
}

/** Epoch ms of the fields of a UTC time (each -1 when it was no number); undefined when one is out of range. */
function utcTime(y: number, mo: number, d: number, h: number, m: number, sec: number, ms: number): number | undefined {
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 || ms < 0) return undefined;
  const date = y * 10000 + mo * 100 + d;
  if (date !== lastDate) {
    const start = dayStartOf(y, mo, d);
    if (start === undefined) return undefined;
    lastDayStart = start;
    lastDate = date;
  }
  return lastDayStart + h * 3_600_000 + m * 60_000 + sec * 1000 + ms;
}

/** Epoch ms of the day y-mo-d (each -1 when it was no number); undefined unless it is a real date from 1970 on. */
function dayStartOf(y: number, mo: number, d: number): number | undefined {
  if (y < 1970 || mo < 1 || mo > 12 || d < 1) return undefined;
  // Day 0 of the next month is this month's last day (Date.UTC does the leap years).
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  return Date.UTC(y, mo - 1, d);
}

/** The decimal number of `count` digits at `at`, or -1 when one of them is not a digit. */
function digits(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The decimal number of `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function byteDigits(bytes: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
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
