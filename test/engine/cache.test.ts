/** The verdict cache: shared objects, keys that cover exactly what reached rules read, and a property law. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowEndpointPeer, NO_SLOT } from '../../src/inventory/peers.js';
import { formatDecision, type Verdict } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Endpoint, Peer } from '../../src/inventory/endpoint.js';
import type { Policy, Tier } from '../../src/policy/model.js';
import {
  address,
  at,
  cluster,
  compile,
  type EntitySpec,
  flow,
  host,
  ICMP,
  networkSet,
  noIp,
  pod,
  policy,
  policySet,
  type RuleSpec,
  TCP,
  UDP,
  unresolved,
} from './builder.js';

const view = cluster({ namespaces: { prod: { env: 'prod' }, dev: { env: 'dev' } } });
const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
const db = pod({ ns: 'prod', name: 'db', labels: { app: 'db' }, ips: ['10.0.0.2'], namedPorts: [{ name: 'sql', port: 5432, protocol: TCP }] });

describe('verdict cache', () => {
  it('the same flow twice gives the same object', () => {
    const set = compile(policySet([policy({ name: 'p', ingress: [{ action: 'Allow', protocol: TCP }] })]), view);
    const a = set.evaluate(flow(), at(web), at(db));
    const b = set.evaluate(flow(), at(web), at(db));
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(set.cacheStats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('flows that decide alike share one verdict object even when not cached together', () => {
    const set = compile(policySet([]), view);
    const a = set.evaluate(flow({ dst_port: 80 }), at(web), at(db));
    const b = set.evaluate(flow({ dst_port: 443 }), at(web), at(db));
    expect(b).toBe(a);
  });

  const bySrcPort = policy({ name: 'p', selector: "app == 'db'", ingress: [{ action: 'Deny', protocol: TCP, source: { ports: [1] } }, { action: 'Allow' }] });

  it('a field no reached rule reads is not part of the key', () => {
    const set = compile(policySet([bySrcPort]), view);
    const udp1 = set.evaluate(flow({ proto: UDP, src_port: 1 }), at(web), at(db));
    const udp2 = set.evaluate(flow({ proto: UDP, src_port: 2 }), at(web), at(db));
    expect(udp2).toBe(udp1);
    expect(set.cacheStats()).toMatchObject({ hits: 1, entries: 1 });
  });

  it('flows that differ only in a field a reached rule depends on get different verdicts', () => {
    const set = compile(policySet([bySrcPort]), view);
    expect(formatDecision(set.evaluate(flow({ src_port: 1 }), at(web), at(db)))).toContain('ingress=deny@default/default.p#0');
    expect(formatDecision(set.evaluate(flow({ src_port: 2 }), at(web), at(db)))).toContain('ingress=allow@default/default.p#1');
    expect(formatDecision(set.evaluate(flow({ src_port: 1 }), at(web), at(db)))).toContain('ingress=deny@default/default.p#0');
  });

  it('addresses that are no endpoint share entries unless a reached rule reads the IP', () => {
    const noNets = compile(policySet([policy({ name: 'p', selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: TCP }] })]), view);
    const a = noNets.evaluate(flow(), address('198.51.100.1'), at(db));
    expect(noNets.evaluate(flow(), address('198.51.100.2'), at(db))).toBe(a);
    const nets = compile(policySet([policy({ name: 'p', selector: "app == 'db'", ingress: [{ action: 'Allow', source: { nets: ['198.51.100.1/32'] } }] })]), view);
    expect(nets.evaluate(flow(), address('198.51.100.1'), at(db)).verdict).toBe('allow');
    expect(nets.evaluate(flow(), address('198.51.100.2'), at(db)).verdict).toBe('deny');
  });

  it('widens its key when a later evaluation under the same key reads more fields', () => {
    const p = policy({
      name: 'p',
      selector: "app == 'db'",
      ingress: [
        { action: 'Allow', source: { nets: ['10.0.0.0/8'] } },
        { action: 'Deny', protocol: TCP, source: { ports: [1] } },
        { action: 'Allow' },
      ],
    });
    const set = compile(policySet([p]), view);
    const cases: [string, number, string][] = [
      ['10.9.9.9', 1, 'allow@default/default.p#0'],
      ['8.8.8.8', 1, 'deny@default/default.p#1'],
      ['8.8.8.8', 2, 'allow@default/default.p#2'],
      ['10.9.9.9', 1, 'allow@default/default.p#0'],
      ['8.8.8.8', 1, 'deny@default/default.p#1'],
    ];
    for (const [ip, port, expected] of cases) {
      expect(formatDecision(set.evaluate(flow({ src_port: port }), address(ip), at(db)))).toBe(`egress=allow@(no-endpoint); ingress=${expected}`);
    }
  });

  it('stays correct when it reaches its bound and empties itself', () => {
    const set = compile(policySet([bySrcPort]), view, { maxCacheBytes: 1 });
    for (let port = 0; port < 10; port++) {
      const v = set.evaluate(flow({ src_port: port % 3, dst_port: port }), at(web), at(db));
      expect(v.ingress.verdict).toBe(port % 3 === 1 ? 'deny' : 'allow');
    }
    expect(set.cacheStats().resets).toBeGreaterThan(0);
  });

  it('counts its bytes: the table as allocated plus tries', () => {
    const set = compile(policySet([bySrcPort]), view);
    const empty = set.cacheStats().bytes;
    expect(empty).toBeGreaterThan(0);
    for (let port = 0; port < 50; port++) set.evaluate(flow({ src_port: port }), at(web), at(db));
    expect(set.cacheStats()).toMatchObject({ entries: 1, resets: 0 });
    expect(set.cacheStats().bytes).toBeGreaterThan(empty);
  });
});

// ---- Property: evaluating with warm caches equals evaluating with a freshly compiled set. ----

// Class-mates (same labels, other IPs) of web and db: they share cache entries and memos, never verdicts they
// should not.
const webTwin = pod({ ns: 'prod', name: 'web-2', labels: { app: 'web' }, ips: ['10.0.1.1'] });
const dbTwin = pod({ ns: 'prod', name: 'db-2', labels: { app: 'db' }, ips: ['172.16.5.2'], namedPorts: [{ name: 'sql', port: 5432, protocol: TCP }] });
const endpoints: Endpoint[] = [
  web,
  webTwin,
  db,
  dbTwin,
  pod({ ns: 'dev', name: 'web', labels: { app: 'web', tier: 'gold' }, ips: ['10.1.0.1', 'fd00::11'], sa: 'api' }),
  pod({ ns: 'dev', name: 'fresh', labels: { app: 'batch' } }),
  host({ node: 'n1', labels: { role: 'node' }, ips: ['192.168.0.1'] }),
];
const sets = [networkSet('corp', { zone: 'corp' }, ['172.16.0.0/12']), networkSet('lab', { zone: 'lab' }, ['172.16.5.0/24'], 'prod')];
const tiers: Tier[] = [
  { name: 'security', order: 100, defaultAction: 'Deny' },
  { name: 'platform', order: 200, defaultAction: 'Pass' },
];

const peerArb: fc.Arbitrary<Peer> = fc.oneof(
  fc.constantFrom(...endpoints).map((e) => at(e)),
  fc.constantFrom(...endpoints).map((e) => noIp(e)),
  fc.constantFrom(...endpoints.filter((e) => e.ips.length > 1)).map((e) => at(e, e.ips[1])),
  fc.constantFrom('172.16.5.5', '172.17.0.1', '8.8.8.8', '2001:db8::1', '10.0.0.1').map(address),
  fc.constantFrom(unresolved(), unresolved({ namespace: 'prod' })),
);

// Few values per primary-key field and several per dependent field: flows often share a cache key.
const flowArb: fc.Arbitrary<FlowRecord> = fc.record({
  proto: fc.constantFrom(TCP, ICMP),
  dst_port: fc.constantFrom(80, 5432, undefined),
  src_port: fc.constantFrom(1, 40000, undefined),
  icmp_type: fc.constantFrom(0, 8, undefined),
  src_kind: fc.constantFrom('pod' as const, 'net' as const, undefined),
}).map((f) => {
  const out: FlowRecord = { proto: f.proto };
  for (const k of ['dst_port', 'src_port', 'icmp_type', 'src_kind'] as const) if (f[k] !== undefined) Object.assign(out, { [k]: f[k] });
  return out;
});

/** Up to two fields per side, so rules match often enough to be reached and decide. */
const entityFields: [keyof EntitySpec, fc.Arbitrary<unknown>][] = [
  ['selector', fc.constantFrom("app == 'web'", "zone == 'corp'", 'all()', "tier != 'gold'", "role == 'node'")],
  ['notSelector', fc.constantFrom("app == 'db'", "zone == 'lab'")],
  ['namespaceSelector', fc.constantFrom("env == 'prod'", 'global()', 'all()')],
  ['nets', fc.constantFrom(['10.0.0.0/16'], ['172.16.0.0/12', '2001:db8::/32'], ['0.0.0.0/0'])],
  ['notNets', fc.constantFrom(['10.0.0.2/32'], ['172.16.5.0/24'])],
  ['ports', fc.constantFrom([80], ['sql'], ['1:1024'], [1])],
  ['notPorts', fc.constantFrom([22], ['sql'], [1])],
];
const entityArb: fc.Arbitrary<EntitySpec> = fc
  .subarray(entityFields, { maxLength: 2 })
  .chain((fields) => fc.tuple(...fields.map(([k, arb]) => arb.map((v) => [k, v] as const))))
  .map((pairs) => Object.fromEntries(pairs) as EntitySpec);

