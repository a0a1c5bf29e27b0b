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
import type { Policy, PolicySourceKind } from '../policy/model.js';

export function policyDisplayName(p: Policy): string {
  return displayName(p.sourceKind, p.name, p.namespace, p.tier);
}

/** The same name from its parts (a policy hit of a flow log names its policy by them). */
export function displayName(kind: PolicySourceKind, name: string, namespace: string | undefined, tier: string): string {
  const ns = namespace ?? '';
  switch (kind) {
    case 'GlobalNetworkPolicy':
      return tiered(name, tier);
    case 'StagedGlobalNetworkPolicy':
      return `staged:${tiered(name, tier)}`;
    case 'NetworkPolicy':
      return `${ns}/${tiered(name, tier)}`;
    case 'StagedNetworkPolicy':
      return `${ns}/staged:${tiered(name, tier)}`;
    case 'KubernetesNetworkPolicy':
      return `${ns}/${prefixed(name, 'knp.default.')}`;
    case 'StagedKubernetesNetworkPolicy':
      return `${ns}/staged:${prefixed(name, 'knp.default.')}`;
    case 'ClusterNetworkPolicy':
      return prefixed(name, `kcnp.${tier}.`);
    case 'AdminNetworkPolicy':
      return prefixed(name, 'kanp.adminnetworkpolicy.');
    case 'BaselineAdminNetworkPolicy':
      return prefixed(name, 'kbanp.baselineadminnetworkpolicy.');
  }
}

function tiered(name: string, tier: string): string {
  return prefixed(name, `${tier}.`);
}

function prefixed(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name : prefix + name;
}
