/** Rules that match `services`: the Service's EndpointSlices, as Felix reads them (felix/calc/serviceindex). */
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Peer } from '../../src/inventory/endpoint.js';
import { at, cluster, compile, flow, noIp, pod, policy, policySet, TCP, UDP } from './builder.js';

const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
const api1 = pod({ ns: 'prod', name: 'api-1', labels: { app: 'api' }, ips: ['10.0.0.2'] });
const api2 = pod({ ns: 'prod', name: 'api-2', labels: { app: 'api' }, ips: ['10.0.0.3'] });
/** Labelled like the api pods, so of their endpoint class, but no endpoint of the Service. */
const stray = pod({ ns: 'prod', name: 'stray', labels: { app: 'api' }, ips: ['10.0.0.9'] });

const view = cluster({
  namespaces: { prod: {} },
  services: {
    'prod/api': {
      addresses: ['10.0.0.2', '10.0.0.3'],
      ports: [
        { ip: '10.0.0.2', protocol: TCP, port: 8080 },
        { ip: '10.0.0.3', protocol: TCP, port: 8080 },
      ],
    },
    'prod/web': { addresses: ['10.0.0.1'], ports: [] },
  },
});

const toApi = policy({
  name: 'to-api',
  namespace: 'prod',
  selector: "app == 'web'",
  types: ['Egress'],
  egress: [{ action: 'Allow', destination: { services: { name: 'api', namespace: 'prod' } } }],
});
const fromWeb = policy({
  name: 'from-web',
  namespace: 'prod',
  selector: "app == 'api'",
  types: ['Ingress'],
  ingress: [{ action: 'Allow', source: { services: { name: 'web', namespace: 'prod' } } }],
});

const set = compile(policySet([toApi, fromWeb]), view);
const decide = (f: Partial<FlowRecord>, src: Peer, dst: Peer) => formatDecision(set.evaluate(flow(f), src, dst));

describe('destination.services: an endpoint address with one of its slice ports', () => {
  it.each<[string, Partial<FlowRecord>, Peer, string]>([
    ['an endpoint on its port', { dst_port: 8080 }, at(api1), 'egress=allow@default/prod/default.to-api#0'],
    ['the other endpoint', { dst_port: 8080 }, at(api2), 'egress=allow@default/prod/default.to-api#0'],
    ['another port of the endpoint', { dst_port: 9090 }, at(api1), 'egress=deny@default/prod/default.to-api#(end-of-tier)'],
    ['another protocol on the port', { proto: UDP, dst_port: 8080 }, at(api1), 'egress=deny@default/prod/default.to-api#(end-of-tier)'],
    ['an address that is no endpoint of it, on its port', { dst_port: 8080 }, at(stray), 'egress=deny@default/prod/default.to-api#(end-of-tier)'],
    ["no flow IP: the endpoint's own IP decides", { dst_port: 8080 }, noIp(api1), 'egress=allow@default/prod/default.to-api#0'],
    ['no dst_port: unknown', { dst_port: undefined }, at(api1), 'egress=unknown@default/prod/default.to-api#0'],
  ])('%s', (_n, f, dst, egress) => {
    expect(decide(f, at(web), dst).split('; ')[0]).toBe(egress);
  });

  it("the verdict cache tells the Service's endpoints from other pods of their class (the flow's address is in the key)", () => {
    const fresh = compile(policySet([toApi, fromWeb]), view);
    const egress = (dst: Peer) => formatDecision(fresh.evaluate(flow({ dst_port: 8080 }), at(web), dst)).split('; ')[0];
    expect([egress(at(api1)), egress(at(stray)), egress(at(api2)), egress(at(stray))]).toEqual([
      'egress=allow@default/prod/default.to-api#0',
      'egress=deny@default/prod/default.to-api#(end-of-tier)',
      'egress=allow@default/prod/default.to-api#0',
      'egress=deny@default/prod/default.to-api#(end-of-tier)',
    ]);
  });

  it('says why without dst_port', () => {
    expect(set.evaluate(flow({ dst_port: undefined }), at(web), at(api1)).reason).toBe(
      'egress: destination.services (prod/api) needs dst_port, which the flow lacks',
    );
  });
});

describe('source.services: an endpoint address, any port', () => {
  it.each<[string, Partial<FlowRecord>, Peer, string]>([
    ['from an endpoint', { dst_port: 8080 }, at(web), 'ingress=allow@default/prod/default.from-web#0'],
    ['from an endpoint, any port', { dst_port: 1 }, at(web), 'ingress=allow@default/prod/default.from-web#0'],
    ['from an address that is no endpoint of it', { dst_port: 8080 }, at(api2), 'ingress=deny@default/prod/default.from-web#(end-of-tier)'],
  ])('%s', (_n, f, src, ingress) => {
    expect(decide(f, src, at(api1)).split('; ')[1]).toBe(ingress);
  });
});

describe("a Service's endpoints over time: a flow meets the version that held at its time", () => {
  const t = (hhmm: string) => Date.parse(`2026-03-02T${hhmm}:00Z`);
  const endpoints = (ips: string[]) => ({ addresses: ips, ports: ips.map((ip) => ({ ip, protocol: TCP, port: 8080 })) });
  // api-2 (10.0.0.3) joins the Service at 11:00 and leaves at 12:00; api-1 leaves at 12:00.
  const versioned = cluster({
    namespaces: { prod: {} },
    services: {
      'prod/api': [
        { from: t('10:00'), endpoints: endpoints(['10.0.0.2']) },
        { from: t('11:00'), endpoints: endpoints(['10.0.0.2', '10.0.0.3']) },
        { from: t('12:00'), endpoints: endpoints([]) },
      ],
      'prod/web': { addresses: ['10.0.0.1'], ports: [] },
    },
  });

  it('the same sides, protocol and port decide by the flow time, through the verdict cache', () => {
    const fresh = compile(policySet([toApi, fromWeb]), versioned);
    const egress = (hhmm: string | undefined, dst: Peer) =>
      formatDecision(fresh.evaluate(flow({ dst_port: 8080, time: hhmm === undefined ? undefined : t(hhmm) }), at(web), dst)).split('; ')[0];
    const ALLOW = 'egress=allow@default/prod/default.to-api#0';
    const DENY = 'egress=deny@default/prod/default.to-api#(end-of-tier)';
    expect([egress('10:30', at(api2)), egress('11:30', at(api2)), egress('10:30', at(api2)), egress('12:30', at(api2))]).toEqual([DENY, ALLOW, DENY, DENY]);
    // Before the first version, the first holds; at a boundary, the new version.
    expect([egress('09:00', at(api1)), egress('11:59', at(api1)), egress('12:00', at(api1))]).toEqual([ALLOW, ALLOW, DENY]);
    // A flow without a time meets the latest version, as the inventory resolves it.
    expect(egress(undefined, at(api1))).toBe(DENY);
  });

  it('a Service of one version adds no dependency on time: one cache entry for all times', () => {
    const fresh = compile(policySet([toApi, fromWeb]), view);
    for (const hhmm of ['10:00', '11:00', '12:00']) fresh.evaluate(flow({ dst_port: 8080, time: t(hhmm) }), at(web), at(api1));
    expect(fresh.cacheStats()).toMatchObject({ misses: 1, hits: 2 });
  });
});
