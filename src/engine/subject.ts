/**
 * What selectors see of an endpoint or a network set, after Calico's label inheritance
 * (felix/labelindex: an endpoint inherits the labels of its profiles). Pods inherit the namespace profile
 * `kns.<ns>` (namespace labels as `pcns.<key>`) and the service-account profile `ksa.<ns>.<sa>` (labels as
 * `pcsa.<key>`); namespaced network sets inherit `kns.<ns>` too (libcalico-go updateprocessors/
 * networksetprocessor.go). The subject's own labels win over inherited ones.
 */
import type { Labels } from '../selector/types.js';
import type { ClusterView, Endpoint } from '../inventory/endpoint.js';
import type { Cidr, NetworkSet } from '../policy/model.js';
import { type Address, parseAddress } from './address.js';
import type { EndpointPrograms } from './program.js';

export const EMPTY_LABELS: Labels = Object.freeze({});

const NAMESPACE_LABEL = 'projectcalico.org/namespace';
const NAME_LABEL = 'projectcalico.org/name';

/** The facts selector evaluation needs about one labelled thing. */
export interface SelectorSubject {
  /** Own labels plus inherited `pcns.`/`pcsa.` labels. */
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

/** A workload or host endpoint as the engine sees it; built once per endpoint id, on first use. */
export class EndpointSubject implements SelectorSubject {
  readonly labels: Labels;
  readonly namespace: string | undefined;
  readonly namespaceLabels: Labels;
  readonly serviceAccount: string | undefined;
  readonly serviceAccountLabels: Labels | undefined;
  /** The rules this endpoint runs, set by the evaluator on first use (engine/program.ts). */
  programs: EndpointPrograms | undefined;
  private parsedIps: readonly Address[] | undefined;

  constructor(
    readonly endpoint: Endpoint,
    cluster: ClusterView,
  ) {
    if (endpoint.kind === 'host') {
      this.labels = endpoint.labels;
      this.namespace = undefined;
      this.namespaceLabels = EMPTY_LABELS;
      this.serviceAccount = undefined;
      this.serviceAccountLabels = undefined;
      return;
    }
    const ns = endpoint.namespace;
    const sa = endpoint.serviceAccount;
    this.namespaceLabels = namespaceLabels(cluster, ns);
    // A service account missing from the inventory still has the name label Calico always sets.
    const saLabels = cluster.serviceAccount(ns, sa)?.labels ?? EMPTY_LABELS;
    this.serviceAccountLabels = saLabels[NAME_LABEL] === undefined ? { ...saLabels, [NAME_LABEL]: sa } : saLabels;
    this.namespace = ns;
    this.serviceAccount = sa;
    this.labels = {
      ...prefixed('pcns.', this.namespaceLabels),
      ...prefixed('pcsa.', this.serviceAccountLabels),
      ...endpoint.labels,
    };
  }

  /** The endpoint's own IPs, parsed on first need (used when a flow names the endpoint but not its IP). */
  addresses(): readonly Address[] {
    if (this.parsedIps === undefined) {
      const out: Address[] = [];
      for (const ip of this.endpoint.ips) {
        const a = parseAddress(stripHostPrefix(ip));
        if (a !== undefined) out.push(a);
      }
      this.parsedIps = out;
    }
    return this.parsedIps;
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

/** A namespace missing from the inventory still has the labels Kubernetes and Calico always set. */
function namespaceLabels(cluster: ClusterView, ns: string): Labels {
  return cluster.namespace(ns)?.labels ?? { [NAME_LABEL]: ns, 'kubernetes.io/metadata.name': ns };
}

function prefixed(prefix: string, labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels)) out[prefix + k] = labels[k]!;
  return out;
}

/** Calico writes endpoint IPs as `10.0.0.1/32`; the inventory may pass them on that way. */
function stripHostPrefix(ip: string): string {
  const slash = ip.indexOf('/');
  return slash < 0 ? ip : ip.slice(0, slash);
}
