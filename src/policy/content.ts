/**
 * What a policy set says, as text that two sets share exactly when they decide alike for the same reason: selectors
 * by their canonical text, origins (file and line) left out, so moving a policy to another file changes nothing.
 */
import type { FelixConfig, NetworkSet, Policy, PolicySet, Profile, Tier } from './model.js';

/**
 * The content of one policy, its id included. Made once per policy object: loading asks for it several times
 * (the views' fingerprints, the policy version, which policies a proposal changes), and policies never change.
 */
const contents = new WeakMap<Policy, string>();
export function policyContent(p: Policy): string {
  let content = contents.get(p);
  if (content === undefined) {
    content = JSON.stringify(p, canonicalReplacer);
    contents.set(p, content);
  }
  return content;
}

/** The tiers, network sets, Felix settings and profiles of a set: what every policy's evaluation also depends on. */
export function contextContent(set: PolicySet): string {
  return tiersContent(set.tiers) + networkSetsContent(set.networkSets) + felixContent(set.felix) + profilesContent(set.profiles);
}

function tiersContent(tiers: ReadonlyMap<string, Tier>): string {
  return JSON.stringify([...tiers.values()].sort((a, b) => (a.name < b.name ? -1 : 1)));
}

function networkSetsContent(sets: readonly NetworkSet[]): string {
  return JSON.stringify(sets, canonicalReplacer);
}

function felixContent(configs: readonly FelixConfig[]): string {
  return JSON.stringify([...configs].sort((a, b) => (a.name < b.name ? -1 : 1)), canonicalReplacer);
}

function profilesContent(profiles: ReadonlyMap<string, Profile>): string {
  return JSON.stringify([...profiles.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), canonicalReplacer);
}

/** Every piece of a set's content, tiers first, policies by id, network sets, Felix settings, profiles (what a hash is fed). */
export function* setContent(set: PolicySet): Iterable<string> {
  yield tiersContent(set.tiers);
  for (const p of [...set.policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) yield policyContent(p);
  yield networkSetsContent(set.networkSets);
  // Only when there are some: policy versions of sets without them stay what they were.
  if (set.felix.length > 0) yield felixContent(set.felix);
  if (set.profiles.size > 0) yield profilesContent(set.profiles);
}

function canonicalReplacer(key: string, value: unknown): unknown {
  if (key === 'origin') return undefined;
  if (value instanceof Uint8Array) return Array.from(value);
  if (value !== null && typeof value === 'object' && 'canonical' in value && 'matches' in value) {
    return (value as { canonical: string }).canonical;
  }
  return value;
}
