/** Unknown, never a guess: a reached rule that needs data the flow lacks makes its direction unknown. */
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Peer } from '../../src/inventory/endpoint.js';
import type { Policy } from '../../src/policy/model.js';
import { address, at, cluster, compile, flow, ICMP, noIp, pod, policy, policySet, type RuleSpec, TCP, UDP, unresolved } from './builder.js';

const view = cluster({ namespaces: { prod: {} } });
const db = pod({ ns: 'prod', name: 'db', labels: { app: 'db' }, ips: ['10.0.0.2'] });
const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
const noIps = pod({ ns: 'prod', name: 'fresh', labels: { app: 'web' } });
const dualStack = pod({ ns: 'prod', name: 'dual', labels: { app: 'web' }, ips: ['10.0.0.5', 'fd00::5'] });

function ingressOf(rules: RuleSpec[], f: Partial<FlowRecord>, src: Peer, dst: Peer = at(db)) {
  const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: rules });
  return compile(policySet([p]), view).evaluate(flow(f), src, dst);
}

describe('data the flow lacks', () => {
  it.each<[string, RuleSpec[], Partial<FlowRecord>, Peer, string, string | undefined]>([
    ['nets, source without IP', [{ action: 'Allow', source: { nets: ['10.0.0.0/8'] } }], {}, noIp(noIps),
      'ingress=unknown@default/prod/default.p#0', 'ingress: source.nets needs the source IP, which the flow lacks'],
    ['nets, flow without IP but the pod has one known IP: decided', [{ action: 'Allow', source: { nets: ['10.0.0.0/8'] } }], {}, noIp(web),
      'ingress=allow@default/prod/default.p#0', undefined],
    ['nets, flow without IP, dual-stack pod whose IPs disagree', [{ action: 'Allow', source: { nets: ['10.0.0.0/8'] } }], {}, noIp(dualStack),
      'ingress=unknown@default/prod/default.p#0', 'ingress: source.nets needs the source IP, which the flow lacks'],
    ['source ports without src_port', [{ action: 'Allow', protocol: TCP, source: { ports: [1234] } }], { src_port: undefined }, at(web),
      'ingress=unknown@default/prod/default.p#0', 'ingress: source.ports needs src_port, which the flow lacks'],
    ['destination ports without dst_port', [{ action: 'Deny', protocol: TCP, destination: { ports: [22] } }], { dst_port: undefined }, at(web),
      'ingress=unknown@default/prod/default.p#0', 'ingress: destination.ports needs dst_port, which the flow lacks'],
    ['icmp type without icmp_type', [{ action: 'Allow', protocol: ICMP, icmp: { type: 8 } }], { proto: ICMP, dst_port: undefined }, at(web),
      'ingress=unknown@default/prod/default.p#0', 'ingress: icmp needs icmp_type, which the flow lacks'],
    ['a selector on an unresolved source', [{ action: 'Allow', source: { selector: "app == 'web'" } }], {}, unresolved(),
      'ingress=unknown@default/prod/default.p#0', 'ingress: source.selector: the source is unresolved'],
    ['an L7 rule (undecidable)', [{ action: 'Allow', undecidable: 'http match (methods, paths) is layer 7' }], {}, at(web),
      'ingress=unknown@default/prod/default.p#0', 'ingress: http match (methods, paths) is layer 7'],
    ['a services peer whose Service has no EndpointSlice in the inventory', [{ action: 'Allow', destination: { services: { name: 'api', namespace: 'prod' } } }], {}, at(web),
      'ingress=unknown@default/prod/default.p#0', 'ingress: destination.services (prod/api): the inventory holds no EndpointSlice of the Service'],
    ['an undecidable Pass rule', [{ action: 'Pass', source: { nets: ['10.0.0.0/8'] } }], {}, noIp(noIps),
      'ingress=unknown@default/prod/default.p#0', 'ingress: source.nets needs the source IP, which the flow lacks'],
  ])('%s', (_n, rules, f, src, column, reason) => {
    const v = ingressOf(rules, f, src);
    expect(formatDecision(v).split('; ')[1]).toBe(column);
    expect(v.reason).toBe(reason);
  });
});

describe('only reached rules, and only when nothing else rules them out', () => {
  const l7 = { action: 'Allow', undecidable: 'http match is layer 7' } as const;

  it.each<[string, RuleSpec[], Partial<FlowRecord>, string]>([
    ['an earlier rule decides: the undecidable rule is never reached', [{ action: 'Allow', protocol: TCP }, l7], {}, 'ingress=allow@default/prod/default.p#0'],
    ['another condition fails: the rule cannot match, whatever the missing field', [{ action: 'Allow', protocol: UDP, source: { ports: [1234] } }], { src_port: undefined }, 'ingress=deny@default/prod/default.p#(end-of-tier)'],
    ['an undecidable rule with a failing protocol does not match', [{ ...l7, protocol: UDP }, { action: 'Deny' }], {}, 'ingress=deny@default/prod/default.p#1'],
    ['a later rule that would decide the same way still leaves it unknown', [{ action: 'Deny', protocol: TCP, source: { ports: [1] } }, { action: 'Deny' }], { src_port: undefined }, 'ingress=unknown@default/prod/default.p#0'],
    ['an unknown Log rule is skipped', [{ action: 'Log', source: { ports: [1] }, protocol: TCP }, { action: 'Allow' }], { src_port: undefined }, 'ingress=allow@default/prod/default.p#1'],
  ])('%s', (_n, rules, f, column) => {
    expect(formatDecision(ingressOf(rules, f, at(web))).split('; ')[1]).toBe(column);
  });
});

describe('sides the inventory could not resolve', () => {
  const deny: Policy = policy({ name: 'deny', namespace: 'prod', ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] });

  it.each<[string, Peer, Partial<FlowRecord>, string]>([
    ['a pod the inventory does not know (namespace given)', unresolved({ namespace: 'prod' }), {}, 'egress=unknown@(unknown-endpoint)'],
    ['a flow that says the source is a pod', unresolved(), { src_kind: 'pod' }, 'egress=unknown@(unknown-endpoint)'],
    ['a flow that says the source is a network (Goldmane net peer)', unresolved(), { src_kind: 'net' }, 'egress=allow@(no-endpoint)'],
    ['an address that is no endpoint', address('8.8.8.8'), {}, 'egress=allow@(no-endpoint)'],
  ])('%s', (_n, src, f, egress) => {
    const v = compile(policySet([deny]), view).evaluate(flow(f), src, address('1.1.1.1'));
    expect(formatDecision(v).split('; ')[0]).toBe(egress);
  });

  it('an unknown endpoint on one side and a deny on the other is a deny', () => {
    const v = compile(policySet([deny]), view).evaluate(flow(), unresolved({ namespace: 'prod' }), at(db));
    expect(v.verdict).toBe('deny');
  });
});
