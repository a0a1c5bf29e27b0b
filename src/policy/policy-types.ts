/**
 * Which directions a policy applies to. Each kind defaults differently:
 * - Calico kinds (api `defaults/networkpolicy.go` defaultPolicyTypesField): Ingress when there are no egress
 *   rules (also when there are no rules at all), Egress when only egress rules, both when both.
 * - Kubernetes NetworkPolicy (kubernetes `pkg/apis/networking/v1/defaults.go`): Ingress always, plus Egress when
 *   `spec.egress` has at least one rule; Calico's own conversion of a policy with no types (a
 *   StagedKubernetesNetworkPolicy, which no API server defaults) is Ingress only.
 * - Admin and cluster network policies: the directions that have converted rules.
 */
import type { FieldMap } from './fields.js';

export interface PolicyTypes {
  readonly ingress: boolean;
  readonly egress: boolean;
}

/**
 * The `types`/`policyTypes` list as written (Ingress/Egress, each at most once), or undefined when absent or
 * empty (the kind's default applies) or invalid (reported).
 */
export function readTypes(spec: FieldMap, key: 'types' | 'policyTypes'): PolicyTypes | undefined {
  const items = spec.strings(key);
  if (items === undefined || items.length === 0) return undefined;
  let ingress = false;
  let egress = false;
  for (const item of items) {
    if (item.value !== 'Ingress' && item.value !== 'Egress') {
      spec.check.report('bad-value', `${key} entries must be Ingress or Egress, found "${item.value}"`, item.path);
      continue;
    }
    const seen = item.value === 'Ingress' ? ingress : egress;
    if (seen) spec.check.report('bad-value', `"${item.value}" is listed more than once`, item.path);
    if (item.value === 'Ingress') ingress = true;
    else egress = true;
  }
  return { ingress, egress };
}

export function calicoDefaultTypes(ingressRules: number, egressRules: number): PolicyTypes {
  if (egressRules === 0) return { ingress: true, egress: false };
  return { ingress: ingressRules > 0, egress: true };
}

/** Rules for a direction the types leave out never act; Calico converts them silently, we say so. */
export function warnIgnoredRules(spec: FieldMap, types: PolicyTypes, keys: { ingress: string; egress: string }): void {
  for (const direction of ['ingress', 'egress'] as const) {
    const rules = spec.raw(keys[direction]);
    if (!types[direction] && Array.isArray(rules) && rules.length > 0) {
      const name = direction === 'ingress' ? 'Ingress' : 'Egress';
      spec.check.report('rules-ignored', `the policy's types do not include ${name}, so these rules never apply`, spec.pathOf(keys[direction]));
    }
  }
}
