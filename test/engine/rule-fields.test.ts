/** Spec section 5: every rule field, each a condition that must hold (an absent field does not constrain). */
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Peer } from '../../src/inventory/endpoint.js';
import type { NetworkSet } from '../../src/policy/model.js';
import {
  address,
  at,
  cluster,
  compile,
  type EntitySpec,
  flow,
  host,
  ICMP,
  ICMPV6,
  networkSet,
  pod,
  policy,
  policySet,
  type RuleSpec,
  SCTP,
  TCP,
  UDP,
} from './builder.js';

const view = cluster({
  namespaces: { prod: { shape: 'circle' }, dev: { shape: 'square' } },
  serviceAccounts: [{ ns: 'prod', name: 'api', labels: { team: 'core' } }],
});
const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web', color: 'blue' }, ips: ['10.0.0.1'], sa: 'api' });
const batch = pod({ ns: 'prod', name: 'batch', labels: { app: 'batch' }, ips: ['10.0.0.3'] });
const devWeb = pod({ ns: 'dev', name: 'web', labels: { app: 'web', color: 'blue' }, ips: ['10.1.0.1'] });
const db = pod({
  ns: 'prod',
  name: 'db',
  labels: { app: 'db' },
  ips: ['10.0.0.2'],
  namedPorts: [{ name: 'sql', port: 5432, protocol: TCP }],
});
const node = host({ node: 'n1', labels: { role: 'node' }, ips: ['192.168.0.1'] });
const sets: NetworkSet[] = [
  networkSet('corp', { zone: 'corp' }, ['172.16.0.0/12']),
  networkSet('corp-printers', { zone: 'printers' }, ['172.16.5.0/24']),
  networkSet('partners', { zone: 'partner' }, ['203.0.113.0/24'], 'prod'),
];

/** Whether a GlobalNetworkPolicy's single ingress rule on `db` matches the flow. */
function matches(r: Omit<RuleSpec, 'action'>, f: Partial<FlowRecord> = {}, src: Peer = at(web), dst: Peer = at(db), ns?: string): boolean {
  const p = policy({ name: 'p', ...(ns ? { namespace: ns } : {}), selector: "app == 'db'", ingress: [{ action: 'Allow', ...r }] });
  const v = compile(policySet([p], { networkSets: sets }), view).evaluate(flow(f), src, dst);
  expect(v.ingress.verdict).not.toBe('unknown');
  return v.ingress.verdict === 'allow';
}

const src = (e: EntitySpec) => ({ source: e });
const dst = (e: EntitySpec) => ({ destination: e });

describe('protocol, notProtocol', () => {
  it.each<[string, Omit<RuleSpec, 'action'>, Partial<FlowRecord>, boolean]>([
    ['protocol TCP on TCP', { protocol: TCP }, {}, true],
    ['protocol TCP on UDP', { protocol: TCP }, { proto: UDP }, false],
    ['protocol SCTP on SCTP', { protocol: SCTP }, { proto: SCTP }, true],
    ['notProtocol UDP on TCP', { notProtocol: UDP }, {}, true],
    ['notProtocol TCP on TCP', { notProtocol: TCP }, {}, false],
  ])('%s → %s', (_n, r, f, expected) => expect(matches(r, f)).toBe(expected));
});

describe('icmp, notICMP, ipVersion', () => {
  const icmpFlow = (type: number, code: number, proto = ICMP): Partial<FlowRecord> => ({ proto, icmp_type: type, icmp_code: code, dst_port: undefined, src_port: undefined });
  it.each<[string, Omit<RuleSpec, 'action'>, Partial<FlowRecord>, boolean]>([
    ['icmp type 8 on echo request', { protocol: ICMP, icmp: { type: 8 } }, icmpFlow(8, 0), true],
    ['icmp type 8 on echo reply', { protocol: ICMP, icmp: { type: 8 } }, icmpFlow(0, 0), false],
    ['icmp type 3 code 4 on 3/4', { protocol: ICMP, icmp: { type: 3, code: 4 } }, icmpFlow(3, 4), true],
    ['icmp type 3 code 4 on 3/1', { protocol: ICMP, icmp: { type: 3, code: 4 } }, icmpFlow(3, 1), false],
    ['notICMP type 8 on echo reply', { protocol: ICMP, notICMP: { type: 8 } }, icmpFlow(0, 0), true],
    ['notICMP type 8 on echo request', { protocol: ICMP, notICMP: { type: 8 } }, icmpFlow(8, 0), false],
    ['ICMPv6 type 128 on ICMPv6', { protocol: ICMPV6, icmp: { type: 128 } }, icmpFlow(128, 0, ICMPV6), true],
    ['ICMPv6 rule on ICMPv4', { protocol: ICMPV6, icmp: { type: 128 } }, icmpFlow(128, 0), false],
    ['ipVersion 4 on IPv4', { ipVersion: 4 }, {}, true],
  ])('%s → %s', (_n, r, f, expected) => expect(matches(r, f)).toBe(expected));
});

