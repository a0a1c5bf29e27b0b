import { describe, expect, it } from 'vitest';
import { endpointLabelKeys } from '../../src/policy/label-keys.js';
import { parseSelector } from '../../src/selector/index.js';
import { load } from './helpers.js';

describe('Selector.labelKeys', () => {
  it.each([
    ['all()', []],
    ['global()', []],
    ["app == 'web' && !has(canary) || tier in {'a', 'b'}", ['app', 'canary', 'tier']],
    ["!(a != 'x' || b contains 'y') && (c starts with 'z' && a ends with 'w')", ['a', 'b', 'c']],
  ])('%s reads %j', (text, keys) => {
    expect([...parseSelector(text).labelKeys].sort()).toEqual(keys);
  });
});

describe('endpointLabelKeys', () => {
  it("is the keys of policies' selectors and of their rules' peer selectors, not of namespace or account selectors", () => {
    const { policySet, diagnostics } = load(`
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: g}
      spec:
        selector: app == 'db'
        namespaceSelector: team == 'data'
        serviceAccountSelector: role == 'x'
        ingress:
          - action: Allow
            source: {selector: has(client), notSelector: "env == 'dev'", namespaceSelector: "zone == 'a'", serviceAccounts: {selector: "sa == 'y'"}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: k, namespace: shop}
      spec:
        podSelector: {matchLabels: {tier: web}}
        egress: [{to: [{podSelector: {matchExpressions: [{key: track, operator: Exists}]}}]}]
    `);
    expect(diagnostics).toEqual([]);
    expect([...endpointLabelKeys([policySet])].sort()).toEqual(['app', 'client', 'env', 'projectcalico.org/orchestrator', 'tier', 'track']);
  });
});
