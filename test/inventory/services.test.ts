/** EndpointSlices → each Service's endpoints, as Felix reads them for `services` rule matches. */
import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/inventory/build.js';
import { parseResources } from '../../src/policy/load.js';

const SLICES = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-abc, namespace: prod, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints:
  - addresses: [10.0.0.2]
    conditions: {ready: true}
  - addresses: [10.0.0.3]
    conditions: {ready: false}
ports:
  - {name: http, port: 8080}
  - {name: dns, port: 53, protocol: UDP}
  - {name: any, port: null}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-def, namespace: prod, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.4, 10.0.0.2]}]
ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: mirror, namespace: prod}
addressType: IPv4
endpoints: [{addresses: [10.0.0.9]}]
ports: [{port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: broken-1, namespace: prod, labels: {kubernetes.io/service-name: broken}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.400, 10.0.0.5]}, 10.0.0.6, {conditions: {ready: true}}, {addresses: 10.0.0.7}]
ports: [{port: 70000}, {port: 81, protocol: tcp}, {port: 82}, 83]
`;

describe('EndpointSlices', () => {
  const loaded = parseResources([{ file: 'slices.yaml', text: SLICES }]);
  const inventory = buildInventory(loaded.inventory);
  /** The endpoints of a Service without snapshots: its one version. */
  const only = (name: string) => {
    const versions = inventory.serviceVersions('prod', name);
    if (versions !== undefined) expect(versions.map((v) => v.from)).toEqual([-Infinity]);
    return versions?.[0]!.endpoints;
  };

  it('load as inventory, with no policy diagnostics', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.inventory.map((r) => r.kind)).toEqual(['EndpointSlice', 'EndpointSlice', 'EndpointSlice', 'EndpointSlice']);
  });

  it("a Service's endpoints are the union of its slices: every address, ready or not, with each numbered port (TCP unless told)", () => {
    const api = only('api');
    expect(api?.addresses).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(api?.ports.map((p) => `${p.ip} ${p.protocol}/${p.port}`).sort()).toEqual([
      '10.0.0.2 17/53',
      '10.0.0.2 6/8080',
      '10.0.0.3 17/53',
      '10.0.0.3 6/8080',
      '10.0.0.4 6/8080',
    ]);
  });

  it('a slice without the service-name label is no Service\'s; an unknown Service is undefined', () => {
    expect(only('mirror')).toBeUndefined();
    expect(only('nothing')).toBeUndefined();
  });

  it('bad addresses, ports, protocols and shapes are reported with their path and left out', () => {
    expect(inventory.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['bad-cidr', 'endpoints[0].addresses[0]'],
      ['wrong-type', 'endpoints[1]'],
      ['missing-field', 'endpoints[2].addresses'],
      ['wrong-type', 'endpoints[3].addresses'],
      ['bad-port', 'ports[0].port'],
      ['bad-protocol', 'ports[1].protocol'],
      ['wrong-type', 'ports[3]'],
    ]);
    expect(only('broken')).toEqual({ addresses: ['10.0.0.5'], ports: [{ ip: '10.0.0.5', protocol: 6, port: 82 }] });
  });
});

describe('EndpointSlices over time (inventory snapshots)', () => {
  const slice = (name: string, service: string, ips: string[]) =>
    `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ${name}, namespace: prod, labels: {kubernetes.io/service-name: ${service}}}\naddressType: IPv4\nendpoints: [${ips.map((ip) => `{addresses: [${ip}]}`).join(', ')}]\nports: [{port: 8080}]`;
  const at = (hhmm: string) => Date.parse(`2026-03-02T${hhmm}:00Z`);
  const load = (file: string, ...docs: string[]) => {
    const loaded = parseResources([{ file, text: docs.join('\n---\n') }]);
    expect(loaded.diagnostics).toEqual([]);
    return loaded.inventory;
  };

  it('each snapshot holding slices is a version from its time; a Service missing from one has no endpoints then; equal versions merge', () => {
    const resources = [
      ...load('/s/10.yaml', slice('api-1', 'api', ['10.0.0.2']), slice('db-1', 'db', ['10.0.0.9'])),
      ...load('/s/11.yaml', slice('api-1', 'api', ['10.0.0.3']), slice('db-1', 'db', ['10.0.0.9'])),
      ...load('/s/12.yaml', slice('db-1', 'db', ['10.0.0.9'])),
      // Read without a time: part of every version.
      ...load('/s/static.yaml', slice('api-static', 'api', ['10.0.0.50'])),
    ];
    const times = new Map([
      ['/s/10.yaml', at('10:00')],
      ['/s/11.yaml', at('11:00')],
      ['/s/12.yaml', at('12:00')],
    ]);
    const inventory = buildInventory(resources, { snapshotTimes: times });
    expect(inventory.serviceVersions('prod', 'api')?.map((v) => [v.from, v.endpoints.addresses])).toEqual([
      [at('10:00'), ['10.0.0.2', '10.0.0.50']],
      [at('11:00'), ['10.0.0.3', '10.0.0.50']],
      [at('12:00'), ['10.0.0.50']],
    ]);
    expect(inventory.serviceVersions('prod', 'db')?.map((v) => [v.from, v.endpoints.addresses])).toEqual([[at('10:00'), ['10.0.0.9']]]);
  });

  it('the same endpoints listed in another order are the same version', () => {
    const resources = [
      ...load('/s/10.yaml', slice('api-1', 'api', ['10.0.0.2', '10.0.0.3']), slice('api-2', 'api', ['10.0.0.4'])),
      ...load('/s/11.yaml', slice('api-2', 'api', ['10.0.0.4']), slice('api-1', 'api', ['10.0.0.3', '10.0.0.2'])),
    ];
    const times = new Map([
      ['/s/10.yaml', at('10:00')],
      ['/s/11.yaml', at('11:00')],
    ]);
    const versions = buildInventory(resources, { snapshotTimes: times }).serviceVersions('prod', 'api');
    expect(versions?.map((v) => [v.from, v.endpoints.addresses])).toEqual([[at('10:00'), ['10.0.0.2', '10.0.0.3', '10.0.0.4']]]);
  });
});
