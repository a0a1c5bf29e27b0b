/**
 * What selectors see of an endpoint or a network set, after Calico's label inheritance
 * (felix/labelindex: an endpoint inherits the labels of its profiles). Pods inherit the namespace profile
 * `kns.<ns>` (namespace labels as `pcns.<key>`) and the service-account profile `ksa.<ns>.<sa>` (labels as
 * `pcsa.<key>`); namespaced network sets inherit `kns.<ns>` too (libcalico-go updateprocessors/
 * networksetprocessor.go); host endpoints, and workloads of other orchestrators, inherit those of the profiles
 * they name (a loaded Profile's `labelsToApply`). The subject's own labels win over inherited ones.
 *
 * Endpoints are evaluated by class: everything a decision reads about an endpoint other than its IPs (labels,
 * namespace, service account, named ports; for a host endpoint, the endpoint itself) makes its EndpointClass, so
 * the replicas of a workload share applicable policies, rule programs, peer-match results and cache keys (the
 * way Cilium computes policy per security identity). IPs are the address class's business
 * (engine/address-space.ts).
 */
import { type ClusterView, type Endpoint, type HostEndpointRef, type NamedPort, policyKey } from '../inventory/endpoint.js';
import type { Cidr, NetworkSet, Profile } from '../policy/model.js';
import { isPodProfile, podProfiles, profileNamespace, profileServiceAccount } from '../policy/profile.js';
import type { Labels } from '../selector/types.js';
import type { HostStage } from './host-stages.js';
import type { EndpointPrograms } from './program.js';

export const EMPTY_LABELS: Labels = Object.freeze({});

const NAMESPACE_LABEL = 'projectcalico.org/namespace';
const NAME_LABEL = 'projectcalico.org/name';

/** The facts selector evaluation needs about one labelled thing. */
export interface SelectorSubject {
  /** Own labels plus those inherited from profiles: `pcns.`/`pcsa.` ones, and loaded Profiles' `labelsToApply`. */
  readonly labels: Labels;
  /** Namespace for namespaced subjects (pods, namespaced network sets); undefined for host endpoints, global sets. */
  readonly namespace: string | undefined;
  /** Labels of the namespace (what a namespaceSelector sees); empty when not namespaced. */
  readonly namespaceLabels: Labels;
  /** Pods only. */
  readonly serviceAccount: string | undefined;
  /** Labels of the pod's service account plus `projectcalico.org/name`; undefined when not a pod. */
  readonly serviceAccountLabels: Labels | undefined;
}

/**
 * A pod's profiles: those Calico derives for a Kubernetes pod, `kns.<namespace>` (allows everything) and
 * `ksa.<namespace>.<service account>` (labels only), or, for a workload of another orchestrator, the ones it names.
 */
export interface PodProfiles {
  readonly kind: 'pod';
  readonly profiles: readonly string[];
}

/** The endpoints that decide alike, whatever their IPs. Built once per distinct class key, on first use. */
export class EndpointClass implements SelectorSubject {
  readonly labels: Labels;
  readonly namespace: string | undefined;
  readonly namespaceLabels: Labels;
  readonly serviceAccount: string | undefined;
  readonly serviceAccountLabels: Labels | undefined;
  readonly namedPorts: readonly NamedPort[];
  /**
   * What decides after the last tier: for pods, their profiles; for a host endpoint, the endpoint itself (its
   * profiles, and its key in `host-default-deny`), so each host endpoint is a class of its own.
   */
  readonly owner: PodProfiles | HostEndpointRef;
  /** The rules this class runs, set by the evaluator on first use (engine/program.ts). */
  programs: EndpointPrograms | undefined;
  /** A host endpoint's doNotTrack and preDNAT stages, set on first use (engine/host-stages.ts). */
  hostStages: readonly HostStage[] | undefined;

