/**
 * Calico v3 Profile → model `Profile` (api/pkg/apis/projectcalico/v3/profile.go: `ingress`, `egress`,
 * `labelsToApply`). Rules are read as a GlobalNetworkPolicy's are: no namespace, so rule selectors match across
 * the cluster. The profiles Calico generates (`kns.<namespace>`, `ksa.<namespace>.<account>`, and
 * `projectcalico-default-allow`, which `kubectl get profiles` lists too) are skipped without a word: flowaudit
 * derives them from namespaces and service accounts as Calico does (engine/direction.ts, engine/subject.ts).
 */
import { readRules } from './calico.js';
import { FieldMap } from './fields.js';
import type { Profile } from './model.js';
import { readMetadata } from './resource.js';

/** The profile kube-controllers gives auto-created host endpoints; it allows everything. */
export const DEFAULT_ALLOW_PROFILE = 'projectcalico-default-allow';

const NAMESPACE_PREFIX = 'kns.';
const SERVICE_ACCOUNT_PREFIX = 'ksa.';

/** The profiles Calico derives for a Kubernetes pod: its namespace's and its service account's. */
export function podProfiles(namespace: string, serviceAccount: string): readonly string[] {
  return [`${NAMESPACE_PREFIX}${namespace}`, `${SERVICE_ACCOUNT_PREFIX}${namespace}.${serviceAccount}`];
}

/** `kns.<namespace>` → the namespace; undefined for any other name. */
export function profileNamespace(name: string): string | undefined {
  return name.startsWith(NAMESPACE_PREFIX) ? name.slice(NAMESPACE_PREFIX.length) : undefined;
}

/** `ksa.<namespace>.<account>` → both (namespaces hold no `.`, account names may); undefined for any other name. */
export function profileServiceAccount(name: string): { readonly namespace: string; readonly name: string } | undefined {
  if (!name.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = name.slice(SERVICE_ACCOUNT_PREFIX.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? undefined : { namespace: rest.slice(0, dot), name: rest.slice(dot + 1) };
}

/** Whether the name is one Calico derives for a Kubernetes pod (`kns.*`, `ksa.*`). */
export function isPodProfile(name: string): boolean {
  return name.startsWith(NAMESPACE_PREFIX) || name.startsWith(SERVICE_ACCOUNT_PREFIX);
}

/** Whether Calico's profile of this name allows everything: `projectcalico-default-allow` and `kns.*`. */
export function allowsEverything(name: string): boolean {
  return name === DEFAULT_ALLOW_PROFILE || name.startsWith(NAMESPACE_PREFIX);
}

/** Whether Calico makes a profile of this name itself. */
export function isGeneratedProfile(name: string): boolean {
  return name === DEFAULT_ALLOW_PROFILE || isPodProfile(name);
}

export function convertProfile(root: FieldMap): Profile | undefined {
  const metadata = readMetadata(root, 'cluster');
  if (metadata !== undefined && isGeneratedProfile(metadata.name)) return undefined;
  // A Profile without a spec is one without rules or labels, as Calico reads it.
  const known = ['ingress', 'egress', 'labelsToApply'];
  const spec = root.has('spec') ? root.map('spec', known) : FieldMap.of(root.check, {}, root.pathOf('spec'));
  if (metadata === undefined || spec === undefined) return undefined;
  return {
    name: metadata.name,
    ingress: readRules(spec, 'ingress', undefined),
    egress: readRules(spec, 'egress', undefined),
    labelsToApply: spec.labels('labelsToApply') ?? {},
    origin: root.check.origin(root.path),
  };
}
