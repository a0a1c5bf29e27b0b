/** One measured figure, next to the bare baseline measured in the same run where there is one. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly note?: string;
}

/** A rate in thousands, for the per-round figures of a note: `97` for 97,120. */
export function thousands(rate: number): string {
  return (rate / 1000).toFixed(0);
}

/** The middle value of an odd number of measurements (rounds of a suite). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}
