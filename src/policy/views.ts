/**
 * The policy sets the engine evaluates. A loaded set holds enforced and staged policies; a view holds only
 * enforced ones (`staged === null`), so the engine never sees a staged kind, and names a Tier for every tier its
 * policies use.
 * - current: the enforced policies; staged ones are ignored (spec section 8, edge case 9.12).
 * - proposed: each staged policy applied on top, by `Policy.id`: Set adds it or replaces the enforced policy with
 *   the same identity (a StagedKubernetesNetworkPolicy stages a Kubernetes NetworkPolicy), Delete removes it.
 *   This is flowaudit's what-if; Calico itself evaluates staged policies next to the enforced ones (felix
 *   `calc/endpoint_lookup_cache.go`) and never sends a staged Delete to Felix.
 * - overlay: a `--change` set applied to a base set.
 */
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { ENFORCED_KIND } from './identity.js';
import type { Direction, EntityMatch, FelixConfig, NetworkSet, Policy, PolicySet, Rule, Tier } from './model.js';

export function currentView(set: PolicySet): PolicySet {
  return view(set, set.policies.filter((p) => p.staged === null));
}

export function proposedView(set: PolicySet): PolicySet {
  return view(set, applyStaged(set.policies));
}

/** The overlay key of calico-node's environment (FelixConfiguration names never hold a `/`, so none collides). */
const ENVIRONMENT_KEY = 'calico-node/';

/**
 * `base` with `change` applied. Every identity the change mentions is decided by the change alone: base
 * policies with that id (enforced or staged) go, and the change's policy takes their place (a staged Set
 * counts as the policy it stages; a staged Delete leaves nothing). Base staged policies for other identities
 * stay staged. Tiers, network sets, Felix configurations and profiles merge by name, the change winning; a
 * calico-node DaemonSet in the change replaces the base's whatever its namespace (a cluster runs one).
 */
export function overlay(base: PolicySet, change: PolicySet): PolicySet {
  const touched = new Set(change.policies.map((p) => p.id));
  const policies = [...base.policies.filter((p) => !touched.has(p.id)), ...applyStaged(change.policies)];
  const tiers = new Map<string, Tier>(base.tiers);
  for (const [name, tier] of change.tiers) tiers.set(name, tier);
  const sets = new Map<string, NetworkSet>();
  for (const s of [...base.networkSets, ...change.networkSets]) sets.set(`${s.namespace ?? ''}/${s.name}`, s);
  const felix = new Map<string, FelixConfig>();
  for (const c of [...base.felix, ...change.felix]) felix.set(c.environment === true ? ENVIRONMENT_KEY : c.name, c);
  const profiles = new Map([...base.profiles, ...change.profiles]);
  return { tiers, policies, networkSets: [...sets.values()], felix: [...felix.values()], profiles };
}

/**
 * `unknown-tier` warnings for policies whose tier no Tier in the set defines. Run it on the set that is
 * evaluated (after any overlay): a change set alone may use tiers its base defines.
 */
export function checkTierReferences(set: PolicySet): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of set.policies) {
    if (set.tiers.has(p.tier) || p.origin === undefined) continue;
    const message = `policy ${p.name} is in tier "${p.tier}", which no loaded Tier defines; it is treated as order last, default action Deny`;
    out.push(diagnostic('unknown-tier', message, { ...p.origin, path: '' }));
  }
  return out;
}

/**
 * Rules matching `services` of a Service the inventory holds no EndpointSlice of (`hasEndpoints` says which it
 * holds): the engine leaves such rules unknown (engine/services.ts), and the user can fix that by exporting them.
 */
export function checkServiceReferences(set: PolicySet, hasEndpoints: (namespace: string, name: string) => boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { owner, direction, rule, side, service } of serviceReferences(set)) {
    if (rule.origin === undefined || hasEndpoints(service.namespace, service.name)) continue;
    const message = `${direction}[${rule.index}] of ${owner} matches ${side}.services ${service.namespace}/${service.name}, of which the inventory holds no EndpointSlice; flows reaching it get verdict unknown`;
    out.push(diagnostic('service-without-endpoints', message, { ...rule.origin, path: '' }));
  }
  return out;
}

/** Every `services` match of the set's rules, policies' and profiles', with where it stands. */
export function* serviceReferences(set: PolicySet): Iterable<{
  /** `policy <name>` or `profile <name>`. */
  readonly owner: string;
  readonly direction: Direction;
  readonly rule: Rule;
  readonly side: 'source' | 'destination';
  readonly service: NonNullable<EntityMatch['services']>;
}> {
  const owners = [...set.policies.map((p) => ({ owner: `policy ${p.name}`, rules: p })), ...[...set.profiles.values()].map((p) => ({ owner: `profile ${p.name}`, rules: p }))];
  for (const { owner, rules } of owners) {
    for (const direction of ['ingress', 'egress'] as const) {
      for (const rule of rules[direction]) {
        if (rule.source.services !== undefined) yield { owner, direction, rule, side: 'source', service: rule.source.services };
        if (rule.destination.services !== undefined) yield { owner, direction, rule, side: 'destination', service: rule.destination.services };
      }
    }
  }
}

/** A Tier for every tier the policies name: a missing one gets Calico's defaults (order nil = last, Deny). */
function view(set: PolicySet, policies: readonly Policy[]): PolicySet {
  const tiers = new Map(set.tiers);
  for (const p of policies) {
    if (!tiers.has(p.tier)) tiers.set(p.tier, { name: p.tier, order: null, defaultAction: 'Deny' });
  }
  return { tiers, policies, networkSets: set.networkSets, felix: set.felix, profiles: set.profiles };
}

/** The enforced policies with every staged Set and Delete applied, by id. */
function applyStaged(policies: readonly Policy[]): Policy[] {
  const byId = new Map<string, Policy>();
  for (const p of policies) if (p.staged === null) byId.set(p.id, p);
  for (const p of policies) {
    if (p.staged === 'Set') byId.set(p.id, enforced(p));
    else if (p.staged === 'Delete') byId.delete(p.id);
  }
  return [...byId.values()];
}

function enforced(p: Policy): Policy {
  return p.staged === null ? p : { ...p, staged: null, sourceKind: ENFORCED_KIND[p.sourceKind] };
}
