/** Spec section 9: every numbered edge case, at least once. */
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Peer } from '../../src/inventory/endpoint.js';
import type { Policy, Tier } from '../../src/policy/model.js';
import {
  address,
  at,
  cluster,
  compile,
  flow,
  host,
  ICMP,
  k8sPolicy,
  networkSet,
  pod,
  policy,
  policySet,
  TCP,
  UDP,
} from './builder.js';

const view = cluster({ namespaces: { prod: { env: 'prod' }, dev: { env: 'dev' } } });
const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1', 'fd00::1'] });
const db = pod({
  ns: 'prod',
  name: 'db',
  labels: { app: 'db' },
  ips: ['10.0.0.2'],
  namedPorts: [{ name: 'sql', port: 5432, protocol: TCP }, { name: 'dns', port: 53, protocol: UDP }],
});
const devWeb = pod({ ns: 'dev', name: 'web', labels: { app: 'web' }, ips: ['10.1.0.1'] });
const node = host({ node: 'n1', ips: ['192.168.0.1'], labels: { role: 'node' } });
const security: Tier = { name: 'security', order: 100, defaultAction: 'Deny' };

function rule(policies: Policy[], f: Partial<FlowRecord>, src: Peer, dst: Peer, tiers: Tier[] = []): string {
  return formatDecision(compile(policySet(policies, { tiers }), view).evaluate(flow(f), src, dst));
}
function ingress(policies: Policy[], f: Partial<FlowRecord> = {}, src: Peer = at(web), dst: Peer = at(db), tiers: Tier[] = []): string {
  return rule(policies, f, src, dst, tiers).split('; ')[1]!;
}