describe('nets, notNets', () => {
  it.each<[string, Omit<RuleSpec, 'action'>, Peer, boolean]>([
    ['source in nets', src({ nets: ['10.0.0.0/30'] }), at(web), true],
    ['source outside nets', src({ nets: ['10.0.0.2/31'] }), at(web), false],
    ['source in one of several nets', src({ nets: ['192.0.2.0/24', '10.0.0.1/32'] }), at(web), true],
    ['source in notNets', src({ notNets: ['10.0.0.0/24'] }), at(web), false],
    ['source outside notNets', src({ notNets: ['10.9.0.0/16'] }), at(web), true],
    ['external address in nets', src({ nets: ['198.51.100.0/24'] }), address('198.51.100.4'), true],
    ['IPv6 in an IPv6 net', src({ nets: ['2001:db8::/32'] }), address('2001:db8::7'), true],
    ['IPv6 outside an IPv6 net', src({ nets: ['2001:db8::/32'] }), address('2001:db9::7'), false],
    ['IPv6 /127 boundary', src({ nets: ['2001:db8::/127'] }), address('2001:db8::1'), true],
  ])('%s → %s', (_n, r, s, expected) => expect(matches(r, {}, s)).toBe(expected));

  it('destination nets apply to the destination IP', () => {
    expect(matches(dst({ nets: ['10.0.0.2/32'] }))).toBe(true);
    expect(matches(dst({ nets: ['10.0.0.1/32'] }))).toBe(false);
  });
});

describe('selector, notSelector, namespaceSelector, serviceAccounts', () => {
  it.each<[string, Omit<RuleSpec, 'action'>, Peer, boolean]>([
    ['selector on the peer labels', src({ selector: "color == 'blue'" }), at(web), true],
    ['selector that the peer fails', src({ selector: "color == 'red'" }), at(web), false],
    ['GNP selector alone spans namespaces', src({ selector: "app == 'web'" }), at(devWeb), true],
    ['GNP selector matches host endpoints', src({ selector: "role == 'node'" }), at(node), true],
    ['notSelector excludes matching peers', src({ notSelector: "app == 'web'" }), at(web), false],
    ['notSelector admits others', src({ notSelector: "app == 'web'" }), at(batch), true],
    ['GNP notSelector alone admits external addresses', src({ notSelector: "app == 'web'" }), address('8.8.8.8'), true],
    ['namespaceSelector over namespace labels', src({ namespaceSelector: "shape == 'circle'" }), at(web), true],
    ['namespaceSelector failing', src({ namespaceSelector: "shape == 'circle'" }), at(devWeb), false],
    ['namespaceSelector all() means any namespace', src({ namespaceSelector: 'all()' }), at(devWeb), true],
    ['namespaceSelector all() excludes host endpoints', src({ namespaceSelector: 'all()' }), at(node), false],
    ['namespaceSelector with selector', src({ namespaceSelector: "shape == 'square'", selector: "app == 'web'" }), at(devWeb), true],
    ['pcns. labels are visible to selectors', src({ selector: "pcns.shape == 'circle'" }), at(web), true],
    ['serviceAccounts names', src({ serviceAccounts: { names: ['api'] } }), at(web), true],
    ['serviceAccounts names, other account', src({ serviceAccounts: { names: ['api'] } }), at(batch), false],
    ['serviceAccounts selector over account labels', src({ serviceAccounts: { selector: "team == 'core'" } }), at(web), true],
    ['serviceAccounts selector, unlabelled account', src({ serviceAccounts: { selector: "team == 'core'" } }), at(batch), false],
    ['serviceAccounts never match a host endpoint by name', src({ serviceAccounts: { names: ['api'] } }), at(node), false],
    ['a selector never matches an address outside every network set', src({ selector: 'all()' }), address('8.8.8.8'), false],
  ])('%s → %s', (_n, r, s, expected) => expect(matches(r, {}, s)).toBe(expected));
});

