/**
 * Endpoint classes and address classes (engine/subject.ts, engine/address-space.ts): endpoints that differ only in
 * their IPs share one class and flows share cache entries by address class, yet every IP condition still decides
 * per flow, and what one class-mate's own IPs decide never leaks to another.
 */
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/index.js';
import { address, at, cluster, compile, flow, networkSet, noIp, pod, policy, policySet, TCP } from './builder.js';

const view = cluster({ namespaces: { prod: {} } });
// Three replicas of one workload: same labels, different IPs.
const inside = pod({ ns: 'prod', name: 'api-1', labels: { app: 'api' }, ips: ['10.0.0.1'] });
const outside = pod({ ns: 'prod', name: 'api-2', labels: { app: 'api' }, ips: ['10.9.0.1'] });
const dual = pod({ ns: 'prod', name: 'api-3', labels: { app: 'api' }, ips: ['10.0.0.3', 'fd00::3'] });
const db = pod({ ns: 'prod', name: 'db', labels: { app: 'db' }, ips: ['10.1.0.2'], namedPorts: [{ name: 'sql', port: 5432, protocol: TCP }] });

const fromNets = policy({
  name: 'p',
  namespace: 'prod',
  selector: "app == 'db'",
  ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/16'] } }, { action: 'Deny', source: { nets: ['10.9.0.0/16'] } }],
});

describe('class-mates with different IPs', () => {
  it.each([
    ['the flow IP decides (inside)', at(inside), 'ingress=allow@default/prod/default.p#0'],
    ['the flow IP decides (outside)', at(outside), 'ingress=deny@default/prod/default.p#1'],
    ['without a flow IP, own IPs decide (inside)', noIp(inside), 'ingress=allow@default/prod/default.p#0'],
    ['without a flow IP, own IPs decide (outside)', noIp(outside), 'ingress=deny@default/prod/default.p#1'],
    ['own IPs that disagree leave it unknown', noIp(dual), 'ingress=unknown@default/prod/default.p#0'],
    ['an address that is no endpoint', address('10.0.200.7'), 'ingress=allow@default/prod/default.p#0'],
  ])('%s', (_n, src, expected) => {
    const set = compile(policySet([fromNets]), view);
    // Evaluated in one compiled set after every other case, so entries and memos are shared where they may be.
    for (const other of [at(inside), at(outside), noIp(inside), noIp(outside), noIp(dual), address('10.0.200.7')]) {
      set.evaluate(flow(), other, at(db));
    }
    expect(formatDecision(set.evaluate(flow(), src, at(db))).split('; ')[1]).toBe(expected);
  });

  it('flows between replicas share a cache entry when their IPs fall in the same CIDRs', () => {
    const set = compile(policySet([fromNets]), view);
    const first = set.evaluate(flow(), at(inside), at(db));
    expect(set.evaluate(flow(), at(inside, '10.0.77.1'), at(db))).toBe(first);
    expect(set.cacheStats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    set.evaluate(flow(), at(outside), at(db));
    expect(set.cacheStats()).toMatchObject({ misses: 2, entries: 2 });
  });

  it('a network set CIDR inside a rule CIDR splits the address classes it cuts through', () => {
    const p = policy({
      name: 'p',
      namespace: 'prod',
      selector: "app == 'db'",
      ingress: [{ action: 'Deny', source: { selector: "zone == 'lab'" } }, { action: 'Allow', source: { nets: ['10.0.0.0/8'] } }],
    });
    const sets = [networkSet('lab', { zone: 'lab' }, ['10.0.5.0/24'], 'prod')];
    const set = compile(policySet([p], { networkSets: sets }), view);
    const rule = (ip: string) => formatDecision(set.evaluate(flow(), address(ip), at(db))).split('; ')[1];
    expect([rule('10.0.4.1'), rule('10.0.5.1'), rule('10.0.6.1'), rule('11.0.0.1')]).toEqual([
      'ingress=allow@default/prod/default.p#1',
      'ingress=deny@default/prod/default.p#0',
      'ingress=allow@default/prod/default.p#1',
      'ingress=deny@default/prod/default.p#(end-of-tier)',
    ]);
  });

  it('named ports resolve per class: the same labels with other ports are another class', () => {
    const db2 = pod({ ns: 'prod', name: 'db-2', labels: { app: 'db' }, ips: ['10.1.0.3'], namedPorts: [{ name: 'sql', port: 3306, protocol: TCP }] });
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: ['sql'] } }] });
    const set = compile(policySet([p]), view);
    expect(set.evaluate(flow({ dst_port: 5432 }), at(inside), at(db)).ingress.verdict).toBe('allow');
    expect(set.evaluate(flow({ dst_port: 5432 }), at(inside), at(db2)).ingress.verdict).toBe('deny');
    expect(set.evaluate(flow({ dst_port: 3306 }), at(inside), at(db2)).ingress.verdict).toBe('allow');
  });

  it('endpoint ids far apart still index correctly', () => {
    const far = { ...pod({ ns: 'prod', name: 'far', labels: { app: 'api' }, ips: ['10.9.0.9'] }), id: 3_000_000 };
    const set = compile(policySet([fromNets]), view);
    expect(set.evaluate(flow(), at(inside), at(db)).ingress.verdict).toBe('allow');
    expect(set.evaluate(flow(), at(far), at(db)).ingress.verdict).toBe('deny');
  });
});

describe('flow IPs that are no IP', () => {
  it('are decided one by one, with the text in the reason, and never cached', () => {
    const set = compile(policySet([fromNets]), view);
    for (const text of ['not-an-ip', 'also-bad']) {
      const v = set.evaluate(flow(), address(text), at(db));
      expect(v.reason).toBe(`ingress: source.nets: source IP "${text}" is not an IP address`);
    }
    expect(set.cacheStats()).toMatchObject({ hits: 0, misses: 0, entries: 0 });
  });
});
