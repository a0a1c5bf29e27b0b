/**
 * Values valid over half-open time windows [start, end) in epoch ms, looked up by time with a binary search.
 * Windows never overlap: when two do (an IP handed to a new pod before the old pod's deletion was recorded), the
 * earlier one is cut at the later one's start, because the newer binding is the one the network uses.
 */
export class TimeWindows<T> {
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly values: T[];

  private constructor(starts: number[], ends: number[], values: T[]) {
    this.starts = starts;
    this.ends = ends;
    this.values = values;
  }

  static build<T>(windows: ReadonlyArray<{ readonly start: number; readonly end: number; readonly value: T }>): TimeWindows<T> {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    const starts: number[] = [];
    const ends: number[] = [];
    const values: T[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const w = sorted[i] as (typeof sorted)[number];
      const next = sorted[i + 1];
      const end = next !== undefined && next.start < w.end ? next.start : w.end;
      if (end <= w.start) continue; // empty, or wholly replaced by a later binding with the same start
      starts.push(w.start);
      ends.push(end);
      values.push(w.value);
    }
    return new TimeWindows(starts, ends, values);
  }

  get size(): number {
    return this.values.length;
  }

  /** The one window, when there is exactly one. */
  get only(): { readonly start: number; readonly end: number; readonly value: T } | undefined {
    return this.values.length === 1 ? { start: this.starts[0]!, end: this.ends[0]!, value: this.values[0]! } : undefined;
  }

  /** The value valid at `time`; with no time, the latest binding (greatest start), whether or not it has ended. */
  at(time: number | undefined): T | undefined {
    const n = this.starts.length;
    if (n === 0) return undefined;
    if (time === undefined) return this.values[n - 1];
    const i = this.lastStartingBy(time);
    return i >= 0 && time < (this.ends[i] as number) ? this.values[i] : undefined;
  }

  /**
   * The value valid at `start` (`at`); when none is, the value of the window that begins after `start` and before
   * `end`, if exactly one does. For a record that sums up an interval (Calico and Goldmane logs: `time` is the
   * interval's start, `end_time` its end): a pod that came up during the interval logged its flows as its own.
   * Two windows beginning in the interval leave it undecided (undefined): the record does not say which it was.
   */
  during(start: number | undefined, end: number | undefined): T | undefined {
    const held = this.at(start);
    if (held !== undefined || start === undefined || end === undefined) return held;
    const next = this.lastStartingBy(start) + 1;
    const n = this.starts.length;
    if (next >= n || (this.starts[next] as number) >= end) return undefined;
    return next + 1 === n || (this.starts[next + 1] as number) >= end ? this.values[next] : undefined;
  }

  /**
   * Every value valid at some time in `[start, end)`, in time order; with no end, the one valid at `start`; with no
   * start, the latest binding (as `at`).
   */
  overlapping(start: number | undefined, end: number | undefined): T[] {
    if (start === undefined || end === undefined) {
      const v = this.at(start);
      return v === undefined ? [] : [v];
    }
    const out: T[] = [];
    for (let i = Math.max(0, this.lastStartingBy(start)); i < this.starts.length && (this.starts[i] as number) < end; i++) {
      if ((this.ends[i] as number) > start) out.push(this.values[i] as T);
    }
    return out;
  }

  /** Index of the last window starting at or before `time`; -1 when every window starts after it. */
  private lastStartingBy(time: number): number {
    let lo = -1;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as number) <= time) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
