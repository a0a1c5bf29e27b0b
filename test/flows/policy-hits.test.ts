import { describe, expect, it } from 'vitest';
import { parseCalicoPolicyHit } from '../../src/flows/policy-hits.js';

/**
 * Calico flow-log policy strings: the legacy name format (Calico Enterprise docs, "Format of the policies field")
 * and the modern `<kind>:[<namespace>/]<name>` format (goldmane/proto policy strings).
 */
describe('parseCalicoPolicyHit', () => {
  it.each([
    // legacy
    ['0|default|production/default.allow-tcp-6379|allow|0', { name: 'default.allow-tcp-6379', namespace: 'production', kind: 'NetworkPolicy', staged: false, rule: 0 }],
    ['1|security|security.block-telnet|pass|-1', { name: 'security.block-telnet', kind: 'GlobalNetworkPolicy', staged: false, rule: -1, action: 'pass' }],
    ['2|default|ns1/knp.default.allow-web|allow|1', { name: 'allow-web', namespace: 'ns1', kind: 'KubernetesNetworkPolicy', rule: 1 }],
    ['0|tier1|ns2/staged:tier1.policy1|deny|0', { name: 'tier1.policy1', namespace: 'ns2', kind: 'StagedNetworkPolicy', staged: true }],
    ['0|tier1|ns2/tier1.staged:policy1|deny|0', { name: 'tier1.policy1', namespace: 'ns2', kind: 'StagedNetworkPolicy', staged: true }],
    ['0|tier1|staged:tier1.gp|deny|0', { name: 'tier1.gp', kind: 'StagedGlobalNetworkPolicy', staged: true }],
    ['0|default|ns1/staged:knp.default.x|allow|2', { name: 'x', namespace: 'ns1', kind: 'StagedKubernetesNetworkPolicy', staged: true }],
    ['3|__PROFILE__|__PROFILE__.kns.ns1|allow|0', { name: 'kns.ns1', kind: 'Profile', tier: '__PROFILE__', index: 3 }],
    ['0|tier1|policy-without-prefix|allow|0', { name: 'tier1.policy-without-prefix', kind: 'GlobalNetworkPolicy' }],
    ['0|default|default.old|deny', { name: 'default.old', rule: -2 }],
    ['0|default|default.unknown-rule|deny|-', { rule: -2 }],
    ['4|*|*|allow|*', { name: '*', tier: '*', rule: -2, index: 4 }],
    // modern
    ['0|tier|gnp:name|allow|0', { name: 'name', kind: 'GlobalNetworkPolicy', staged: false }],
    ['1|tier|sgnp:name.with.dots|deny|2', { name: 'name.with.dots', kind: 'StagedGlobalNetworkPolicy', staged: true }],
    ['0|kube-admin|kcnp:name|deny|1', { name: 'name', kind: 'ClusterNetworkPolicy', tier: 'kube-admin' }],
    ['0|tier|np:namespace/tier.name|allow|1', { name: 'tier.name', namespace: 'namespace', kind: 'NetworkPolicy' }],
    ['0|default|knp:namespace/name|allow|2', { name: 'name', namespace: 'namespace', kind: 'KubernetesNetworkPolicy' }],
    ['1|tier|snp:namespace/name|deny|0', { name: 'name', namespace: 'namespace', kind: 'StagedNetworkPolicy', staged: true }],
    ['1|default|sknp:namespace/name|deny|3', { name: 'name', namespace: 'namespace', kind: 'StagedKubernetesNetworkPolicy', staged: true }],
    ['1|__PROFILE__|pro:kns.default|allow|0', { name: 'kns.default', kind: 'Profile' }],
    ['0|tier1|np:ns1/tier1.policy1|deny|-1', { rule: -1, action: 'deny' }],
    ['0|adminnetworkpolicy|kanp:test-kanp|pass|1', { name: 'test-kanp', kind: 'AdminNetworkPolicy' }],
  ])('%s', (text, expected) => {
    const hit = parseCalicoPolicyHit(text, 'enforced');
    expect(typeof hit).toBe('object');
    expect(hit).toMatchObject({ set: 'enforced', ...expected });
  });

  it.each([
    '1|tier|sgnp:tier.name|deny|notInt',
    'notint|kube-baseline|kcnp:name|deny|2',
    '0|tier|gnp:tier.name|allow|0|extra',
    '0|kube-admin|kcnp:name|badaction|1',
    '0||np:namespace/name|allow|1',
    '0|tier1||allow|1',
    '-1|tier1|np:a/b|allow|1',
    'just-a-name',
  ])('rejects %s', (text) => {
    expect(typeof parseCalicoPolicyHit(text, 'pending')).toBe('string');
  });
});
