/**
 * The one internal form every policy kind is normalised into (Calico v3 NetworkPolicy/GlobalNetworkPolicy and
 * their staged kinds, Kubernetes NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy,
 * ClusterNetworkPolicy). The engine only ever sees this form. Reference: shared/spec/policy-semantics.md.
 */
import type { Selector } from '../selector/types.js';

export type RuleAction = 'Allow' | 'Deny' | 'Pass' | 'Log';
export type Direction = 'ingress' | 'egress';
export type TierDefaultAction = 'Deny' | 'Pass';

/** Where a resource or field was written, for errors and traces. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A parsed CIDR; `family` decides which addresses it can contain (IPv4 never matches IPv6). */
export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  /** Network address as bytes (4 or 16) and prefix length. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** A port constraint: an inclusive range (a single port is min == max) or a named port. */
export type PortMatch =
  | { readonly kind: 'range'; readonly min: number; readonly max: number }
  | { readonly kind: 'named'; readonly name: string };

/**
 * Which namespaces a rule side's `selector` may match peers in (libcalico-go `calc/` selector rewriting):
 * - `any`: no namespace constraint (GlobalNetworkPolicy selector alone; matches namespaced and global peers).
 * - `namespace`: only the named namespace (namespaced policy, selector without namespaceSelector).
 * - `selector`: namespaces whose labels match.
 * - `global`: only non-namespaced peers (`namespaceSelector: global()`).
 */
export type NamespaceScope =
  | { readonly kind: 'any' }
  | { readonly kind: 'namespace'; readonly name: string }
  | { readonly kind: 'selector'; readonly selector: Selector }
  | { readonly kind: 'global' };

/** One side of a rule (Calico EntityRule). Every field present must hold; an absent field does not constrain. */
export interface EntityMatch {
  readonly nets?: readonly Cidr[];
  readonly notNets?: readonly Cidr[];
  /** Peer selector over endpoint labels, or a network set's labels for an address that is no endpoint. */
  readonly selector?: Selector;
  readonly notSelector?: Selector;
  /**
   * Which namespaces the peer must be in. Present whenever the side has `selector`, `notSelector`,
   * `serviceAccounts` or `namespaceSelector`; absent when it has none of them (then any peer, endpoint or not).
   */
  readonly namespaceScope?: NamespaceScope;
  readonly ports?: readonly PortMatch[];
  readonly notPorts?: readonly PortMatch[];
  readonly serviceAccounts?: { readonly names?: readonly string[]; readonly selector?: Selector };
  readonly services?: { readonly name: string; readonly namespace: string };
}

export interface IcmpMatch {
  readonly type?: number;
  readonly code?: number;
}

export interface Rule {
  /** Index within its direction's rule list, as written (the trace reports it). */
  readonly index: number;
  readonly action: RuleAction;
  readonly protocol?: number;
  readonly notProtocol?: number;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly ipVersion?: 4 | 6;
  readonly source: EntityMatch;
  readonly destination: EntityMatch;
  /**
   * Set when the rule cannot be decided from L3/L4 flow logs (an `http` match, an ANP `domainNames` peer): when
   * such a rule would be reached, the verdict is `unknown` with this reason.
   */
  readonly undecidable?: string;
  readonly origin?: Origin;
}

/** The resource kind a policy came from; kept for traces and reports. */
export type PolicySourceKind =
  | 'NetworkPolicy'
  | 'GlobalNetworkPolicy'
  | 'StagedNetworkPolicy'
  | 'StagedGlobalNetworkPolicy'
  | 'StagedKubernetesNetworkPolicy'
  | 'KubernetesNetworkPolicy'
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy'
  | 'ClusterNetworkPolicy';

export type StagedAction = 'Set' | 'Delete';

export interface Policy {
  /**
   * Identity used by replacement (staged Set/Delete, `--change`): `<kind family>/<namespace or ->/<name>`,
   * where a staged kind shares the family of the kind it stages (StagedKubernetesNetworkPolicy ↔
   * KubernetesNetworkPolicy).
   */
  readonly id: string;
  readonly sourceKind: PolicySourceKind;
  readonly name: string;
  /** Namespaced kinds only. */
  readonly namespace?: string;
  readonly tier: string;
  /** null sorts after every number (Calico: nil order is last); ties break by `name`. */
  readonly order: number | null;
  /** Endpoint selector (already `all()` for an empty one). Namespaced policies also confine to `namespace`. */
  readonly selector: Selector;
  /** GlobalNetworkPolicy / admin policy subjects: which namespaces' pods it applies to. */
  readonly namespaceSelector?: Selector;
  readonly serviceAccountSelector?: Selector;
  /** Directions the policy applies to, after `types` defaulting for its kind. */
  readonly types: { readonly ingress: boolean; readonly egress: boolean };
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  /** null for enforced policies. */
  readonly staged: StagedAction | null;
  /** Host-endpoint special paths: these policies apply at other points and are kept apart from normal ones. */
  readonly applyOnForward: boolean;
  readonly preDNAT: boolean;
  readonly doNotTrack: boolean;
  readonly origin?: Origin;
}

