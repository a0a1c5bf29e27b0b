/**
 * How libcalico-go turns one Kubernetes-style rule (peers × ports) into Calico rules, shared by NetworkPolicy
 * (`conversion.go` k8sRuleToCalico) and the admin/cluster network policies (`clusternetworkpolicy.go`
 * unpackCNPProtocols and combinePortsWith*Peers): ports are grouped by protocol, the groups sorted by protocol
 * name, and one rule is emitted per (protocol, peer), in that order. The order matters: flow logs report the
 * index of the converted rule.
 */
import { compact } from './fields.js';
import type { Direction, EntityMatch, PortMatch, Rule, RuleAction } from './model.js';
import { simplifyPorts } from './ports.js';
import { KUBERNETES_PROTOCOLS } from './protocol.js';

/** One written port: its protocol ('' for a named port without one) and port, or every port of the protocol. */
export interface PortEntry {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP' | '';
  readonly port: PortMatch | 'all';
}

/** The peer half of a rule; `undecidable` for a peer flow logs cannot decide (domain names). */
export interface PeerSide {
  readonly entity: EntityMatch;
  readonly undecidable?: string;
}

interface ProtocolGroup {
  readonly protocol: number | undefined;
  readonly ports: readonly PortMatch[] | undefined;
}

/**
 * Groups written ports by protocol. No ports at all (or an entry that names nothing) means any protocol and
 * port; a protocol written once without a port means every port of it, whatever else lists it.
 */
export function groupPorts(entries: readonly PortEntry[] | 'any'): ProtocolGroup[] {
  if (entries === 'any' || entries.length === 0) return [{ protocol: undefined, ports: undefined }];
  const byProtocol = new Map<string, PortMatch[] | 'all'>();
  for (const { protocol, port } of entries) {
    const known = byProtocol.get(protocol);
    if (port === 'all') byProtocol.set(protocol, 'all');
    else if (known === undefined) byProtocol.set(protocol, [port]);
    else if (known !== 'all') known.push(port);
  }
  return [...byProtocol.keys()].sort().map((name) => {
    const ports = byProtocol.get(name);
    return {
      protocol: name === '' ? undefined : KUBERNETES_PROTOCOLS.get(name),
      ports: ports === 'all' || ports === undefined ? undefined : simplifyPorts(ports),
    };
  });
}

/** The Calico rules for one written rule, numbered from `firstIndex`. */
export function expandRule(
  groups: readonly ProtocolGroup[],
  peers: readonly PeerSide[],
  direction: Direction,
  action: RuleAction,
  firstIndex: number,
  origin: Rule['origin'],
): Rule[] {
  const rules: Rule[] = [];
  for (const group of groups) {
    for (const peer of peers) {
      const ports = compact<EntityMatch>({ ports: group.ports });
      const destination = direction === 'ingress' ? ports : { ...peer.entity, ...ports };
      rules.push(
        compact<Rule>({
          index: firstIndex + rules.length,
          action,
          protocol: group.protocol,
          source: direction === 'ingress' ? peer.entity : {},
          destination,
          undecidable: peer.undecidable,
          origin,
        }),
      );
    }
  }
  return rules;
}
