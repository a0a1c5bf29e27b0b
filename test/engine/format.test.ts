/** The `rule` column (docs/results.md) and the `flowaudit explain` text. */
import { describe, expect, it } from 'vitest';
import {
  type Decider,
  type DirectionVerdict,
  formatDecision,
  formatDirection,
  formatExplanation,
  parseRuleColumn,
  policyDisplayName,
} from '../../src/engine/index.js';
import type { Policy, PolicySourceKind } from '../../src/policy/model.js';
import { at, cluster, compile, flow, pod, policy, policySet } from './builder.js';

function dv(decider: Decider, verdict: DirectionVerdict['verdict'], direction: 'ingress' | 'egress' = 'ingress'): DirectionVerdict {
  return { direction, verdict, decider, path: [] };
}

describe('rule column', () => {
  it.each<[string, DirectionVerdict, string]>([
    ['a rule', dv({ kind: 'rule', tier: 'security', policy: 'security.block-telnet', rule: 2, action: 'Deny' }, 'deny'), 'ingress=deny@security/security.block-telnet#2'],
    ['a namespaced policy', dv({ kind: 'rule', tier: 'default', policy: 'prod/knp.default.allow-web', rule: 0, action: 'Allow' }, 'allow'), 'ingress=allow@default/prod/knp.default.allow-web#0'],
    ['an undecidable rule', dv({ kind: 'undecidable', tier: 'default', policy: 'default.l7', rule: 1, reason: 'layer 7' }, 'unknown'), 'ingress=unknown@default/default.l7#1'],
    ['end of tier', dv({ kind: 'end-of-tier', tier: 'default', policy: 'prod/knp.default.db' }, 'deny'), 'ingress=deny@default/prod/knp.default.db#(end-of-tier)'],
    ['profile', dv({ kind: 'profile', profile: 'kns.prod' }, 'allow'), 'ingress=allow@(profile)/kns.prod'],
    ['host default deny', dv({ kind: 'host-default-deny', endpoint: 'host:n1/eth0' }, 'deny'), 'ingress=deny@(host-default-deny)/host:n1/eth0'],
    ['a profile rule', dv({ kind: 'rule', tier: '(profile)', policy: 'edge', rule: 1, action: 'Deny' }, 'deny'), 'ingress=deny@(profile)/edge#1'],
    ['workload default deny', dv({ kind: 'workload-default-deny' }, 'deny'), 'ingress=deny@(workload-default-deny)'],
    ['failsafe', dv({ kind: 'failsafe', port: 68, protocol: 17 }, 'allow'), 'ingress=allow@(failsafe)/UDP:68'],
    ['no endpoint', dv({ kind: 'no-endpoint' }, 'allow', 'egress'), 'egress=allow@(no-endpoint)'],
    ['unknown endpoint', dv({ kind: 'unknown-endpoint', reason: 'r' }, 'unknown'), 'ingress=unknown@(unknown-endpoint)'],
    ['unknown profile', dv({ kind: 'unknown-profile', profile: 'custom', reason: 'r' }, 'unknown'), 'ingress=unknown@(unknown-profile)/custom'],
    ['unknown failsafe', dv({ kind: 'unknown-failsafe', protocol: 6, reason: 'r' }, 'unknown'), 'ingress=unknown@(unknown-failsafe)/TCP'],
    ['pod to its own node', dv({ kind: 'endpoint-to-host', action: 'Drop' }, 'deny'), 'ingress=deny@(endpoint-to-host)/Drop'],
    ['pod to its own node, no action set', dv({ kind: 'endpoint-to-host', action: undefined, reason: 'r' }, 'unknown'), 'ingress=unknown@(endpoint-to-host)/unset'],
    ['node to a pod on it', dv({ kind: 'host-to-workload' }, 'allow', 'egress'), 'egress=allow@(host-to-workload)'],
  ])('%s', (_n, d, text) => {
    expect(formatDirection(d)).toBe(text);
  });

  it('parses back: rule tokens give tier, policy and rule; end-of-tier tokens tier and policy; others only where', () => {
    const text = 'egress=allow@default/prod/staged:knp.default.a#3; ingress=deny@security/security.block#(end-of-tier)';
    expect(parseRuleColumn(text)).toEqual([
      { direction: 'egress', verdict: 'allow', where: 'default/prod/staged:knp.default.a#3', tier: 'default', policy: 'prod/staged:knp.default.a', rule: 3 },
      { direction: 'ingress', verdict: 'deny', where: 'security/security.block#(end-of-tier)', tier: 'security', policy: 'security.block' },
    ]);
    expect(parseRuleColumn('egress=allow@(profile)/kns.prod; ingress=deny@(host-default-deny)/host:n1/*')).toEqual([
      { direction: 'egress', verdict: 'allow', where: '(profile)/kns.prod' },
      { direction: 'ingress', verdict: 'deny', where: '(host-default-deny)/host:n1/*' },
    ]);
    // A profile's rule parses as one in the tier `(profile)`.
    expect(parseRuleColumn('egress=allow@(no-endpoint); ingress=deny@(profile)/edge#1')?.[1]).toEqual({
      direction: 'ingress',
      verdict: 'deny',
      where: '(profile)/edge#1',
      tier: '(profile)',
      policy: 'edge',
      rule: 1,
    });
    expect(parseRuleColumn('allow by something')).toBeUndefined();
  });

  it('formatDecision is egress then ingress and round-trips through parseRuleColumn', () => {
    const view = cluster({ namespaces: { prod: {} } });
    const a = pod({ ns: 'prod', name: 'a', ips: ['10.0.0.1'] });
    const p = policy({ name: 'p', namespace: 'prod', ingress: [{ action: 'Deny' }] });
    const text = formatDecision(compile(policySet([p]), view).evaluate(flow(), at(a), at(a)));
    expect(text).toBe('egress=allow@(profile)/kns.prod; ingress=deny@default/prod/default.p#0');
    expect(parseRuleColumn(text)?.map((t) => t.where)).toEqual(['(profile)/kns.prod', 'default/prod/default.p#0']);
  });
});

