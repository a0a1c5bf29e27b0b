/**
 * Which endpoint label keys a policy set can tell apart: the keys its endpoint selectors read (policies'
 * `selector`, and rule sides' `selector` and `notSelector`, in policies and profiles). Labels under other keys
 * never change which policies apply to an endpoint or which rules match it. Namespace and service-account
 * selectors read other objects' labels and are left out.
 */
import type { EntityMatch, PolicySet, Rule } from './model.js';

export function endpointLabelKeys(sets: readonly PolicySet[]): ReadonlySet<string> {
  const keys = new Set<string>();
  const side = (m: EntityMatch): void => {
    for (const k of m.selector?.labelKeys ?? []) keys.add(k);
    for (const k of m.notSelector?.labelKeys ?? []) keys.add(k);
  };
  const rules = (list: readonly Rule[]): void => {
    for (const r of list) {
      side(r.source);
      side(r.destination);
    }
  };
  for (const set of sets) {
    for (const p of set.policies) {
      for (const k of p.selector.labelKeys) keys.add(k);
      rules(p.ingress);
      rules(p.egress);
    }
    for (const p of set.profiles.values()) {
      rules(p.ingress);
      rules(p.egress);
    }
  }
  return keys;
}
