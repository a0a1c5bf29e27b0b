/**
 * Kubernetes `metav1.LabelSelector` → Calico selector, as libcalico-go `conversion.go` k8sSelectorToCalico
 * writes it: matchLabels as `k == 'v'` (keys sorted), matchExpressions as `k in { 'a' }`, `k not in { 'a' }`,
 * `has(k)`, `! has(k)`, all joined with `&&`. A pod selector always starts with
 * `projectcalico.org/orchestrator == 'k8s'`, so it never matches host endpoints or network sets; an empty
 * namespace selector (`{}`) is `all()`, every namespace.
 */
import type { Selector } from '../selector/types.js';
import type { FieldMap, ResourceCheck } from './fields.js';
import { parseReported } from './selectors.js';

const ORCHESTRATOR_K8S = "projectcalico.org/orchestrator == 'k8s'";

/** The selector for pods matching `m` (absent, at `path`: every pod). */
export function podSelector(check: ResourceCheck, m: FieldMap | undefined, path: string): Selector | undefined {
  const terms = m === undefined ? [] : selectorTerms(m);
  if (terms === undefined) return undefined;
  return parseReported(check, [ORCHESTRATOR_K8S, ...terms].join(' && '), path, false);
}

/** The selector for namespaces matching `m` (`{}`: all namespaces). */
export function namespaceSelector(m: FieldMap): Selector | undefined {
  const terms = selectorTerms(m);
  if (terms === undefined) return undefined;
  return parseReported(m.check, terms.length === 0 ? 'all()' : terms.join(' && '), m.path, false);
}

/** The terms of `m`, or undefined when it is invalid (reported). */
function selectorTerms(m: FieldMap): string[] | undefined {
  const before = m.check.errorCount;
  const terms: string[] = [];
  const labels = m.labels('matchLabels') ?? {};
  for (const key of Object.keys(labels).sort()) terms.push(`${key} == ${quote(labels[key] ?? '')}`);
  for (const e of m.maps('matchExpressions', ['key', 'operator', 'values']) ?? []) {
    const key = e.require('key') ? e.string('key') : undefined;
    const operator = e.require('operator') ? e.string('operator') : undefined;
    const values = (e.strings('values') ?? []).map((v) => v.value);
    if (key === undefined || operator === undefined) continue;
    const set = `{ ${values.map(quote).join(', ')} }`;
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) e.check.report('missing-field', `operator ${operator} needs at least one value`, e.pathOf('values'));
      terms.push(`${key} ${operator === 'In' ? 'in' : 'not in'} ${set}`);
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) e.check.report('conflicting-fields', `operator ${operator} takes no values`, e.pathOf('values'));
      terms.push(operator === 'Exists' ? `has(${key})` : `! has(${key})`);
    } else {
      e.check.report('bad-value', `operator must be In, NotIn, Exists or DoesNotExist, found "${operator}"`, e.pathOf('operator'));
    }
  }
  return m.check.errorCount > before ? undefined : terms;
}

/** Calico string literals have no escapes: single quotes unless the value holds one. */
function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}
