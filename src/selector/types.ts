/** Labels as selectors see them: key → value. Plain objects, never mutated after construction. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A parsed, compiled Calico selector. Two selectors with the same `canonical` text are the same selector
 * (Calico's `Selector.String()` / `UniqueID()`), so `canonical` is the cache key everywhere.
 */
export interface Selector {
  /** Calico's canonical text: `all()` for the empty selector. */
  readonly canonical: string;
  /** True for `all()` (and the empty selector): lets callers skip evaluation. */
  readonly isAll: boolean;
  /**
   * True when the selector is exactly `global()`: inside a rule's namespaceSelector that means
   * "non-namespaced peers" (global network sets, host endpoints) instead of a namespace match.
   */
  readonly isGlobal: boolean;
  /** The label keys it reads (`has(k)`, `k == v`, `k in {...}`...): labels outside them never change a match. */
  readonly labelKeys: readonly string[];
  matches(labels: Labels): boolean;
}
