/** Spec section 4: the algorithm for one direction at one endpoint, and section 1: combining directions. */
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Policy, Tier } from '../../src/policy/model.js';
import { address, at, cluster, compile, flow, host, pod, policy, policySet } from './builder.js';

const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
const db = pod({ ns: 'prod', name: 'db', labels: { app: 'db' }, ips: ['10.0.0.2'] });
const node = host({ node: 'n1', ips: ['192.168.0.1'] });
const view = cluster({ namespaces: { prod: {} } });

function decide(policies: Policy[], tiers: Tier[] = [], src = at(web), dst = at(db)): string {
  return formatDecision(compile(policySet(policies, { tiers }), view).evaluate(flow(), src, dst));
}

const allowAll = { action: 'Allow' } as const;
const denyAll = { action: 'Deny' } as const;
const passAll = { action: 'Pass' } as const;
const logAll = { action: 'Log' } as const;

const security: Tier = { name: 'security', order: 100, defaultAction: 'Deny' };
const platform: Tier = { name: 'platform', order: 200, defaultAction: 'Pass' };
const unordered: Tier = { name: 'aaa-unordered', order: null, defaultAction: 'Deny' };

describe('one direction at one endpoint', () => {
  it.each<[string, Policy[], Tier[], string]>([
    ['no policy: pods allow through their namespace profile', [], [],
      'egress=allow@(profile)/kns.prod; ingress=allow@(profile)/kns.prod'],
    ['a selecting policy whose rules match nothing: end-of-tier deny', [
      policy({ name: 'db-only-from-x', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'x'" } }] }),
    ], [], 'egress=allow@(profile)/kns.prod; ingress=deny@default/prod/default.db-only-from-x#(end-of-tier)'],
    ['Allow decides', [policy({ name: 'a', namespace: 'prod', ingress: [allowAll] })], [],
      'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/default.a#0'],
    ['Deny decides', [policy({ name: 'a', namespace: 'prod', ingress: [denyAll] })], [],
      'egress=allow@(profile)/kns.prod; ingress=deny@default/prod/default.a#0'],
    ['first matching rule acts', [policy({ name: 'a', namespace: 'prod', ingress: [{ action: 'Deny', protocol: 17 }, allowAll, denyAll] })], [],
      'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/default.a#1'],
    ['Log never decides', [policy({ name: 'a', namespace: 'prod', ingress: [logAll, denyAll] })], [],
      'egress=allow@(profile)/kns.prod; ingress=deny@default/prod/default.a#1'],
    ['a policy with no matching rule hands over to the next policy of the tier', [
      policy({ name: 'a', namespace: 'prod', order: 1, ingress: [{ action: 'Deny', protocol: 17 }] }),
      policy({ name: 'b', namespace: 'prod', order: 2, ingress: [allowAll] }),
    ], [], 'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/default.b#0'],
    ['Pass skips the rest of the tier; the last tier passed reaches the profiles', [
      policy({ name: 'a', namespace: 'prod', order: 1, ingress: [passAll] }),
      policy({ name: 'b', namespace: 'prod', order: 2, ingress: [denyAll] }),
    ], [], 'egress=allow@(profile)/kns.prod; ingress=allow@(profile)/kns.prod'],
    ['Pass goes on to the next tier', [
      policy({ name: 'security.p', tier: 'security', ingress: [passAll] }),
      policy({ name: 'd', namespace: 'prod', ingress: [denyAll] }),
    ], [security], 'egress=allow@(profile)/kns.prod; ingress=deny@default/prod/default.d#0'],
    ['tiers run by order: a deny in an earlier tier wins over an allow in a later one', [
      policy({ name: 'allow', namespace: 'prod', ingress: [allowAll] }),
      policy({ name: 'security.block', tier: 'security', ingress: [denyAll] }),
    ], [security], 'egress=allow@(profile)/kns.prod; ingress=deny@security/security.block#0'],
    ['end of a Deny tier drops before later tiers are reached', [
      policy({ name: 'security.other', tier: 'security', ingress: [{ action: 'Allow', protocol: 17 }] }),
      policy({ name: 'allow', namespace: 'prod', ingress: [allowAll] }),
    ], [security], 'egress=allow@(profile)/kns.prod; ingress=deny@security/security.other#(end-of-tier)'],
    ['end of a Pass tier goes on', [
      policy({ name: 'platform.other', tier: 'platform', ingress: [{ action: 'Allow', protocol: 17 }] }),
      policy({ name: 'allow', namespace: 'prod', ingress: [allowAll] }),
    ], [platform], 'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/default.allow#0'],
    ['a tier without applicable policies is skipped (no end-of-tier drop)', [
      policy({ name: 'security.elsewhere', tier: 'security', selector: "app == 'none'", ingress: [allowAll] }),
    ], [security], 'egress=allow@(profile)/kns.prod; ingress=allow@(profile)/kns.prod'],
    ['policies within a tier by order', [
      policy({ name: 'z', namespace: 'prod', order: 1, ingress: [denyAll] }),
      policy({ name: 'a', namespace: 'prod', order: 2, ingress: [allowAll] }),
    ], [], 'egress=allow@(profile)/kns.prod; ingress=deny@default/prod/default.z#0'],
    ['a tier with nil order runs after every ordered tier', [
      policy({ name: 'aaa-unordered.deny', tier: 'aaa-unordered', ingress: [denyAll] }),
      policy({ name: 'default-allow', namespace: 'prod', ingress: [allowAll] }),
    ], [unordered], 'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/default.default-allow#0'],
    ['built-in tiers: kube-admin before default before kube-baseline', [
      policy({ name: 'base', kind: 'BaselineAdminNetworkPolicy', tier: 'kube-baseline', ingress: [denyAll] }),
      policy({ name: 'admin', kind: 'AdminNetworkPolicy', tier: 'kube-admin', order: 5, ingress: [passAll] }),
      policy({ name: 'np', namespace: 'prod', ingress: [allowAll] }),
    ], [], 'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/default.np#0'],
    ['kube-admin and kube-baseline default to Pass', [
      policy({ name: 'admin', kind: 'AdminNetworkPolicy', tier: 'kube-admin', ingress: [{ action: 'Deny', protocol: 17 }] }),
      policy({ name: 'base', kind: 'BaselineAdminNetworkPolicy', tier: 'kube-baseline', ingress: [{ action: 'Deny', protocol: 17 }] }),
    ], [], 'egress=allow@(profile)/kns.prod; ingress=allow@(profile)/kns.prod'],
    ['a policy without the direction in its types does not apply to it', [
      policy({ name: 'e', namespace: 'prod', types: ['Egress'], ingress: [denyAll], egress: [allowAll] }),
    ], [], 'egress=allow@default/prod/default.e#0; ingress=allow@(profile)/kns.prod'],
  ])('%s', (_name, policies, tiers, expected) => {
    expect(decide(policies, tiers)).toBe(expected);
  });

  // Calico's flow logs charge an end-of-tier drop to the tier's last policy that applied in that direction.
  it.each<[string, Partial<FlowRecord>, string]>([
    ['any flow', {}, 'egress=deny@security/security.b-egress#(end-of-tier); ingress=deny@security/security.c-ingress#(end-of-tier)'],
    ['a port no rule names (the narrowed rule list is empty)', { dst_port: 9 }, 'egress=deny@security/security.b-egress#(end-of-tier); ingress=deny@security/security.c-ingress#(end-of-tier)'],
  ])('end of tier names the last policy that applied in that direction: %s', (_n, f, expected) => {
    const policies = [
      policy({ name: 'security.a-both', tier: 'security', order: 1, types: ['Ingress', 'Egress'], ingress: [{ action: 'Allow', protocol: 17, destination: { ports: [53] } }], egress: [{ action: 'Allow', protocol: 17 }] }),
      policy({ name: 'security.b-egress', tier: 'security', order: 2, types: ['Egress'], egress: [{ action: 'Allow', protocol: 17 }] }),
      policy({ name: 'security.c-ingress', tier: 'security', order: 3, types: ['Ingress'], ingress: [{ action: 'Log', protocol: 17 }] }),
      policy({ name: 'security.d-elsewhere', tier: 'security', order: 4, selector: "app == 'none'", ingress: [allowAll] }),
    ];
    const v = compile(policySet(policies, { tiers: [security] }), view).evaluate(flow(f), at(web), at(db));
    expect(formatDecision(v)).toBe(expected);
    expect(v.ingress.decider).toEqual({ kind: 'end-of-tier', tier: 'security', policy: 'security.c-ingress' });
  });

  it('records Log and Pass rules on the path, in order', () => {
    const v = compile(
      policySet(
        [
          policy({ name: 'security.p', tier: 'security', ingress: [logAll, passAll] }),
          policy({ name: 'd', namespace: 'prod', ingress: [logAll, allowAll] }),
        ],
        { tiers: [security] },
      ),
      view,
    ).evaluate(flow(), at(web), at(db));
    expect(v.ingress.path).toEqual([
      { tier: 'security', policy: 'security.p', rule: 0, action: 'Log' },
      { tier: 'security', policy: 'security.p', rule: 1, action: 'Pass' },
      { tier: 'default', policy: 'prod/default.d', rule: 0, action: 'Log' },
    ]);
    expect(v.ingress.decider).toEqual({ kind: 'rule', tier: 'default', policy: 'prod/default.d', rule: 1, action: 'Allow' });
  });

  it('host endpoints with no policy and no profile deny both ways (not on failsafe ports)', () => {
    expect(decide([], [], at(node), at(db))).toBe(
      'egress=deny@(host-default-deny)/host:n1/*; ingress=allow@(profile)/kns.prod',
    );
  });
});

describe('combining the two directions (spec section 1)', () => {
  const denyEgress = policy({ name: 'no-egress', namespace: 'prod', selector: "app == 'web'", egress: [denyAll] });
  const denyIngress = policy({ name: 'no-ingress', namespace: 'prod', selector: "app == 'db'", ingress: [denyAll] });
  const unknownIngress = policy({ name: 'l7', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', undecidable: 'http match is layer 7' }] });

  it.each<[string, Policy[], string, string | undefined]>([
    ['both allow → allow', [], 'allow', undefined],
    ['egress denies → deny', [denyEgress], 'deny', undefined],
    ['ingress denies → deny', [denyIngress], 'deny', undefined],
    ['one unknown, the other allows → unknown', [unknownIngress], 'unknown', 'ingress: http match is layer 7'],
    ['one unknown, the other denies → deny', [unknownIngress, denyEgress], 'deny', undefined],
  ])('%s', (_name, policies, verdict, reason) => {
    const v = compile(policySet(policies), view).evaluate(flow(), at(web), at(db));
    expect(v.verdict).toBe(verdict);
    expect(v.reason).toBe(reason);
  });

  it('a side that is no endpoint does not constrain the flow', () => {
    const v = compile(policySet([denyIngress]), view).evaluate(flow(), address('203.0.113.9'), at(web));
    expect(formatDecision(v)).toBe('egress=allow@(no-endpoint); ingress=allow@(profile)/kns.prod');
  });
});

describe('the policies a set evaluates (listPolicies)', () => {
  it('lists them in evaluation order with their rules in the directions they apply to, doNotTrack and preDNAT ones first', () => {
    const set = policySet(
      [
        policy({ name: 'b', namespace: 'prod', ingress: [allowAll, { action: 'Deny', protocol: 17 }], egress: [denyAll], types: ['Ingress'] }),
        policy({ name: 'security.s', tier: 'security', egress: [logAll, passAll] }),
        policy({ name: 'a', namespace: 'prod', order: 5, ingress: [denyAll] }),
        policy({ name: 'host-pre', selector: "node == 'n1'", ingress: [denyAll], preDNAT: true, applyOnForward: true }),
      ],
      { tiers: [security] },
    );
    const listed = compile(set, view).listPolicies();
    expect(listed.map((p) => `${p.tier}/${p.policy} in:${p.ingress?.map((r) => `${r.index}${r.action}`).join(',') ?? '-'} out:${p.egress?.map((r) => `${r.index}${r.action}`).join(',') ?? '-'}`)).toEqual([
      'default/default.host-pre in:0Deny out:-',
      'security/security.s in:- out:0Log,1Pass',
      'default/prod/default.a in:0Deny out:-',
      'default/prod/default.b in:0Allow,1Deny out:-',
    ]);
  });
});
