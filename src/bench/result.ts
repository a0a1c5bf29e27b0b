/** One measured figure, next to the bare baseline measured in the same run where there is one. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly note?: string;
}