  constructor(
    /** Dense, from 0: peer matchers and the verdict cache index by it. */
    readonly id: number,
    endpoint: Endpoint,
    cluster: ClusterView,
    /** The set's profiles: an endpoint that names profiles inherits the `labelsToApply` of those it names. */
    profiles: ReadonlyMap<string, Profile>,
  ) {
    this.namedPorts = endpoint.namedPorts;
    if (endpoint.kind === 'host') {
      this.owner = endpoint;
      this.labels = inheritedLabels(endpoint.labels, endpoint.profiles, cluster, profiles);
      this.namespace = undefined;
      this.namespaceLabels = EMPTY_LABELS;
      this.serviceAccount = undefined;
      this.serviceAccountLabels = undefined;
      return;
    }
    const ns = endpoint.namespace;
    const sa = endpoint.serviceAccount;
    const named = endpoint.profiles ?? podProfiles(ns, sa);
    this.owner = { kind: 'pod', profiles: named };
    this.namespaceLabels = namespaceLabels(cluster, ns);
    this.serviceAccountLabels = serviceAccountLabels(cluster, ns, sa);
    this.namespace = ns;
    this.serviceAccount = sa;
    this.labels = inheritedLabels(endpoint.labels, named, cluster, profiles);
  }

  /** The class key: a pod's policyKey (inventory/endpoint.ts); host endpoints key by id. */
  static keyOf(e: Endpoint): string {
    return e.kind === 'host' ? `host:${e.id}` : policyKey(e);
  }
}

/** A (Global)NetworkSet as rule selectors see it. */
export class NetworkSetSubject implements SelectorSubject {
  readonly labels: Labels;
  readonly namespace: string | undefined;
  readonly namespaceLabels: Labels;
  readonly serviceAccount = undefined;
  readonly serviceAccountLabels = undefined;
  readonly cidrs: readonly Cidr[];

  constructor(set: NetworkSet, cluster: ClusterView) {
    this.cidrs = set.nets;
    this.namespace = set.namespace;
    if (set.namespace === undefined) {
      this.labels = set.labels;
      this.namespaceLabels = EMPTY_LABELS;
      return;
    }
    const ns = set.namespace;
    this.namespaceLabels = namespaceLabels(cluster, ns);
    this.labels = { ...prefixed('pcns.', this.namespaceLabels), ...set.labels, [NAMESPACE_LABEL]: ns };
  }
}

/**
 * The labels of an endpoint with profiles, as selectors see them: its own, then those of its profiles
 * in the order it names them, the first holder of a label winning (felix/labelindex/label_inheritance_index.go
 * itemData.GetHandle). `kns.<ns>` gives the namespace's labels as `pcns.*`, `ksa.<ns>.<account>` the service
 * account's as `pcsa.*`, a loaded Profile its `labelsToApply`.
 */
function inheritedLabels(own: Labels, names: readonly string[], cluster: ClusterView, profiles: ReadonlyMap<string, Profile>): Labels {
  const inherited = names.map((name) => profileLabels(name, cluster, profiles)).filter((l) => Object.keys(l).length > 0);
  if (inherited.length === 0) return own;
  const labels: Record<string, string> = {};
  // Last profile first, so that each earlier holder, and the endpoint itself, overwrites.
  for (let i = inherited.length - 1; i >= 0; i--) Object.assign(labels, inherited[i]);
  return Object.assign(labels, own);
}

function profileLabels(name: string, cluster: ClusterView, profiles: ReadonlyMap<string, Profile>): Labels {
  const namespace = profileNamespace(name);
  if (namespace !== undefined) return prefixed('pcns.', namespaceLabels(cluster, namespace));
  const account = profileServiceAccount(name);
  if (account !== undefined) return prefixed('pcsa.', serviceAccountLabels(cluster, account.namespace, account.name));
  return isPodProfile(name) ? EMPTY_LABELS : (profiles.get(name)?.labelsToApply ?? EMPTY_LABELS);
}

/** A service account missing from the inventory still has the name label Calico always sets. */
function serviceAccountLabels(cluster: ClusterView, ns: string, sa: string): Labels {
  const labels = cluster.serviceAccount(ns, sa)?.labels ?? EMPTY_LABELS;
  return labels[NAME_LABEL] === undefined ? { ...labels, [NAME_LABEL]: sa } : labels;
}

/** A namespace missing from the inventory still has the labels Kubernetes and Calico always set. */
function namespaceLabels(cluster: ClusterView, ns: string): Labels {
  return cluster.namespace(ns)?.labels ?? { [NAME_LABEL]: ns, 'kubernetes.io/metadata.name': ns };
}

function prefixed(prefix: string, labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels)) out[prefix + k] = labels[k]!;
  return out;
}
