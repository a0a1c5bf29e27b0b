/**
 * The examples of Calico's "Get started with Calico network policy" (docs.tigera.io, calico/latest/network-policy/
 * get-started/calico-policy/calico-network-policy): red and blue pods, namespaces with shape labels, egress to a
 * CIDR, and policy order.
 */
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/index.js';
import type { Peer } from '../../src/inventory/endpoint.js';
import type { Policy } from '../../src/policy/model.js';
import { address, at, cluster, compile, flow, pod, policy, policySet, TCP } from './builder.js';

const view = cluster({ namespaces: { production: { shape: 'circle' }, staging: { shape: 'circle' }, dev: { shape: 'square' } } });
const red = pod({ ns: 'production', name: 'redis', labels: { color: 'red' }, ips: ['10.0.1.10'] });
const blue = pod({ ns: 'production', name: 'client', labels: { color: 'blue' }, ips: ['10.0.1.11'] });
const blueStaging = pod({ ns: 'staging', name: 'client', labels: { color: 'blue' }, ips: ['10.0.2.11'] });
const blueDev = pod({ ns: 'dev', name: 'client', labels: { color: 'blue' }, ips: ['10.0.3.11'] });
const green = pod({ ns: 'production', name: 'other', labels: { color: 'green' }, ips: ['10.0.1.12'] });

function decide(policies: Policy[], src: Peer, dst: Peer, dport = 6379): string {
  return formatDecision(compile(policySet(policies), view).evaluate(flow({ proto: TCP, dst_port: dport }), src, dst));
}

describe('Calico getting-started examples', () => {
  const allowTcp6379 = policy({
    name: 'allow-tcp-6379',
    namespace: 'production',
    selector: "color == 'red'",
    ingress: [{ action: 'Allow', protocol: TCP, source: { selector: "color == 'blue'" }, destination: { ports: [6379] } }],
  });

  it.each<[string, Peer, number, string]>([
    ['blue in production to red:6379 is allowed', at(blue), 6379, 'ingress=allow@default/production/default.allow-tcp-6379#0'],
    ['blue to red on another port hits the end of the tier', at(blue), 80, 'ingress=deny@default/production/default.allow-tcp-6379#(end-of-tier)'],
    ['green in production is not blue', at(green), 6379, 'ingress=deny@default/production/default.allow-tcp-6379#(end-of-tier)'],
    ['blue in staging is outside the policy namespace', at(blueStaging), 6379, 'ingress=deny@default/production/default.allow-tcp-6379#(end-of-tier)'],
  ])('allow-tcp-6379: %s', (_n, src, dport, expected) => {
    expect(decide([allowTcp6379], src, at(red), dport).split('; ')[1]).toBe(expected);
  });

  const fromCircles = policy({
    name: 'allow-tcp-6379',
    namespace: 'production',
    selector: "color == 'red'",
    ingress: [
      { action: 'Allow', protocol: TCP, source: { selector: "color == 'blue'", namespaceSelector: "shape == 'circle'" }, destination: { ports: [6379] } },
    ],
  });

  it.each<[string, Peer, boolean]>([
    ['blue in a circle namespace (staging)', at(blueStaging), true],
    ['blue in a square namespace (dev)', at(blueDev), false],
  ])('namespaceSelector shape == circle: %s', (_n, src, allowed) => {
    expect(decide([fromCircles], src, at(red)).split('; ')[1]!.startsWith(allowed ? 'ingress=allow' : 'ingress=deny')).toBe(true);
  });

  it('a GlobalNetworkPolicy denies blue to red in every namespace', () => {
    const denyBlue = policy({
      name: 'deny-blue',
      selector: "color == 'red'",
      ingress: [{ action: 'Deny', protocol: TCP, source: { selector: "color == 'blue'" } }],
    });
    expect(decide([denyBlue], at(blueDev), at(red)).split('; ')[1]).toBe('ingress=deny@default/default.deny-blue#0');
  });

  const allowEgressExternal = policy({
    name: 'allow-egress-external',
    namespace: 'production',
    selector: "color == 'red'",
    types: ['Egress'],
    egress: [{ action: 'Allow', destination: { nets: ['1.2.3.4/24'] } }],
  });

  it.each<[string, string, string]>([
    ['inside 1.2.3.0/24', '1.2.3.77', 'egress=allow@default/production/default.allow-egress-external#0'],
    ['outside it', '8.8.8.8', 'egress=deny@default/production/default.allow-egress-external#(end-of-tier)'],
  ])('egress to a CIDR: %s', (_n, ip, expected) => {
    expect(decide([allowEgressExternal], at(red), address(ip), 443).split('; ')[0]).toBe(expected);
  });

  const ordered = [
    policy({ name: 'drop-other-ingress', namespace: 'production', order: 20, selector: "color == 'red'", ingress: [{ action: 'Deny' }] }),
    policy({
      name: 'allow-cluster-internal-ingress',
      namespace: 'production',
      order: 10,
      selector: "color == 'red'",
      ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/16'] } }],
    }),
  ];

  it.each<[string, Peer, string]>([
    ['order 10 allows cluster-internal sources first', at(blue), 'ingress=allow@default/production/default.allow-cluster-internal-ingress#0'],
    ['order 20 drops everything else', address('192.168.1.1'), 'ingress=deny@default/production/default.drop-other-ingress#0'],
  ])('policy order: %s', (_n, src, expected) => {
    expect(decide(ordered, src, at(red)).split('; ')[1]).toBe(expected);
  });

  it('Log then Deny: the log rule shows on the path, the deny decides', () => {
    const logAndDeny = policy({
      name: 'log-and-deny-blue',
      selector: "color == 'red'",
      ingress: [
        { action: 'Log', protocol: TCP, source: { selector: "color == 'blue'" } },
        { action: 'Deny', protocol: TCP, source: { selector: "color == 'blue'" } },
      ],
    });
    const v = compile(policySet([logAndDeny]), view).evaluate(flow({ dst_port: 6379 }), at(blue), at(red));
    expect(v.verdict).toBe('deny');
    expect(v.ingress.path).toEqual([{ tier: 'default', policy: 'default.log-and-deny-blue', rule: 0, action: 'Log' }]);
  });
});
