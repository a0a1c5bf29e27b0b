/**
 * Views (spec section 8, edge case 9.12): current, proposed, overlay; tier completion and tier references.
 */
import { describe, expect, test } from 'vitest';
import type { PolicySet } from '../../src/policy/model.js';
import { checkTierReferences, currentView, overlay, proposedView } from '../../src/policy/views.js';
import { load } from './helpers.js';

function set(text: string): PolicySet {
  const result = load(text);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.policySet;
}

/** id, kind, staged, order of each policy: enough to see what a view kept. */
function summary(s: PolicySet): [string, string, string | null, number | null][] {
  return s.policies.map((p) => [p.id, p.sourceKind, p.staged, p.order]);
}

const BASE = `
  apiVersion: projectcalico.org/v3
  kind: NetworkPolicy
  metadata: {name: keep, namespace: ns}
  spec: {order: 1}
  ---
  apiVersion: projectcalico.org/v3
  kind: NetworkPolicy
  metadata: {name: replace, namespace: ns}
  spec: {order: 2}
  ---
  apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata: {name: remove}
  spec: {order: 3}
  ---
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: web, namespace: ns}
  spec: {podSelector: {}}
  ---
  apiVersion: projectcalico.org/v3
  kind: StagedNetworkPolicy
  metadata: {name: replace, namespace: ns}
  spec: {order: 20, tier: security}
  ---
  apiVersion: projectcalico.org/v3
  kind: StagedGlobalNetworkPolicy
  metadata: {name: remove}
  spec: {stagedAction: Delete}
  ---
  apiVersion: projectcalico.org/v3
  kind: StagedKubernetesNetworkPolicy
  metadata: {name: web, namespace: ns}
  spec: {podSelector: {matchLabels: {app: web}}}
  ---
  apiVersion: projectcalico.org/v3
  kind: StagedNetworkPolicy
  metadata: {name: new, namespace: ns}
  spec: {order: 9}
`;

describe('currentView', () => {
  test('drops staged policies: they never change the current verdict (9.12)', () => {
    expect(summary(currentView(set(BASE)))).toEqual([
      ['NetworkPolicy/ns/keep', 'NetworkPolicy', null, 1],
      ['NetworkPolicy/ns/replace', 'NetworkPolicy', null, 2],
      ['GlobalNetworkPolicy/-/remove', 'GlobalNetworkPolicy', null, 3],
      ['KubernetesNetworkPolicy/ns/web', 'KubernetesNetworkPolicy', null, 1000],
    ]);
  });

  test('a set made only of staged policies is empty in the current view', () => {
    expect(currentView(set('apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name: s}\n')).policies).toEqual([]);
  });
});

