/**
 * Policy identity and names. Identity (`Policy.id`) follows Calico's policy key (kind, namespace, name), with a
 * staged kind sharing the family of the kind it stages, so staged Set/Delete and `--change` find their target.
 * Names are what Calico calls the converted policy (and flow logs print): Calico kinds keep `metadata.name`;
 * Kubernetes kinds get the prefixes libcalico-go gives them (`knp.default.` in names/policy.go and
 * kube-controllers; `kanp.adminnetworkpolicy.` and `kbanp.baselineadminnetworkpolicy.` as in Calico 3.31, the
 * last release with those kinds; `kcnp.<tier>.` as names/policy.go K8sCNPAdminTierNamePrefix had it before
 * Calico 3.32 keyed ClusterNetworkPolicy by kind instead).
 */
import type { PolicySourceKind } from './model.js';

export type PolicyFamily =
  | 'NetworkPolicy'
  | 'GlobalNetworkPolicy'
  | 'KubernetesNetworkPolicy'
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy'
  | 'ClusterNetworkPolicy';

/** The enforced kind a staged kind stands for; enforced kinds map to themselves. */
export const ENFORCED_KIND: Readonly<Record<PolicySourceKind, Exclude<PolicySourceKind, `Staged${string}`>>> = {
  NetworkPolicy: 'NetworkPolicy',
  GlobalNetworkPolicy: 'GlobalNetworkPolicy',
  StagedNetworkPolicy: 'NetworkPolicy',
  StagedGlobalNetworkPolicy: 'GlobalNetworkPolicy',
  StagedKubernetesNetworkPolicy: 'KubernetesNetworkPolicy',
  KubernetesNetworkPolicy: 'KubernetesNetworkPolicy',
  AdminNetworkPolicy: 'AdminNetworkPolicy',
  BaselineAdminNetworkPolicy: 'BaselineAdminNetworkPolicy',
  ClusterNetworkPolicy: 'ClusterNetworkPolicy',
};

/** `<kind family>/<namespace or ->/<metadata.name>` (model.ts `Policy.id`). */
export function policyId(kind: PolicySourceKind, namespace: string | undefined, name: string): string {
  const family: PolicyFamily = ENFORCED_KIND[kind];
  return `${family}/${namespace ?? '-'}/${name}`;
}

const NAME_PREFIX: Readonly<Partial<Record<PolicyFamily, (tier: string) => string>>> = {
  KubernetesNetworkPolicy: () => 'knp.default.',
  AdminNetworkPolicy: () => 'kanp.adminnetworkpolicy.',
  BaselineAdminNetworkPolicy: () => 'kbanp.baselineadminnetworkpolicy.',
  ClusterNetworkPolicy: (tier) => `kcnp.${tier}.`,
};

/** The policy's name as Calico knows it (`tier` is the Calico tier it lands in). */
export function policyName(kind: PolicySourceKind, metadataName: string, tier: string): string {
  return (NAME_PREFIX[ENFORCED_KIND[kind]]?.(tier) ?? '') + metadataName;
}

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = `${LABEL}(\\.${LABEL})*`;
// libcalico-go validator.go: networkPolicyNameRegex, globalNetworkPolicyNameRegex, tierNameRegex.
const NAMESPACED_POLICY_NAME = new RegExp(`^((${LABEL})(\\.${LABEL})?|((?:knp|ossg)\\.default\\.(${SUBDOMAIN})))$`);
const GLOBAL_POLICY_NAME = new RegExp(`^(${LABEL}\\.)?${LABEL}$`);
const TIER_NAME = new RegExp(`^${LABEL}$`);

/** (Staged)NetworkPolicy names: a DNS label, optionally `<tier>.` before it, or a `knp.default.` name. */
export function isNamespacedPolicyName(name: string): boolean {
  return name.length <= 253 && NAMESPACED_POLICY_NAME.test(name);
}

/** (Staged)GlobalNetworkPolicy names: a DNS label, optionally `<tier>.` before it. */
export function isGlobalPolicyName(name: string): boolean {
  return name.length <= 253 && GLOBAL_POLICY_NAME.test(name);
}

/** Tier names appear inside policy names, so they are DNS labels without dots. */
export function isTierName(name: string): boolean {
  return name.length <= 63 && TIER_NAME.test(name);
}
