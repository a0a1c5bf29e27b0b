/**
 * The policies a host endpoint runs before its normal ones, on traffic to and from the host itself
 * (felix/rules/endpoints.go, "Summary of host endpoint policies" in Calico's docs):
 * - doNotTrack (untracked) policy, in the raw table, both directions: Allow accepts without connection tracking
 *   and skips every later policy, Deny drops. Felix ignores it on an all-interfaces host endpoint
 *   (felix/dataplane/linux/endpoint_mgr.go).
 * - preDNAT policy, in the mangle table, ingress only: Allow accepts and skips the normal policy, Deny drops.
 * Each stage has failsafe rules first, as the normal chains do, and, unlike them, no end-of-tier drop: a packet no
 * rule decided goes on to the next stage. Traffic that the host forwards (to its pods, NodePorts) also meets these
 * stages, which flowaudit does not evaluate (engine/host-paths.ts warns of them).
 */
import { type CompiledPolicy, PolicyIndex } from './applicable.js';
import { EndpointPrograms } from './program.js';
import type { EndpointClass } from './subject.js';
import type { HostEndpointRef } from '../inventory/endpoint.js';

export type HostStageKind = 'untracked' | 'preDNAT';

export interface HostStage {
  readonly kind: HostStageKind;
  readonly programs: EndpointPrograms;
}

const NONE: readonly HostStage[] = [];

/**
 * Whether doNotTrack policy acts at this host endpoint: Felix ignores it on an all-interfaces (`interfaceName: *`)
 * one (felix/dataplane/linux/endpoint_mgr.go updateHostEndpoints).
 */
export function runsUntracked(hostEndpoint: Pick<HostEndpointRef, 'interfaceName'>): boolean {
  return hostEndpoint.interfaceName !== '*';
}

export class HostStages {
  /** Every doNotTrack policy, then every preDNAT policy, each in evaluation order. */
  readonly policies: readonly CompiledPolicy[];
  private readonly untracked: PolicyIndex;
  private readonly preDnat: PolicyIndex;

  constructor(
    untracked: readonly CompiledPolicy[],
    preDnat: readonly CompiledPolicy[],
  ) {
    this.untracked = new PolicyIndex(untracked);
    this.preDnat = new PolicyIndex(preDnat);
    this.policies = [...untracked, ...preDnat];
  }

  /**
   * The stages with policies that apply to the class, in the order Felix runs them (none for pods), kept on the
   * class on first use as its programs are.
   */
  of(cls: EndpointClass): readonly HostStage[] {
    const owner = cls.owner;
    if (owner.kind !== 'host' || this.policies.length === 0) return NONE;
    return (cls.hostStages ??= [
      ...(runsUntracked(owner) ? stage('untracked', this.untracked, cls) : []),
      ...stage('preDNAT', this.preDnat, cls),
    ]);
  }
}

function stage(kind: HostStageKind, index: PolicyIndex, cls: EndpointClass): HostStage[] {
  const applied = index.applicable(cls);
  return applied.ingress.length === 0 && applied.egress.length === 0 ? [] : [{ kind, programs: new EndpointPrograms(applied, cls) }];
}

