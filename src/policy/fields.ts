/**
 * Typed, position-aware reading of one resource's plain data. Every reader reports what is wrong (with the
 * field's path and source position) and returns undefined, so a converter keeps going and one run lists every
 * problem of the resource; the loader drops the resource afterwards if any error was reported.
 */
import { diagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import type { SourceDocument } from './source-document.js';
import type { Origin } from './model.js';
import { childPath, itemPath } from './path.js';

/** Collects the diagnostics of one resource and knows whether any was an error. */
export class ResourceCheck {
  private errors = 0;

  constructor(
    private readonly doc: SourceDocument,
    private readonly out: Diagnostic[],
  ) {}

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  /** Errors so far: compare before and after reading a part to know whether that part was valid. */
  get errorCount(): number {
    return this.errors;
  }

  report(code: DiagnosticCode, message: string, path: string, part: 'key' | 'value' = 'value'): void {
    this.push(code, message, path, this.doc.position(path, part));
  }

  /** For a problem at UTF-16 `offset` inside the string at `path` (a selector's column). */
  reportInString(code: DiagnosticCode, message: string, path: string, offset: number): void {
    this.push(code, message, path, this.doc.positionInString(path, offset));
  }

  /** Where `path` was written; line and column are looked up when read (SourceDocument.origin). */
  origin(path: string): Origin {
    return this.doc.origin(path);
  }

  private push(code: DiagnosticCode, message: string, path: string, at: { line: number; column: number }): void {
    const d = diagnostic(code, message, { file: this.doc.file, line: at.line, column: at.column, path });
    if (d.severity === 'error') this.errors++;
    this.out.push(d);
  }
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

export function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A mapping field of a resource, with readers for its children. `null` children count as absent (Go's JSON). */
export class FieldMap {
  private constructor(
    readonly check: ResourceCheck,
    readonly path: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {}

  /**
   * `value` as a mapping, or undefined after reporting `wrong-type`. Keys outside `known` are reported as
   * `unknown-field` warnings (omit `known` for free-form mappings such as metadata).
   */
  static of(check: ResourceCheck, value: unknown, path: string, known?: readonly string[]): FieldMap | undefined {
    if (!isMapping(value)) {
      check.report('wrong-type', `expected a mapping, found ${describeType(value)}`, path);
      return undefined;
    }
    if (known !== undefined) {
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        const hint = closest(key, known);
        check.report('unknown-field', `unknown field "${key}"${hint === undefined ? '' : `; did you mean "${hint}"?`}`, childPath(path, key), 'key');
      }
    }
    return new FieldMap(check, path, value);
  }

  pathOf(key: string): string {
    return childPath(this.path, key);
  }

  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }

  raw(key: string): unknown {
    const v = Object.hasOwn(this.fields, key) ? this.fields[key] : undefined;
    return v === null ? undefined : v;
  }

  /** Reports `missing-field` when absent; returns whether present. */
  require(key: string): boolean {
    if (this.has(key)) return true;
    this.check.report('missing-field', `missing required field "${key}"`, this.pathOf(key));
    return false;
  }

  string(key: string): string | undefined {
    return this.typed(key, 'a string', (v): v is string => typeof v === 'string');
  }

  boolean(key: string): boolean | undefined {
    return this.typed(key, 'a boolean', (v): v is boolean => typeof v === 'boolean');
  }

  number(key: string): number | undefined {
    return this.typed(key, 'a number', (v): v is number => typeof v === 'number' && Number.isFinite(v));
  }

  /** An integer within [min, max]; out of range reports `bad-value`. */
  integer(key: string, min: number, max: number): number | undefined {
    const v = this.number(key);
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < min || v > max) {
      this.check.report('bad-value', `"${key}" must be an integer from ${min} to ${max}, found ${v}`, this.pathOf(key));
      return undefined;
    }
    return v;
  }

  map(key: string, known?: readonly string[]): FieldMap | undefined {
    const v = this.raw(key);
    return v === undefined ? undefined : FieldMap.of(this.check, v, this.pathOf(key), known);
  }

  /** The items of a list field with their paths. */
  list(key: string): { readonly value: unknown; readonly path: string }[] | undefined {
    const v = this.typed(key, 'a list', (x): x is unknown[] => Array.isArray(x));
    return v?.map((value, i) => ({ value, path: itemPath(this.pathOf(key), i) }));
  }

  /** A list of mappings; items that are not mappings are reported and skipped. */
  maps(key: string, known?: readonly string[]): FieldMap[] | undefined {
    const items = this.list(key);
    if (items === undefined) return undefined;
    const out: FieldMap[] = [];
    for (const item of items) {
      const m = FieldMap.of(this.check, item.value, item.path, known);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  /** A list of strings; other items are reported and skipped. */
  strings(key: string): { readonly value: string; readonly path: string }[] | undefined {
    const items = this.list(key);
    if (items === undefined) return undefined;
    return items.filter((item): item is { value: string; path: string } => {
      if (typeof item.value === 'string') return true;
      this.check.report('wrong-type', `expected a string, found ${describeType(item.value)}`, item.path);
      return false;
    });
  }

  /** A string → string mapping (labels); non-string values are reported (Kubernetes rejects `version: 1`). */
  labels(key: string): Record<string, string> | undefined {
    const m = this.map(key);
    if (m === undefined) return undefined;
    const entries: [string, string][] = [];
    for (const [k, v] of Object.entries(m.fields)) {
      if (typeof v === 'string') entries.push([k, v]);
      else m.check.report('wrong-type', `label "${k}" must be a string, found ${describeType(v)}; quote it`, m.pathOf(k));
    }
    // fromEntries defines own properties, so no key (not even __proto__) reaches the prototype.
    return Object.fromEntries(entries);
  }

  private typed<T>(key: string, expected: string, ok: (v: unknown) => v is T): T | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (ok(v)) return v;
    this.check.report('wrong-type', `"${key}" must be ${expected}, found ${describeType(v)}`, this.pathOf(key));
    return undefined;
  }
}

/** A known name the unknown `key` is probably a typo of: same letters ignoring case, or at most 2 edits away. */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    if (candidate.toLowerCase() === lower) return candidate;
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The object without its undefined-valued keys, so optional model fields are absent rather than undefined. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
