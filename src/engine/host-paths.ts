/**
 * Policies that act on a host endpoint's packet paths the engine does not evaluate, with the host endpoints they
 * select: traffic the host forwards, which meets preDNAT policies (mangle PREROUTING, before kube-proxy's DNAT),
 * doNotTrack policies (the raw table) and the forward chains of applyOnForward policies on its way through (its
 * pods' traffic to and from other nodes, NodePort traffic). The engine decides traffic to and from a host endpoint
 * itself, with all of these (engine/host-stages.ts), but not forwarded traffic: flow logs name neither the
 * interface a packet crossed nor its destination before DNAT. Listing them lets the caller say so before a
 * replay, instead of a verdict that silently leaves a deny out. doNotTrack policy counts only at the host
 * endpoints that run it (runsUntracked).
 */
import type { ClusterView, HostEndpointRef } from '../inventory/endpoint.js';
import { diagnostic, type Diagnostic } from '../policy/diagnostics.js';
import type { Policy, PolicySet } from '../policy/model.js';
import { policySelects } from './applicable.js';
import { runsUntracked } from './host-stages.js';
import { EndpointClass } from './subject.js';

/** Where a policy acts that the engine does not evaluate. */
export type HostPath = 'preDNAT' | 'doNotTrack' | 'forward';

export interface HostPathPolicy {
  readonly policy: Policy;
  readonly path: HostPath;
  /** Keys of the host endpoints it selects (`host:<node>/<interface>`), sorted. */
  readonly hostEndpoints: readonly string[];
}

/** The set's policies that act on a path the engine leaves out at some host endpoint of the cluster, in set order. */
export function hostPathPolicies(set: PolicySet, cluster: ClusterView): HostPathPolicy[] {
  const hosts = new Map<string, { readonly endpoint: HostEndpointRef; readonly subject: EndpointClass }[]>();
  for (const e of cluster.endpoints()) {
    if (e.kind !== 'host') continue;
    let versions = hosts.get(e.key);
    if (versions === undefined) hosts.set(e.key, (versions = []));
    versions.push({ endpoint: e, subject: new EndpointClass(0, e, cluster, set.profiles) });
  }
  const out: HostPathPolicy[] = [];
  for (const policy of set.policies) {
    const path = hostPathOf(policy);
    if (path === undefined) continue;
    const selected: string[] = [];
    for (const [key, versions] of hosts) {
      const applies = versions.some(
        ({ endpoint, subject }) =>
          (path !== 'doNotTrack' || runsUntracked(endpoint)) && policySelects(policy, subject, (s) => s.matches(subject.labels)),
      );
      if (applies) selected.push(key);
    }
    if (selected.length > 0) out.push({ policy, path, hostEndpoints: selected.sort() });
  }
  return out;
}

function hostPathOf(p: Policy): HostPath | undefined {
  if (p.preDNAT) return 'preDNAT';
  if (p.doNotTrack) return 'doNotTrack';
  return p.applyOnForward ? 'forward' : undefined;
}

/** Host endpoints named in a message before the rest are counted. */
const NAMED = 3;

/** A `host-path-not-evaluated` warning for each policy hostPathPolicies lists that has an origin. */
export function hostPathDiagnostics(set: PolicySet, cluster: ClusterView): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { policy, path, hostEndpoints } of hostPathPolicies(set, cluster)) {
    if (policy.origin === undefined) continue;
    const more = hostEndpoints.length - NAMED;
    const hosts = `${hostEndpoints.slice(0, NAMED).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    out.push(diagnostic('host-path-not-evaluated', `policy ${policy.name} ${PATH_TEXT[path](hosts)}`, { ...policy.origin, path: '' }));
  }
  return out;
}

const PATH_TEXT: Record<HostPath, (hosts: string) => string> = {
  preDNAT: (hosts) =>
    `is preDNAT and selects host endpoints ${hosts}: flowaudit evaluates it for traffic to those hosts themselves, not for traffic arriving through them for elsewhere (NodePorts, their pods), whose verdicts leave it out`,
  doNotTrack: (hosts) =>
    `is doNotTrack and selects host endpoints ${hosts}: flowaudit evaluates it for traffic to and from those hosts themselves, not for traffic forwarded through them, whose verdicts leave it out`,
  forward: (hosts) =>
    `applies on forward and selects host endpoints ${hosts}: flowaudit evaluates it for traffic to and from those hosts, not for traffic forwarded through them (their pods' traffic to and from other nodes, NodePort traffic), whose verdicts leave it out`,
};
