/**
 * The name a policy goes by in verdicts, traces and the `rule` column: the name Calico gives it in flow logs
 * (libcalico-go/lib/names/policy.go `DeconstructPolicyName`), so our rows and the observed policy hits of Calico
 * flow logs name a policy the same way:
 *   GlobalNetworkPolicy            <tier>.<name>                      staged: `staged:<tier>.<name>`
 *   NetworkPolicy (Calico)         <namespace>/<tier>.<name>          staged: `<namespace>/staged:<tier>.<name>`
 *   Kubernetes NetworkPolicy       <namespace>/knp.default.<name>     staged: `<namespace>/staged:knp.default.<name>`
 *   ClusterNetworkPolicy           kcnp.<tier>.<name>
 *   AdminNetworkPolicy             kanp.adminnetworkpolicy.<name>
 *   BaselineAdminNetworkPolicy     kbanp.baselineadminnetworkpolicy.<name>
 * Calico policy names in a non-default tier already start with `<tier>.`; the prefix is added only when missing.
 * The display name is also the tie-break between policies of equal order (felix/calc/policy_sorter.go sorts by
 * the same key).
 */
import type { Policy } from '../policy/model.js';

export function policyDisplayName(p: Policy): string {
  const ns = p.namespace ?? '';
  switch (p.sourceKind) {
    case 'GlobalNetworkPolicy':
      return tiered(p.name, p.tier);
    case 'StagedGlobalNetworkPolicy':
      return `staged:${tiered(p.name, p.tier)}`;
    case 'NetworkPolicy':
      return `${ns}/${tiered(p.name, p.tier)}`;
    case 'StagedNetworkPolicy':
      return `${ns}/staged:${tiered(p.name, p.tier)}`;
    case 'KubernetesNetworkPolicy':
      return `${ns}/${prefixed(p.name, 'knp.default.')}`;
    case 'StagedKubernetesNetworkPolicy':
      return `${ns}/staged:${prefixed(p.name, 'knp.default.')}`;
    case 'ClusterNetworkPolicy':
      return prefixed(p.name, `kcnp.${p.tier}.`);
    case 'AdminNetworkPolicy':
      return prefixed(p.name, 'kanp.adminnetworkpolicy.');
    case 'BaselineAdminNetworkPolicy':
      return prefixed(p.name, 'kbanp.baselineadminnetworkpolicy.');
  }
}

function tiered(name: string, tier: string): string {
  return prefixed(name, `${tier}.`);
}

function prefixed(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name : prefix + name;
}
