/**
 * Calico v3 Profile → model `Profile` (api/pkg/apis/projectcalico/v3/profile.go: `ingress`, `egress`,
 * `labelsToApply`). Rules are read as a GlobalNetworkPolicy's are: no namespace, so rule selectors match across
 * the cluster. The profiles Calico generates (`kns.<namespace>`, `ksa.<namespace>.<account>`, and
 * `projectcalico-default-allow`, which `kubectl get profiles` lists too) are skipped without a word: flowaudit
 * derives them from namespaces and service accounts as Calico does (engine/direction.ts, engine/subject.ts).
 */
import { readRules } from './calico.js';
import type { FieldMap } from './fields.js';
import type { Profile } from './model.js';
import { readMetadata } from './resource.js';

/** The profile kube-controllers gives auto-created host endpoints; it allows everything. */
export const DEFAULT_ALLOW_PROFILE = 'projectcalico-default-allow';

/** Whether Calico makes a profile of this name itself. */
export function isGeneratedProfile(name: string): boolean {
  return name === DEFAULT_ALLOW_PROFILE || name.startsWith('kns.') || name.startsWith('ksa.');
}

export function convertProfile(root: FieldMap): Profile | undefined {
  const metadata = readMetadata(root, 'cluster');
  if (metadata !== undefined && isGeneratedProfile(metadata.name)) return undefined;
  const spec = root.map('spec', ['ingress', 'egress', 'labelsToApply']);
  if (metadata === undefined || spec === undefined) return undefined;
  return {
    name: metadata.name,
    ingress: readRules(spec, 'ingress', undefined),
    egress: readRules(spec, 'egress', undefined),
    labelsToApply: spec.labels('labelsToApply') ?? {},
    origin: root.check.origin(root.path),
  };
}
