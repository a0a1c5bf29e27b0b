/**
 * The Profiles host endpoints (and workloads of other orchestrators) name, compiled: their rules as sites in the
 * pseudo-tier `(profile)`, so a profile rule is named `(profile)/<profile>#<rule>` wherever a policy rule is
 * named `<tier>/<policy>#<rule>` (rule column, coverage, explain). Felix renders each profile into a chain of
 * its own that the endpoint's chain jumps to after the tiers, in the endpoint's order (felix/rules/endpoints.go):
 * Allow accepts and Deny drops; a Pass rule, or no rule matching, returns to the endpoint's chain, which goes on
 * to the next profile.
 */
import type { Direction, Profile } from '../policy/model.js';
import { type RuleSite, ruleSite } from './applicable.js';
import type { AddressSpace } from './address-space.js';
import type { PeerMatcherTable } from './rule.js';
import type { ServiceMatches } from './services.js';

/** The tier name profile rules carry in their RuleRef: no Tier can be named so (names are DNS labels). */
export const PROFILE_TIER = '(profile)';

export class CompiledProfile {
  readonly ingress: readonly RuleSite[];
  readonly egress: readonly RuleSite[];

  constructor(
    readonly profile: Profile,
    peers: PeerMatcherTable,
    space: AddressSpace,
    services: ServiceMatches,
  ) {
    this.ingress = profile.ingress.map((r) => ruleSite(r, PROFILE_TIER, profile.name, peers, space, services));
    this.egress = profile.egress.map((r) => ruleSite(r, PROFILE_TIER, profile.name, peers, space, services));
  }

  sites(direction: Direction): readonly RuleSite[] {
    return direction === 'ingress' ? this.ingress : this.egress;
  }
}