export interface Tier {
  readonly name: string;
  readonly order: number | null;
  readonly defaultAction: TierDefaultAction;
}

/** A (Global)NetworkSet: labelled CIDRs that rule selectors match for addresses that are no endpoint. */
export interface NetworkSet {
  readonly name: string;
  /** Absent for GlobalNetworkSet. */
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nets: readonly Cidr[];
}

/**
 * A Calico Profile a host endpoint (or a workload of another orchestrator) names (`spec.profiles`): after the
 * last tier, the endpoint's profiles run in order, each its rules for the direction (Allow and Deny decide, Pass
 * and no match go on to the next profile), and its `labelsToApply` are labels the endpoint inherits
 * (felix/rules/endpoints.go, felix/labelindex). The
 * profiles Calico makes itself (`kns.*`, `ksa.*`, `projectcalico-default-allow`) are not loaded as Profiles:
 * flowaudit derives them from namespaces and service accounts, as Calico does.
 */
export interface Profile {
  readonly name: string;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  readonly labelsToApply: Readonly<Record<string, string>>;
  readonly origin?: Origin;
}

/**
 * A FelixConfiguration, or calico-node's FELIX_* environment, as far as it decides flows: the failsafe ports and
 * what a pod may send to its own node. Felix reads `default` for every node and `node.<name>` for one node, a
 * field set there winning over the same field in `default`, and the environment over both (policy/felix-config.ts
 * felixSetting); a field set nowhere takes Felix's built-in value.
 */
export interface FelixConfig {
  readonly name: string;
  /** The node of a `node.<name>` configuration; undefined for `default` and for the environment. */
  readonly node: string | undefined;
  /**
   * Present for the calico-node DaemonSet's FELIX_* environment variables (policy/felix-env.ts), which every node's
   * Felix reads over every FelixConfiguration; absent for a FelixConfiguration.
   */
  readonly environment?: true;
  /** `spec.failsafeInboundHostPorts`; undefined when not set here. */
  readonly failsafeInbound: readonly FailsafePort[] | undefined;
  /** `spec.failsafeOutboundHostPorts`; undefined when not set here. */
  readonly failsafeOutbound: readonly FailsafePort[] | undefined;
  /** `spec.defaultEndpointToHostAction`; undefined when not set here. */
  readonly endpointToHost: EndpointToHostAction | undefined;
  readonly origin?: Origin;
}

/**
 * What Felix does with traffic from a pod to the node it runs on once the pod's egress policy allowed it
 * (felix/rules/static.go `filterWorkloadToHostChain`): drop it, accept it, or return it to the host's own
 * iptables INPUT rules, which no Calico policy (no host endpoint's either) decides.
 */
export type EndpointToHostAction = 'Drop' | 'Accept' | 'Return';

/** A failsafe port: traffic on it to (inbound) or from (outbound) a host endpoint skips policy. */
export interface FailsafePort {
  /** IANA protocol number: TCP or UDP. */
  readonly protocol: number;
  readonly port: number;
  /** The remote addresses it is open to (the source inbound, the destination outbound); undefined: all. */
  readonly net: Cidr | undefined;
}

/** Everything one view of policy needs: the current set, or the proposed one. */
export interface PolicySet {
  readonly tiers: ReadonlyMap<string, Tier>;
  /** Enforced and staged policies; which ones act depends on the view the engine compiles. */
  readonly policies: readonly Policy[];
  readonly networkSets: readonly NetworkSet[];
  /** FelixConfiguration resources and calico-node's environment; none means Felix's defaults everywhere. */
  readonly felix: readonly FelixConfig[];
  /** Profiles host endpoints may name, by name. */
  readonly profiles: ReadonlyMap<string, Profile>;
}

/** Built-in tiers (api/pkg/apis/projectcalico/v3/tier.go, libcalico-go/lib/names/policy.go). */
export const BUILTIN_TIERS: readonly Tier[] = [
  { name: 'kube-admin', order: 1_000, defaultAction: 'Pass' },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
];
