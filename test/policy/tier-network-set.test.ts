/**
 * Tier, NetworkSet and GlobalNetworkSet (spec section 3).
 */
import { describe, expect, test } from 'vitest';
import { BUILTIN_TIERS } from '../../src/policy/model.js';
import { at, codes, load } from './helpers.js';

describe('Tier', () => {
  test('built-in tiers are always there', () => {
    expect([...load('').policySet.tiers.values()]).toEqual(BUILTIN_TIERS);
  });

  test.each([
    ['{order: 100, defaultAction: Pass}', { order: 100, defaultAction: 'Pass' }],
    ['{order: 2.5}', { order: 2.5, defaultAction: 'Deny' }],
    ['{}', { order: null, defaultAction: 'Deny' }],
  ])('spec %s', (spec, expected) => {
    const result = load(`apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: ${spec}\n`);
    expect(result.diagnostics).toEqual([]);
    expect(result.policySet.tiers.get('security')).toEqual({ name: 'security', ...expected });
  });

  test('a built-in tier may be written out only with its fixed order and default action', () => {
    const ok = load('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: kube-admin}\nspec: {order: 1000, defaultAction: Pass}\n');
    expect(ok.diagnostics).toEqual([]);
    const text = 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec: {order: 5}\n';
    const bad = load(text);
    expect(codes(bad)).toEqual([['bad-value', ...at(text, '{order'), 'spec']]);
    expect(bad.policySet.tiers.get('default')?.order).toBe(1_000_000);
  });

  test('tier names are DNS labels without dots', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec.ops}\n';
    expect(codes(load(text))).toEqual([['bad-value', ...at(text, 'sec.ops'), 'metadata.name']]);
  });
});

describe('NetworkSet and GlobalNetworkSet', () => {
  test('labels and nets; a bare IP is one address, host bits are cleared', () => {
    const result = load(`
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkSet
      metadata: {name: external, labels: {role: ext}}
      spec: {nets: [203.0.113.9, 198.51.100.17/24, "2001:db8::/48"]}
      ---
      apiVersion: projectcalico.org/v3
      kind: NetworkSet
      metadata: {name: partners, namespace: prod, labels: {role: partner}}
      spec: {nets: [192.0.2.0/24]}
    `);
    expect(result.diagnostics).toEqual([]);
    expect(result.policySet.networkSets.map((s) => [s.name, s.namespace, s.labels, s.nets.map((n) => n.text)])).toEqual([
      ['external', undefined, { role: 'ext' }, ['203.0.113.9/32', '198.51.100.0/24', '2001:db8::/48']],
      ['partners', 'prod', { role: 'partner' }, ['192.0.2.0/24']],
    ]);
  });

  test('bad nets and the reserved namespace label are errors', () => {
    const text = `
      apiVersion: projectcalico.org/v3
      kind: NetworkSet
      metadata: {name: s, namespace: n, labels: {projectcalico.org/namespace: x}}
      spec: {nets: [10.0.0.0/8, not-an-ip]}
    `;
    const result = load(text);
    expect(codes(result)).toEqual([
      ['bad-value', ...at(text, '{projectcalico'), 'metadata.labels'],
      ['bad-cidr', ...at(text, 'not-an-ip'), 'spec.nets[1]'],
    ]);
    expect(result.policySet.networkSets).toEqual([]);
  });
});