describe('proposedView', () => {
  test('Set replaces the enforced policy with the same id or adds one; Delete removes it', () => {
    const proposed = proposedView(set(BASE));
    expect(summary(proposed)).toEqual([
      ['NetworkPolicy/ns/keep', 'NetworkPolicy', null, 1],
      ['NetworkPolicy/ns/replace', 'NetworkPolicy', null, 20],
      ['KubernetesNetworkPolicy/ns/web', 'KubernetesNetworkPolicy', null, 1000],
      ['NetworkPolicy/ns/new', 'NetworkPolicy', null, 9],
    ]);
    expect(proposed.policies.every((p) => p.staged === null)).toBe(true);
    // The replacement is the staged policy's content, tier included, under its own name.
    const replaced = proposed.policies[1];
    expect([replaced?.tier, replaced?.name, replaced?.origin?.line]).toEqual(['security', 'replace', 21]);
  });

  test('a StagedKubernetesNetworkPolicy stages the Kubernetes NetworkPolicy of the same name', () => {
    const web = proposedView(set(BASE)).policies.find((p) => p.id === 'KubernetesNetworkPolicy/ns/web');
    expect([web?.sourceKind, web?.selector.canonical]).toEqual(['KubernetesNetworkPolicy', '(projectcalico.org/orchestrator == "k8s" && app == "web")']);
  });

  test('a staged policy does not touch another kind with the same name', () => {
    const s = set(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: p, namespace: ns}
      ---
      apiVersion: projectcalico.org/v3
      kind: StagedNetworkPolicy
      metadata: {name: p, namespace: ns}
      spec: {stagedAction: Delete}
    `);
    expect(summary(proposedView(s))).toEqual([['KubernetesNetworkPolicy/ns/p', 'KubernetesNetworkPolicy', null, 1000]]);
  });
});

describe('overlay (--change)', () => {
  const CHANGE = `
    apiVersion: projectcalico.org/v3
    kind: NetworkPolicy
    metadata: {name: replace, namespace: ns}
    spec: {order: 200}
    ---
    apiVersion: projectcalico.org/v3
    kind: StagedGlobalNetworkPolicy
    metadata: {name: remove}
    spec: {stagedAction: Delete}
    ---
    apiVersion: projectcalico.org/v3
    kind: GlobalNetworkPolicy
    metadata: {name: added}
    spec: {order: 5}
    ---
    apiVersion: projectcalico.org/v3
    kind: Tier
    metadata: {name: security}
    spec: {order: 50}
    ---
    apiVersion: projectcalico.org/v3
    kind: GlobalNetworkSet
    metadata: {name: ranges, labels: {v: "2"}}
    spec: {nets: [192.0.2.0/24]}
  `;
  const BASE_EXTRA = `
    apiVersion: projectcalico.org/v3
    kind: Tier
    metadata: {name: security}
    spec: {order: 100}
    ---
    apiVersion: projectcalico.org/v3
    kind: Tier
    metadata: {name: other}
    ---
    apiVersion: projectcalico.org/v3
    kind: GlobalNetworkSet
    metadata: {name: ranges, labels: {v: "1"}}
    ---
    apiVersion: projectcalico.org/v3
    kind: GlobalNetworkSet
    metadata: {name: kept}
  `;

  test('same identity replaces (staged twins in the base go too), new ones are added, a staged Delete removes', () => {
    const merged = overlay(set(BASE), set(CHANGE));
    expect(summary(merged)).toEqual([
      ['NetworkPolicy/ns/keep', 'NetworkPolicy', null, 1],
      ['KubernetesNetworkPolicy/ns/web', 'KubernetesNetworkPolicy', null, 1000],
      ['KubernetesNetworkPolicy/ns/web', 'StagedKubernetesNetworkPolicy', 'Set', 1000],
      ['NetworkPolicy/ns/new', 'StagedNetworkPolicy', 'Set', 9],
      ['NetworkPolicy/ns/replace', 'NetworkPolicy', null, 200],
      ['GlobalNetworkPolicy/-/added', 'GlobalNetworkPolicy', null, 5],
    ]);
    // The base's own staged policies still act in the proposed view of the merged set.
    expect(summary(proposedView(merged)).map(([id]) => id)).toEqual([
      'NetworkPolicy/ns/keep',
      'KubernetesNetworkPolicy/ns/web',
      'NetworkPolicy/ns/replace',
      'GlobalNetworkPolicy/-/added',
      'NetworkPolicy/ns/new',
    ]);
  });

  test('a staged Set in the change counts as the policy it stages', () => {
    const merged = overlay(set(BASE), set('apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: keep, namespace: ns}\nspec: {order: 7}\n'));
    expect(summary(merged).find(([id]) => id === 'NetworkPolicy/ns/keep')).toEqual(['NetworkPolicy/ns/keep', 'NetworkPolicy', null, 7]);
  });

  test('tiers and network sets merge by name, the change winning', () => {
    const merged = overlay(set(BASE_EXTRA), set(CHANGE));
    expect(merged.tiers.get('security')?.order).toBe(50);
    expect(merged.tiers.has('other')).toBe(true);
    expect(merged.networkSets.map((s) => [s.name, s.labels.v, s.nets.map((n) => n.text)])).toEqual([
      ['ranges', '2', ['192.0.2.0/24']],
      ['kept', undefined, []],
    ]);
  });
});

describe('tiers', () => {
  const TIERED = `
    apiVersion: projectcalico.org/v3
    kind: GlobalNetworkPolicy
    metadata: {name: p}
    spec: {tier: platform}
  `;

  test('views name a Tier for every tier their policies use: Calico defaults for a missing one', () => {
    expect(currentView(set(TIERED)).tiers.get('platform')).toEqual({ name: 'platform', order: null, defaultAction: 'Deny' });
    expect(proposedView(set(TIERED)).tiers.get('platform')).toEqual({ name: 'platform', order: null, defaultAction: 'Deny' });
    expect(set(TIERED).tiers.has('platform')).toBe(false);
  });

  test('checkTierReferences warns where the policy is written', () => {
    const diagnostics = checkTierReferences(set(TIERED));
    expect(diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.column])).toEqual([['unknown-tier', 'warning', 'test.yaml', 1, 1]]);
    expect(checkTierReferences(overlay(set('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: platform}\n'), set(TIERED)))).toEqual([]);
  });
});