describe('spec 9: edge cases that implementations get wrong', () => {
  it('9.1 end-of-tier deny: a policy selects the endpoint, no rule matches, no other policy exists', () => {
    const p = policy({ name: 'udp-only', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: UDP }] });
    expect(ingress([p])).toBe('ingress=deny@default/prod/default.udp-only#(end-of-tier)');
  });

  it('9.2 a tier with only egress policies for an endpoint does not drop its ingress', () => {
    const p = policy({ name: 'security.egress-only', tier: 'security', types: ['Egress'], egress: [{ action: 'Deny', protocol: UDP }] });
    expect(rule([p], {}, at(web), at(db), [security])).toBe(
      'egress=deny@security/security.egress-only#(end-of-tier); ingress=allow@(profile)/kns.prod',
    );
  });

  it.each<[string, Peer, string]>([
    ['pods allow', at(db), 'ingress=allow@(profile)/kns.prod'],
    ['host endpoints deny', at(node), 'ingress=deny@(host-default-deny)/host:n1/*'],
  ])('9.3 Pass in the last tier reaches the profiles: %s', (_n, dst, expected) => {
    const p = policy({ name: 'pass-all', ingress: [{ action: 'Pass' }] });
    expect(ingress([p], { dst_port: 8080 }, at(web), dst)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ["tier != 'gold'", true],
    ["tier not in {'gold'}", true],
    ["tier == 'gold'", false],
    ["tier in {'gold'}", false],
    ["tier contains 'go'", false],
  ])('9.4 on a peer without the label, %s matches: %s', (sel, matches) => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: sel } }] });
    expect(ingress([p])).toBe(matches ? 'ingress=allow@default/prod/default.p#0' : 'ingress=deny@default/prod/default.p#(end-of-tier)');
  });

  it.each<[string, Peer, boolean]>([
    ['a host endpoint', at(node), true],
    ['an address in a global network set', address('198.51.100.7'), true],
    ['a pod', at(web), false],
    ['an address in a namespaced network set', address('198.51.100.200'), false],
  ])('9.5 global() in a namespaceSelector means non-namespaced peers: %s → %s', (_n, src, matches) => {
    const p = policy({
      name: 'from-global',
      namespace: 'prod',
      selector: "app == 'db'",
      ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()', selector: 'all()' } }],
    });
    const sets = [
      networkSet('ext', { kind: 'external' }, ['198.51.100.0/25']),
      networkSet('ns-ext', { kind: 'external' }, ['198.51.100.128/25'], 'prod'),
    ];
    const v = compile(policySet([p], { networkSets: sets }), view).evaluate(flow(), src, at(db));
    expect(formatDecision(v).split('; ')[1]).toBe(
      matches ? 'ingress=allow@default/prod/default.from-global#0' : 'ingress=deny@default/prod/default.from-global#(end-of-tier)',
    );
  });

  it.each<[string, Peer, boolean]>([
    ['same namespace', at(web), true],
    ['other namespace, same labels', at(devWeb), false],
  ])('9.6 a namespaced rule selector without namespaceSelector is confined to the policy namespace: %s', (_n, src, matches) => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'web'" } }] });
    expect(ingress([p], {}, src)).toBe(matches ? 'ingress=allow@default/prod/default.p#0' : 'ingress=deny@default/prod/default.p#(end-of-tier)');
  });

  it('9.7 a Kubernetes policy with only egress rules still isolates ingress', () => {
    const p = k8sPolicy({ name: 'egress-only', namespace: 'prod', selector: "app == 'db'", egress: [{ action: 'Allow' }] });
    expect(rule([p], {}, at(db), at(db))).toBe(
      'egress=allow@default/prod/knp.default.egress-only#0; ingress=deny@default/prod/knp.default.egress-only#(end-of-tier)',
    );
  });

  it.each<[string, number, string]>([
    ['the destination pod owns "sql" on 5432', 5432, 'ingress=allow@default/prod/default.p#0'],
    ['a port number that is not the named port', 5433, 'ingress=deny@default/prod/default.p#(end-of-tier)'],
  ])('9.8 named ports resolve on the pod that owns the port: %s', (_n, dport, expected) => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: ['sql'] } }] });
    expect(ingress([p], { dst_port: dport })).toBe(expected);
  });

  it('9.8 a named port no pod defines matches nothing', () => {
    const p = policy({ name: 'p', namespace: 'prod', ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: ['nope'] } }] });
    expect(ingress([p], { dst_port: 5432 })).toBe('ingress=deny@default/prod/default.p#(end-of-tier)');
  });

  it.each<[string, Policy[], string]>([
    ['equal order: ties break by name', [
      policy({ name: 'b', namespace: 'prod', order: 10, ingress: [{ action: 'Deny' }] }),
      policy({ name: 'a', namespace: 'prod', order: 10, ingress: [{ action: 'Allow' }] }),
    ], 'ingress=allow@default/prod/default.a#0'],
    ['nil order is after every number', [
      policy({ name: 'a-nil', namespace: 'prod', order: null, ingress: [{ action: 'Allow' }] }),
      policy({ name: 'z-huge', namespace: 'prod', order: 1e9, ingress: [{ action: 'Deny' }] }),
    ], 'ingress=deny@default/prod/default.z-huge#0'],
    ['Kubernetes policies sit at 1000: after 999', [
      k8sPolicy({ name: 'k', namespace: 'prod', ingress: [{ action: 'Allow' }] }),
      policy({ name: 'c', namespace: 'prod', order: 999, ingress: [{ action: 'Deny' }] }),
    ], 'ingress=deny@default/prod/default.c#0'],
    ['Kubernetes policies sit at 1000: before 1001', [
      k8sPolicy({ name: 'k', namespace: 'prod', ingress: [{ action: 'Allow' }] }),
      policy({ name: 'c', namespace: 'prod', order: 1001, ingress: [{ action: 'Deny' }] }),
    ], 'ingress=allow@default/prod/knp.default.k#0'],
  ])('9.9 %s', (_n, policies, expected) => {
    expect(ingress(policies)).toBe(expected);
  });

  it('9.10 Log never decides', () => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Log' }] });
    expect(ingress([p])).toBe('ingress=deny@default/prod/default.p#(end-of-tier)');
  });

  it.each<[string, string, string]>([
    ['a pod IP inside the CIDR', '10.0.0.1', 'ingress=allow@default/prod/knp.default.block#0'],
    ['a pod IP in except', '10.0.0.9', 'ingress=deny@default/prod/knp.default.block#(end-of-tier)'],
  ])('9.10 ipBlock.except also excludes pod IPs: %s', (_n, srcIp, expected) => {
    const p = k8sPolicy({
      name: 'block',
      namespace: 'prod',
      selector: "app == 'db'",
      ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/24'], notNets: ['10.0.0.8/29'] } }],
    });
    const src = pod({ ns: 'prod', name: 'any', ips: [srcIp] });
    expect(ingress([p], {}, at(src))).toBe(expected);
  });

  it('9.10 ICMP rules never match TCP flows', () => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', icmp: { type: 8 } }] });
    expect(ingress([p], { proto: TCP })).toBe('ingress=deny@default/prod/default.p#(end-of-tier)');
    expect(ingress([p], { proto: ICMP, icmp_type: 8, dst_port: undefined })).toBe('ingress=allow@default/prod/default.p#0');
  });

  it.each<[string, string, string]>([
    ['IPv4 source in 0.0.0.0/0', '10.0.0.1', 'ingress=allow@default/prod/default.p#0'],
    ['IPv6 source never in an IPv4 CIDR', 'fd00::1', 'ingress=deny@default/prod/default.p#(end-of-tier)'],
  ])('9.11 %s', (_n, srcIp, expected) => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', source: { nets: ['0.0.0.0/0'] } }] });
    expect(ingress([p], {}, at(web, srcIp))).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['IPv6 flow', 'fd00::1', 'ingress=allow@default/prod/default.p#0'],
    ['IPv4 flow', '10.0.0.1', 'ingress=deny@default/prod/default.p#(end-of-tier)'],
  ])('9.11 ipVersion narrows a rule: %s', (_n, srcIp, expected) => {
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', ipVersion: 6 }] });
    expect(ingress([p], {}, at(web, srcIp), at(db, srcIp.includes(':') ? 'fd00::2' : '10.0.0.2'))).toBe(expected);
  });

  it('9.12 staged policies never reach the engine: compiling one is an error', () => {
    const staged = { ...policy({ name: 's', namespace: 'prod', ingress: [{ action: 'Deny' }] }), staged: 'Set' as const };
    expect(() => compile(policySet([staged]), view)).toThrow(/staged/);
  });

  it('9.12 a tier made only of staged policies never drops (the view without them has no such tier)', () => {
    // The current view of a set whose security tier holds only a staged policy is the set without it.
    expect(ingress([], {}, at(web), at(db), [security])).toBe('ingress=allow@(profile)/kns.prod');
  });

  it.each<[string, Partial<FlowRecord>, string]>([
    ['ssh (failsafe inbound tcp:22) is allowed', { dst_port: 22 }, 'ingress=allow@(failsafe)/TCP:22'],
    ['anything else is denied', { dst_port: 8080 }, 'ingress=deny@(host-default-deny)/host:n1/*'],
  ])('9.13 host endpoints: default deny with failsafe ports: %s', (_n, f, expected) => {
    expect(ingress([], f, at(web), at(node))).toBe(expected);
  });

  // Upstream (Calico docs, "Summary of host endpoint policies"): traffic to the host itself meets untracked, then
  // pre-DNAT, then normal policy; an Allow in an earlier stage skips the later ones. They stay stages of their own:
  // no end-of-tier drop, and doNotTrack not on an all-interfaces host endpoint (Felix ignores it there).
  it.each<[string, Partial<Policy>, string, string]>([
    ['preDNAT Allow skips the normal policy', { preDNAT: true, applyOnForward: true }, '*', 'ingress=allow@default/default.pre#0'],
    ['doNotTrack on an all-interfaces host endpoint is ignored', { doNotTrack: true, applyOnForward: true }, '*', 'ingress=deny@(host-default-deny)/host:n1/*'],
    ['doNotTrack Allow on a named interface skips the rest', { doNotTrack: true, applyOnForward: true }, 'eth0', 'ingress=allow@default/default.pre#0'],
  ])('9.13 %s', (_n, flags, iface, expected) => {
    const p = { ...policy({ name: 'pre', selector: "role == 'node'", ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: [8080] } }] }), ...flags };
    const h = host({ node: 'n1', iface, labels: { role: 'node' }, ips: ['192.168.0.1'] });
    expect(ingress([p], { dst_port: 8080 }, at(web), at(h))).toBe(expected);
    // No rule decides in the stage, and no end-of-tier drop: the normal policy (none: host default deny) decides.
    expect(ingress([p], { dst_port: 9090 }, at(web), at(h))).toBe(`ingress=deny@(host-default-deny)/host:n1/${iface}`);
  });

  it.each<[string, number, number, string]>([
    ['"dns" is UDP 53: a TCP rule naming dns does not match TCP 53', TCP, TCP, 'ingress=deny@default/prod/knp.default.p#(end-of-tier)'],
    ['a UDP rule naming dns matches UDP 53', UDP, UDP, 'ingress=allow@default/prod/knp.default.p#0'],
  ])('9.14 a named port matches only a port of that name and the rule protocol: %s', (_n, ruleProto, flowProto, expected) => {
    const p = k8sPolicy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: ruleProto, destination: { ports: ['dns'] } }] });
    expect(ingress([p], { proto: flowProto, dst_port: 53 })).toBe(expected);
  });

  it.each<[string, Peer, string]>([
    ['a pod that defines the name', at(db), 'egress=allow@default/prod/knp.default.out#0'],
    ['an address that is no pod', address('10.0.0.77'), 'egress=deny@default/prod/knp.default.out#(end-of-tier)'],
  ])('9.14 a Kubernetes egress rule with a named port and an ipBlock peer resolves on destination pods: %s', (_n, dst, expected) => {
    const p = k8sPolicy({
      name: 'out',
      namespace: 'prod',
      selector: "app == 'web'",
      egressType: true,
      egress: [{ action: 'Allow', protocol: TCP, destination: { nets: ['10.0.0.0/8'], ports: ['sql'] } }],
    });
    expect(rule([p], { dst_port: 5432 }, at(web), dst).split('; ')[0]).toBe(expected);
  });

  it.each<[string, Partial<FlowRecord>, string]>([
    ['port 0 is a valid bound', { dst_port: 0 }, 'ingress=allow@default/prod/default.p#0'],
    ['port 65535 is a valid bound', { dst_port: 65535 }, 'ingress=allow@default/prod/default.p#1'],
    ['protocol numbers are allowed (253)', { proto: 253, dst_port: undefined }, 'ingress=allow@default/prod/default.p#2'],
  ])('9.15 %s', (_n, f, expected) => {
    const p = policy({
      name: 'p',
      namespace: 'prod',
      selector: "app == 'db'",
      ingress: [
        { action: 'Allow', protocol: TCP, destination: { ports: [0] } },
        { action: 'Allow', protocol: TCP, destination: { ports: ['65000:65535'] } },
        { action: 'Allow', protocol: 253 },
      ],
    });
    expect(ingress([p], f)).toBe(expected);
  });
});