const ruleArb: fc.Arbitrary<RuleSpec> = fc.record(
  {
    action: fc.constantFrom('Allow' as const, 'Deny' as const, 'Pass' as const, 'Log' as const),
    protocol: fc.constantFrom(TCP, UDP, ICMP),
    icmp: fc.constantFrom({ type: 8 }, { type: 0, code: 0 }),
    ipVersion: fc.constantFrom(4 as const, 6 as const),
    source: entityArb,
    destination: entityArb,
    undecidable: fc.constant('layer 7'),
  },
  { requiredKeys: ['action'] },
);

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    name: fc.constantFrom('a', 'b', 'c', 'security.s', 'platform.p'),
    namespace: fc.constantFrom('prod', 'dev', undefined),
    order: fc.constantFrom(1, 2, null),
    selector: fc.constantFrom('all()', "app == 'web'", "app == 'db'", "role == 'node'"),
    ingress: fc.array(ruleArb, { maxLength: 3 }),
    egress: fc.array(ruleArb, { maxLength: 3 }),
  })
  .map((p) => {
    const tier = p.name.startsWith('security.') ? 'security' : p.name.startsWith('platform.') ? 'platform' : 'default';
    return policy({ ...p, tier, ...(p.namespace === undefined || tier !== 'default' ? {} : { namespace: p.namespace }) });
  });