describe('policy display names (Calico flow-log naming)', () => {
  const base = policy({ name: 'x', tier: 'default' });
  const named = (sourceKind: PolicySourceKind, over: Partial<Policy>): Policy => ({ ...base, sourceKind, ...over });
  it.each<[PolicySourceKind, Partial<Policy>, string]>([
    ['GlobalNetworkPolicy', { name: 'allow-dns' }, 'default.allow-dns'],
    ['GlobalNetworkPolicy', { name: 'security.block', tier: 'security' }, 'security.block'],
    ['StagedGlobalNetworkPolicy', { name: 'block', tier: 'security' }, 'staged:security.block'],
    ['NetworkPolicy', { name: 'allow-tcp-6379', namespace: 'production' }, 'production/default.allow-tcp-6379'],
    ['StagedNetworkPolicy', { name: 'p', namespace: 'ns2', tier: 'tier1' }, 'ns2/staged:tier1.p'],
    ['KubernetesNetworkPolicy', { name: 'allow-web', namespace: 'prod' }, 'prod/knp.default.allow-web'],
    ['StagedKubernetesNetworkPolicy', { name: 'allow-web', namespace: 'prod' }, 'prod/staged:knp.default.allow-web'],
    ['ClusterNetworkPolicy', { name: 'deny-all', tier: 'kube-admin' }, 'kcnp.kube-admin.deny-all'],
    ['AdminNetworkPolicy', { name: 'pass-monitoring', tier: 'kube-admin' }, 'kanp.adminnetworkpolicy.pass-monitoring'],
    ['BaselineAdminNetworkPolicy', { name: 'default', tier: 'kube-baseline' }, 'kbanp.baselineadminnetworkpolicy.default'],
  ])('%s %j → %s', (kind, over, name) => {
    expect(policyDisplayName(named(kind, over))).toBe(name);
  });
});

describe('explanation', () => {
  it('shows, per direction, the endpoint, tiers with their policies, Log and Pass hits and what decided', () => {
    const view = cluster({ namespaces: { prod: {} } });
    const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
    const db = pod({ ns: 'prod', name: 'db', labels: { app: 'db' }, ips: ['10.0.0.2'] });
    const set = compile(
      policySet(
        [
          policy({ name: 'security.audit', tier: 'security', ingress: [{ action: 'Log' }, { action: 'Pass', protocol: 17 }] }),
          policy({ name: 'security.block', tier: 'security', order: 5, selector: "app == 'db'", ingress: [{ action: 'Deny', protocol: 17 }, { action: 'Pass' }] }),
          policy({ name: 'allow-egress', namespace: 'prod', selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Allow' }] }),
        ],
        { tiers: [{ name: 'security', order: 100, defaultAction: 'Deny' }] },
      ),
      view,
    );
    const e = set.explain(flow({ dst_port: 5432 }), at(web), at(db));
    expect(e.verdict).toBe(set.evaluate(flow({ dst_port: 5432 }), at(web), at(db)));
    expect(formatExplanation(e)).toBe(
      [
        'verdict: allow',
        'egress at pod:prod/web: allow',
        '  tier default: prod/default.allow-egress',
        '    prod/default.allow-egress egress[0] Allow',
        '  => allow by default/prod/default.allow-egress#0',
        'ingress at pod:prod/db: allow',
        '  tier security: security.block, security.audit',
        '    security.block ingress[1] Pass',
        '  profiles: kns.prod, ksa.prod.default',
        '  => allow by profile kns.prod',
      ].join('\n'),
    );
  });

  it('names the end of tier and the policy it is charged to', () => {
    const view = cluster({ namespaces: { prod: {} } });
    const db = pod({ ns: 'prod', name: 'db', ips: ['10.0.0.2'] });
    const set = compile(policySet([policy({ name: 'db', namespace: 'prod', ingress: [{ action: 'Allow', protocol: 17 }] })]), view);
    const text = formatExplanation(set.explain(flow(), at(db), at(db)));
    expect(text).toContain('    end of tier default: default action Deny\n');
    expect(text).toContain(
      '  => deny by default/prod/default.db#(end-of-tier): end of tier default (default action Deny), charged to its last policy prod/default.db',
    );
  });

  it('shows the undecidable rule and the reason', () => {
    const view = cluster({ namespaces: { prod: {} } });
    const db = pod({ ns: 'prod', name: 'db', ips: ['10.0.0.2'] });
    const set = compile(policySet([policy({ name: 'l7', ingress: [{ action: 'Log' }, { action: 'Allow', undecidable: 'http match is layer 7' }] })]), view);
    const text = formatExplanation(set.explain(flow(), at(db), at(db)));
    expect(text).toContain('    default.l7 ingress[0] Log\n    default.l7 ingress[1] Allow (undecidable: http match is layer 7)');
    expect(text).toContain('  => unknown at default/default.l7#1: http match is layer 7');
    expect(text.endsWith('reason: ingress: http match is layer 7')).toBe(true);
  });
});