describe('network sets (IP-set semantics: any matching set that contains the address)', () => {
  it.each<[string, Omit<RuleSpec, 'action'>, Peer, boolean]>([
    ['address in a matching global set', src({ selector: "zone == 'corp'" }), address('172.16.9.9'), true],
    ['address in a more specific set also stays in the broader one', src({ selector: "zone == 'corp'" }), address('172.16.5.5'), true],
    ['address in the more specific set by its own labels', src({ selector: "zone == 'printers'" }), address('172.16.5.5'), true],
    ['address in no matching set', src({ selector: "zone == 'printers'" }), address('172.16.9.9'), false],
    ['notSelector excludes addresses in matching sets', src({ notSelector: "zone == 'corp'" }), address('172.16.9.9'), false],
    ['a pod IP inside a matching set matches (it is in the IP set)', src({ selector: "zone == 'corp'" }), at(web, '172.16.1.1'), true],
    ['GNP selector alone reaches namespaced sets', src({ selector: "zone == 'partner'" }), address('203.0.113.5'), true],
  ])('%s → %s', (_n, r, s, expected) => expect(matches(r, {}, s)).toBe(expected));

  it('a namespaced policy sees network sets of its own namespace only', () => {
    expect(matches(src({ selector: "zone == 'partner'" }), {}, address('203.0.113.5'), at(db), 'prod')).toBe(true);
    expect(matches(src({ selector: "zone == 'corp'" }), {}, address('172.16.9.9'), at(db), 'prod')).toBe(false);
    expect(matches(src({ selector: "zone == 'corp'", namespaceSelector: 'global()' }), {}, address('172.16.9.9'), at(db), 'prod')).toBe(true);
  });
});

describe('ports, notPorts, source ports', () => {
  it.each<[string, Omit<RuleSpec, 'action'>, Partial<FlowRecord>, boolean]>([
    ['single port', { protocol: TCP, ...dst({ ports: [80] }) }, {}, true],
    ['range', { protocol: TCP, ...dst({ ports: ['8000:8080'] }) }, { dst_port: 8080 }, true],
    ['outside the range', { protocol: TCP, ...dst({ ports: ['8000:8080'] }) }, { dst_port: 8081 }, false],
    ['one of several', { protocol: TCP, ...dst({ ports: [443, 80] }) }, {}, true],
    ['notPorts excludes', { protocol: TCP, ...dst({ notPorts: [80] }) }, {}, false],
    ['notPorts admits', { protocol: TCP, ...dst({ notPorts: [443] }) }, {}, true],
    ['named destination port', { protocol: TCP, ...dst({ ports: ['sql'] }) }, { dst_port: 5432 }, true],
    ['named port in notPorts', { protocol: TCP, ...dst({ notPorts: ['sql'] }) }, { dst_port: 5432 }, false],
    ['source ports against src_port', { protocol: TCP, ...src({ ports: ['40000:40010'] }) }, {}, true],
    ['source ports not matching src_port', { protocol: TCP, ...src({ ports: [22] }) }, {}, false],
    ['UDP port rule on UDP', { protocol: UDP, ...dst({ ports: [53] }) }, { proto: UDP, dst_port: 53 }, true],
  ])('%s → %s', (_n, r, f, expected) => expect(matches(r, f)).toBe(expected));
});

describe('every field present must hold', () => {
  it('a rule with several fields matches only when all hold', () => {
    const r: Omit<RuleSpec, 'action'> = { protocol: TCP, ...src({ selector: "app == 'web'", nets: ['10.0.0.0/24'] }), ...dst({ ports: [80] }) };
    expect(matches(r)).toBe(true);
    expect(matches(r, { dst_port: 81 })).toBe(false);
    expect(matches(r, {}, at(batch))).toBe(false);
    expect(matches(r, {}, at(web, '10.0.1.1'))).toBe(false);
  });

  it('an empty rule matches everything', () => {
    expect(matches({}, { proto: 47, dst_port: undefined }, address('8.8.8.8'))).toBe(true);
  });
});
