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
    // Last window starting at or before `time`.
    let lo = 0;
    let hi = n - 1;
    if ((this.starts[0] as number) > time) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as number) <= time) lo = mid;
      else hi = mid - 1;
    }
    return time < (this.ends[lo] as number) ? this.values[lo] : undefined;
  }
}