/** The verdict as plain data: what must not depend on caching. */
function data(v: Verdict): string {
  return JSON.stringify([v.verdict, v.reason, v.egress, v.ingress]);
}

/** A fixed sample of peers (with class-mates among them) keeps the number of distinct (src, dst) pairs small. */
// Peers made for one flow (no slot) beside shared ones for the same endpoint and IP: the slot memo must not matter.
const peerPool: Peer[] = [
  ...fc.sample(peerArb, { numRuns: 6, seed: 7 }),
  at(web),
  at(webTwin),
  noIp(db),
  noIp(dbTwin),
  flowEndpointPeer(db, db.ips[0]),
  flowEndpointPeer(web, undefined),
  { kind: 'address', ip: '8.8.8.8', slot: NO_SLOT },
];

/** A policy set's policies, and flows between peers of the pool. */
const policiesArb = fc.uniqueArray(policyArb, { maxLength: 5, selector: (p) => p.id });
const flowsArb = fc.array(fc.tuple(flowArb, fc.constantFrom(...peerPool), fc.constantFrom(...peerPool)), { minLength: 1, maxLength: 40 });

describe('property: caches never change a verdict', () => {
  it('evaluation with caches equals evaluation with a fresh compiled set', () => {
    fc.assert(
      fc.property(policiesArb, flowsArb, (policies, flows) => {
        const set = policySet(policies, { tiers, networkSets: sets });
        const warm = compile(set, view);
        // Every flow twice, so the second pass is served from the cache.
        for (const [f, src, dst] of [...flows, ...flows]) {
          expect(data(warm.evaluate(f, src, dst))).toBe(data(compile(set, view).evaluate(f, src, dst)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('evaluateBatch decides as evaluate does flow by flow, with the same objects and the same cache counts', () => {
    fc.assert(
      fc.property(policiesArb, flowsArb, (policies, flows) => {
        const set = policySet(policies, { tiers, networkSets: sets });
        const one = compile(set, view);
        const batched = compile(set, view);
        // The batch twice, so the second is served from the cache the first filled (and repeats within a batch
        // find what an earlier flow of it stored).
        const expected = [...flows, ...flows].map(([f, src, dst]) => data(one.evaluate(f, src, dst)));
        const got: Verdict[] = [];
        for (let pass = 0; pass < 2; pass++) {
          const out: Verdict[] = [];
          batched.evaluateBatch(flows.map(([record]) => ({ record })), flows.map(([, src]) => src), flows.map(([, , dst]) => dst), out);
          got.push(...out);
        }
        expect(got.map(data)).toEqual(expected);
        expect(batched.cacheStats()).toEqual(one.cacheStats());
        flows.forEach(([f, src, dst], i) => expect(batched.evaluate(f, src, dst)).toBe(got[i]));
      }),
      { numRuns: 300 },
    );
  });

  it('explain decides exactly as evaluate, and returns the same object', () => {
    fc.assert(
      fc.property(fc.uniqueArray(policyArb, { maxLength: 5, selector: (p) => p.id }), flowArb, peerArb, peerArb, (policies, f, src, dst) => {
        const set = compile(policySet(policies, { tiers, networkSets: sets }), view);
        const v = set.evaluate(f, src, dst);
        expect(set.explain(f, src, dst).verdict).toBe(v);
      }),
      { numRuns: 200 },
    );
  });
});
