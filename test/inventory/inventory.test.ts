import { describe, expect, it } from 'vitest';
import { decodedFlow, type FlowRecord } from '../../src/flows/record.js';
import { buildInventory } from '../../src/inventory/build.js';
import type { Endpoint, Peer } from '../../src/inventory/endpoint.js';
import type { Inventory } from '../../src/inventory/inventory.js';
import { parseInventoryArg, snapshotTimes } from '../../src/inventory/snapshot-arg.js';
import { loadResources, parseResources } from '../../src/policy/load.js';
import type { RawResource } from '../../src/policy/resource.js';
import { fixture } from '../flows/helpers.js';

const at = (hhmm: string): number => Date.parse(`2025-11-23T${hhmm}:00Z`);

/**
 * Two `kubectl get pods,namespaces,serviceaccounts -A -o json` snapshots an hour apart (10:00 and 11:00) and a
 * plain Calico manifest. Between them web-a (10.1.0.11) went away and web-b got its IP at 10:30; db-0 gained a
 * label; web-c is being deleted at 11:05.
 */
async function load(): Promise<{ inventory: Inventory; resources: RawResource[] }> {
  const args = [`${fixture('inventory/snapshot-1.json')}@2025-11-23T10:00:00Z`, `${fixture('inventory/snapshot-2.json')}@2025-11-23T11:00:00Z`, fixture('inventory/calico.json')].map(
    parseInventoryArg,
  );
  // Each snapshot is loaded on its own: snapshots repeat the same objects, which one load would call duplicates.
  const resources: RawResource[] = [];
  for (const a of args) {
    const loaded = await loadResources([a.path]);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    resources.push(...loaded.inventory);
  }
  return { inventory: buildInventory(resources, { snapshotTimes: snapshotTimes(args) }), resources };
}

function flow(patch: Partial<FlowRecord>): FlowRecord {
  return { proto: 6, dst_port: 80, dst_ip: '10.9.9.9', ...patch };
}

/** Both sides of each record as a decoded flow (its addresses as numbers, as decoders give them) resolves. */
function resolveDecoded(inventory: Inventory, records: readonly FlowRecord[]): { src: Peer[]; dst: Peer[] } {
  const src: Peer[] = [];
  const dst: Peer[] = [];
  inventory.resolveBatch(records.map((r) => decodedFlow(r, { kind: 'file', file: 'f', line: 1 }, undefined)), src, dst);
  return { src, dst };
}

function endpointOf(peer: Peer): Endpoint {
  if (peer.kind !== 'endpoint') throw new Error(`expected an endpoint, got ${JSON.stringify(peer)}`);
  return peer.endpoint;
}

function describePeer(peer: Peer): string {
  switch (peer.kind) {
    case 'endpoint':
      return peer.endpoint.key;
    case 'address':
      return `address ${peer.ip}`;
    case 'unresolved':
      return `unresolved ${peer.reason}`;
  }
}

describe('time-aware resolution by IP', async () => {
  const { inventory } = await load();
  const src = (patch: Partial<FlowRecord>) => describePeer(inventory.resolve(flow(patch), 'src'));

  it.each([
    ['08:59', '10.1.0.11', 'address 10.1.0.11'], // before web-a was created
    ['09:00', '10.1.0.11', 'pod:production/web-a'],
    ['10:15', '10.1.0.11', 'pod:production/web-a'],
    ['10:30', '10.1.0.11', 'pod:production/web-b'], // IP reused: the newer pod from its creation on
    ['12:00', '10.1.0.11', 'pod:production/web-b'],
    ['10:40', '10.1.0.12', 'address 10.1.0.12'], // web-c not created yet
    ['10:50', '10.1.0.12', 'pod:production/web-c'],
    ['11:05', '10.1.0.12', 'address 10.1.0.12'], // deletionTimestamp reached
    ['10:15', '10.1.0.30', 'address 10.1.0.30'], // job-1 Succeeded: its IP is free
    ['10:15', '192.168.1.20', 'host:node-1/eth0'], // the host endpoint, not the hostNetwork pod on that IP
    ['10:15', '10.1.5.5', 'pod:legacy/vm-a'], // a WorkloadEndpoint with no Pod
    ['10:15', '10.1.0.99', 'address 10.1.0.99'], // db-0's WorkloadEndpoint is shadowed by its Pod
    ['10:15', '203.0.113.5', 'address 203.0.113.5'],
  ])('at %s, %s → %s', (hhmm, ip, expected) => {
    expect(src({ time: at(hhmm), src_ip: ip })).toBe(expected);
    // As a decoded flow (the address as the number a decoder read: resolveBatch), it resolves the same.
    expect(describePeer(resolveDecoded(inventory, [flow({ time: at(hhmm), src_ip: ip })]).src[0]!)).toBe(expected);
  });

  it.each([
    ['08:55', '09:05', '10.1.0.11', 'pod:production/web-a'], // web-a came up during the interval (10.1.0.11 had two holders)
    ['10:40', '10:50', '10.1.0.12', 'pod:production/web-c'], // web-c came up during it (its address's one holder)
    ['10:40', '10:45', '10.1.0.12', 'address 10.1.0.12'], // the interval ends as web-c comes up
    ['10:15', '10:45', '10.1.0.11', 'pod:production/web-a'], // held at the start: web-b taking it over later does not count
    ['11:05', '11:10', '10.1.0.12', 'address 10.1.0.12'], // deleted before the interval
    ['10:15', '10:20', '10.1.0.30', 'address 10.1.0.30'], // job-1 never holds its IP
  ])('for an interval %s-%s (aggregated logs), %s → %s', (start, end, ip, expected) => {
    expect(src({ time: at(start), end_time: at(end), src_ip: ip })).toBe(expected);
    expect(describePeer(resolveDecoded(inventory, [flow({ time: at(start), end_time: at(end), src_ip: ip })]).src[0]!)).toBe(expected);
  });

  it('takes the pod an interval\'s record names when the address passed to it during the interval', () => {
    const named = (name: string, end?: string) =>
      src({ time: at('10:25'), ...(end === undefined ? {} : { end_time: at(end) }), src_ip: '10.1.0.11', src_namespace: 'production', src_name: name });
    expect(named('web-b', '10:35')).toBe('pod:production/web-b'); // web-a held it at 10:25, web-b from 10:30
    expect(named('web-a', '10:35')).toBe('pod:production/web-a');
    expect(named('web-b')).toBe('pod:production/web-a'); // no interval: the holder at the flow's time
    expect(named('web-b', '10:29')).toBe('pod:production/web-a'); // web-b came up after the interval
    expect(named('db-0', '10:35')).toBe('pod:production/web-a'); // a pod that never held the address
    expect(inventory.resolve(flow({ time: at('10:25'), end_time: at('10:35'), src_ip: '10.1.0.11', src_namespace: 'production', src_name: 'web-b' }), 'src')).toMatchObject({
      kind: 'endpoint',
      ip: '10.1.0.11',
    });
  });

  it('takes no endpoint that came up after the time of a flow without an end time', () => {
    expect(src({ time: at('10:40'), src_ip: '10.1.0.12' })).toBe('address 10.1.0.12');
    expect(src({ time: at('08:55'), src_ip: '10.1.0.11' })).toBe('address 10.1.0.11');
  });

  it('shares one peer per address that is no endpoint, IPv4 and IPv6 (the engine keys its caches by peer)', () => {
    for (const ip of ['203.0.113.5', 'fd00::77']) {
      const first = inventory.resolve(flow({ time: at('10:15'), src_ip: ip }), 'src');
      expect(first).toMatchObject({ kind: 'address', ip });
      expect((first as { slot: number }).slot).toBeGreaterThanOrEqual(0);
      expect(inventory.resolve(flow({ time: at('11:15'), dst_ip: ip }), 'dst')).toBe(first);
    }
  });

  it('resolves a flow without a time to the latest binding', () => {
    expect(src({ src_ip: '10.1.0.11' })).toBe('pod:production/web-b');
    expect(src({ src_ip: '10.1.0.12' })).toBe('pod:production/web-c');
  });

  it('gives each state of an object its own endpoint id: db-0 before and after its label change', () => {
    const before = endpointOf(inventory.resolve(flow({ time: at('10:15'), src_ip: '10.1.0.10' }), 'src'));
    const after = endpointOf(inventory.resolve(flow({ time: at('11:30'), src_ip: '10.1.0.10' }), 'src'));
    expect(before.key).toBe(after.key);
    expect(before.id).not.toBe(after.id);
    expect(before.labels).not.toHaveProperty('version');
    expect(after.labels).toMatchObject({ version: '2' });
    // Same state in both snapshots: one endpoint.
    const early = endpointOf(inventory.resolve(flow({ time: at('09:30'), src_ip: '10.1.0.11' }), 'src'));
    const late = endpointOf(inventory.resolve(flow({ time: at('10:29'), src_ip: '10.1.0.11' }), 'src'));
    expect(early).toBe(late);
  });

  it('resolves a batch (resolveBatch) as it resolves each side of each flow in turn', () => {
    const ips = ['10.1.0.11', '10.1.0.12', '10.1.0.30', '192.168.1.20', '10.1.5.5', '203.0.113.5', 'fd00::77', '10.1.0.10'];
    const times = ['08:59', '10:15', '10:30', '10:50', '11:05', '12:00'];
    const records = times.flatMap((hhmm, t) =>
      ips.map((ip, i): FlowRecord => flow({ time: at(hhmm), ...(t % 2 === 0 ? {} : { end_time: at('12:30') }), src_ip: ip, dst_ip: ips[(i + t + 1) % ips.length]! })),
    );
    records.push(flow({ time: at('10:25'), end_time: at('10:35'), src_ip: '10.1.0.11', src_namespace: 'production', src_name: 'web-b', dst_ip: undefined, dst_kind: 'net' }));
    const { src, dst } = resolveDecoded(inventory, records);
    const described = (peers: Peer[]) => peers.map((p) => (p.kind === 'endpoint' ? `${describePeer(p)} ${p.ip}` : describePeer(p)));
    expect(described(src)).toEqual(described(records.map((r) => inventory.resolve(r, 'src'))));
    expect(described(dst)).toEqual(described(records.map((r) => inventory.resolve(r, 'dst'))));
    expect(described(src)).toContain('pod:production/web-b 10.1.0.11');
    expect(described(dst)).toContain('unresolved no-address');
  });

  it('carries the flow IP on the peer and resolves the destination side the same way', () => {
    const peer = inventory.resolve(flow({ time: at('10:15'), dst_ip: '10.1.0.10' }), 'dst');
    expect(peer).toMatchObject({ kind: 'endpoint', ip: '10.1.0.10', endpoint: { key: 'pod:production/db-0' } });
  });
});

describe('endpoints from the inventory', async () => {
  const { inventory } = await load();
  const byKey = (key: string) => [...inventory.endpoints()].filter((e) => e.key === key);

  it('pod endpoints: own labels plus the Calico labels, service account (default when absent), named ports', () => {
    const [web] = byKey('pod:production/web-a');
    expect(web).toMatchObject({
      kind: 'pod',
      name: 'web-a',
      namespace: 'production',
      serviceAccount: 'web',
      hostNetwork: false,
      node: 'node-1',
      ips: ['10.1.0.11'],
      namedPorts: [{ name: 'http', port: 8080, protocol: 6 }], // the unnamed port 9000 is left out
      labels: {
        app: 'web',
        color: 'blue',
        'projectcalico.org/namespace': 'production',
        'projectcalico.org/orchestrator': 'k8s',
        'projectcalico.org/serviceaccount': 'web',
      },
    });
    const [db] = byKey('pod:production/db-0');
    expect(db).toMatchObject({
      serviceAccount: 'default',
      ips: ['10.1.0.10'],
      namedPorts: [
        { name: 'redis', port: 6379, protocol: 6 },
        { name: 'probe', port: 9121, protocol: 17 }, // init containers count too
      ],
      labels: { 'projectcalico.org/serviceaccount': 'default' },
    });
    expect(byKey('pod:production/db-0')).toHaveLength(2); // two states
    expect(byKey('pod:production/web-a')).toHaveLength(1);
  });

  it('hostNetwork pods are endpoints flagged hostNetwork; finished pods hold no IP', () => {
    expect(byKey('pod:kube-system/node-exporter-x')[0]).toMatchObject({ hostNetwork: true, node: 'node-1', ips: ['192.168.1.20'] });
    expect(byKey('pod:production/job-1')[0]).toMatchObject({ ips: [] });
  });

  it('host endpoints: node, interface, expected IPs, profiles, ports', () => {
    expect(byKey('host:node-1/eth0')[0]).toMatchObject({
      kind: 'host',
      name: 'node-1-eth0',
      node: 'node-1',
      interfaceName: 'eth0',
      ips: ['192.168.1.20'],
      profiles: ['allow-ssh'],
      namedPorts: [{ name: 'ssh', port: 22, protocol: 6 }],
      labels: { host: 'node-1' },
    });
  });

  it('workload endpoints: /32 networks, spec.pod as the name, spec.node as the node, Calico labels added when missing', () => {
    expect(byKey('pod:legacy/vm-a')[0]).toMatchObject({
      name: 'vm-a',
      namespace: 'legacy',
      serviceAccount: 'legacy-sa',
      node: 'node-1',
      ips: ['10.1.5.5'],
      namedPorts: [{ name: 'http', port: 80, protocol: 6 }],
      labels: { app: 'vm', 'projectcalico.org/namespace': 'legacy', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'legacy-sa' },
    });
  });

  it('reports bad IPs and ports of inventory objects as diagnostics, with their path', () => {
    expect(inventory.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['bad-cidr', 'items[3].spec.ipNetworks[0]'],
      ['bad-port', 'items[3].spec.ports[0].port'],
    ]);
    expect(inventory.diagnostics[0]!.file).toContain('calico.json');
  });

  it('ids are dense and distinct', () => {
    const ids = [...inventory.endpoints()].map((e) => e.id).sort((a, b) => a - b);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[ids.length - 1]! - ids[0]!).toBe(ids.length - 1);
  });

  it('namespaces carry their labels and both name labels, from the latest snapshot; service accounts their labels', () => {
    expect(inventory.namespace('production')).toEqual({
      name: 'production',
      labels: { team: 'shop', tier: 'prod', 'projectcalico.org/name': 'production', 'kubernetes.io/metadata.name': 'production' },
    });
    expect(inventory.namespace('nowhere')).toBeUndefined();
    expect(inventory.serviceAccount('production', 'web')).toEqual({ namespace: 'production', name: 'web', labels: { role: 'frontend' } });
    expect(inventory.serviceAccount('production', 'other')).toBeUndefined();
  });
});

describe('resolution without an IP, and when the inventory does not know the peer', async () => {
  const { inventory } = await load();
  const resolve = (patch: Partial<FlowRecord>) => inventory.resolve(flow({ dst_ip: undefined, dst_kind: 'net', ...patch }), 'src');

  it('namespace + name → the pod valid at the flow time; name of a host endpoint → that host endpoint', () => {
    expect(describePeer(resolve({ time: at('10:15'), src_namespace: 'production', src_name: 'web-a' }))).toBe('pod:production/web-a');
    expect(describePeer(resolve({ time: at('11:30'), src_namespace: 'production', src_name: 'web-a' }))).toBe('unresolved endpoint-not-found');
    expect(describePeer(resolve({ src_kind: 'host', src_name: 'node-1-eth0' }))).toBe('host:node-1/eth0');
    expect(resolve({ src_namespace: 'production', src_name: 'db-0' })).toMatchObject({ kind: 'endpoint', ip: undefined });
  });

  it('namespace + name of a pod that came up during an aggregated record\'s interval → that pod', () => {
    expect(describePeer(resolve({ time: at('08:55'), end_time: at('09:05'), src_namespace: 'production', src_name: 'web-a' }))).toBe('pod:production/web-a');
    expect(describePeer(resolve({ time: at('08:55'), src_namespace: 'production', src_name: 'web-a' }))).toBe('unresolved endpoint-not-found');
  });

  it('an IP the inventory lacks with a known name → the named pod, keeping the flow IP', () => {
    const peer = resolve({ time: at('10:15'), src_ip: '10.200.0.1', src_namespace: 'production', src_name: 'web-a' });
    expect(peer).toMatchObject({ kind: 'endpoint', ip: '10.200.0.1', endpoint: { key: 'pod:production/web-a' } });
  });

  it('labels + namespace of an unknown pod → a synthetic pod endpoint, interned', () => {
    const a = endpointOf(resolve({ src_namespace: 'production', src_name_aggr: 'api-*', src_labels: { app: 'api', tier: 'b' } }));
    const b = endpointOf(resolve({ src_namespace: 'production', src_labels: { tier: 'b', app: 'api' } }));
    const c = endpointOf(resolve({ src_namespace: 'production', src_labels: { app: 'api' } }));
    const d = endpointOf(resolve({ src_namespace: 'staging', src_labels: { app: 'api', tier: 'b' } }));
    expect(a).toBe(b);
    expect(new Set([a.id, c.id, d.id]).size).toBe(3);
    expect(a.key.startsWith('synthetic:')).toBe(true);
    expect(a).toMatchObject({
      kind: 'pod',
      namespace: 'production',
      ips: [],
      labels: { app: 'api', tier: 'b', 'projectcalico.org/namespace': 'production', 'projectcalico.org/orchestrator': 'k8s' },
    });
    expect(inventory.stats.syntheticEndpoints).toBe(3);
  });

  it.each([
    [{ src_ip: '198.51.100.1' }, 'address 198.51.100.1'],
    [{ src_kind: 'net' as const }, 'unresolved no-address'],
    [{ src_kind: 'networkset' as const, src_name: 'corp-nets', src_namespace: 'production' }, 'unresolved no-address'],
    [{ src_labels: { app: 'x' } }, 'unresolved no-address'], // labels without a namespace make no pod
    [{ src_namespace: 'production', src_name: 'ghost' }, 'unresolved endpoint-not-found'],
  ])('%j → %s', (patch, expected) => {
    expect(describePeer(resolve(patch))).toBe(expected);
  });

  it('keeps the hints of an unresolved side on the peer', () => {
    expect(resolve({ src_kind: 'networkset', src_namespace: 'production', src_labels: { nets: 'corp' } })).toEqual({
      kind: 'unresolved',
      reason: 'no-address',
      namespace: 'production',
      labels: { nets: 'corp' },
    });
  });
});

describe('inventory against flow labels', async () => {
  const { inventory } = await load();

  it('uses the inventory labels when the flow disagrees, and counts the disagreement', () => {
    const before = inventory.stats.labelDisagreements;
    const agree = inventory.resolve(flow({ time: at('10:15'), src_ip: '10.1.0.11', src_labels: { app: 'web' } }), 'src');
    expect(inventory.stats.labelDisagreements).toBe(before);
    const disagree = inventory.resolve(flow({ time: at('10:15'), src_ip: '10.1.0.11', src_labels: { app: 'api' } }), 'src');
    expect(inventory.stats.labelDisagreements).toBe(before + 1);
    expect(endpointOf(disagree)).toBe(endpointOf(agree));
    expect(endpointOf(disagree).labels.app).toBe('web');
  });
});

describe('plain manifests (no snapshot time)', () => {
  it('bind from creationTimestamp to deletionTimestamp, or for all time', async () => {
    const { resources } = await load();
    const inventory = buildInventory(resources.filter((r) => r.origin.file.endsWith('snapshot-1.json')));
    const web = (hhmm: string) => describePeer(inventory.resolve(flow({ time: at(hhmm), src_ip: '10.1.0.11' }), 'src'));
    expect(web('08:00')).toBe('address 10.1.0.11');
    expect(web('23:00')).toBe('pod:production/web-a'); // no later snapshot says it is gone
  });
});

describe('aggregated pod names (Calico aggregation by prefix: no names, no addresses)', () => {
  let address = 0;
  const pod = (name: string, labels: string, created: string, deleted?: string, ports = '[{name: http, containerPort: 8080}]', hostNetwork = false) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {${labels}}, creationTimestamp: "2025-11-23T${created}:00Z"${deleted === undefined ? '' : `, deletionTimestamp: "2025-11-23T${deleted}:00Z"`}}\nspec: {hostNetwork: ${hostNetwork}, serviceAccountName: api, nodeName: n1, containers: [{name: c, ports: ${ports}}]}\nstatus: {podIP: 10.2.0.${++address}}`;
  const loaded = parseResources([
    {
      file: 'cluster.yaml',
      text: [
        pod('api-5f7d-aaaaa', 'app: api', '09:00'),
        pod('api-5f7d-bbbbb', 'app: api', '09:00', '10:00'),
        pod('api-5f7d-ccccc', 'app: api', '10:30'),
        pod('api-6c4e-ddddd', 'app: api, track: canary', '09:00'),
        pod('db-0', 'app: db, statefulset.kubernetes.io/pod-name: db-0', '09:00'),
        pod('db-1', 'app: db, statefulset.kubernetes.io/pod-name: db-1', '09:00'),
        pod('web-1', 'app: web', '09:00'),
        pod('web-2', 'app: web', '09:00', undefined, '[]'),
        pod('exporter-1', 'app: exporter', '09:00', undefined, '[]', true),
      ].join('\n---\n'),
    },
  ]);
  const inventory = buildInventory(loaded.inventory);
  const side = (aggr: string, start: string, end?: string, patch: Partial<FlowRecord> = {}) =>
    inventory.resolve(flow({ time: at(start), ...(end === undefined ? {} : { end_time: at(end) }), src_namespace: 'shop', src_name_aggr: aggr, src_kind: 'pod', ...patch }), 'src');

  it('stands one endpoint, without an address, for the pods of one shape under the name', () => {
    expect(loaded.diagnostics).toEqual([]);
    const group = side('api-5f7d-*', '09:30');
    expect(group).toMatchObject({ kind: 'endpoint', ip: undefined });
    const ipOf = (name: string) => endpointOf(inventory.resolve(flow({ time: at('10:45'), src_namespace: 'shop', src_name: name }), 'src')).ips[0];
    const ipOfGone = endpointOf(inventory.resolve(flow({ time: at('09:30'), src_namespace: 'shop', src_name: 'api-5f7d-bbbbb' }), 'src')).ips[0];
    // Its addresses are all of the pods' (the flow was from one of them): api-5f7d-aaaaa and -bbbbb at 09:30.
    expect(endpointOf(group)).toMatchObject({ key: 'pods:shop/api-5f7d-*', name: 'api-5f7d-*', namespace: 'shop', serviceAccount: 'api', node: '' });
    expect(endpointOf(group).ips).toEqual([ipOf('api-5f7d-aaaaa'), ipOfGone].sort());
    expect(endpointOf(group).labels).toMatchObject({ app: 'api', 'projectcalico.org/namespace': 'shop' });
    expect(endpointOf(group).namedPorts).toEqual(endpointOf(inventory.resolve(flow({ time: at('09:30'), src_namespace: 'shop', src_name: 'api-5f7d-aaaaa' }), 'src')).namedPorts);
    // One endpoint while the same pods stand behind the name (the engine's caches see one id); another once a pod
    // came or went: -bbbbb went at 10:00, -ccccc came at 10:30.
    expect(side('api-5f7d-*', '09:40', '09:45')).toBe(group);
    const later = side('api-5f7d-*', '10:25', '10:35');
    expect(endpointOf(later).key).toBe('pods:shop/api-5f7d-*');
    expect(endpointOf(later).ips).toEqual([ipOf('api-5f7d-aaaaa'), ipOf('api-5f7d-ccccc')].sort());
    expect(side('api-5f7d-*', '11:00')).toBe(later);
  });

  it.each([
    ['api-*', '09:30', undefined, 'the prefix takes in a canary of other labels'],
    ['db-*', '09:30', undefined, "a StatefulSet's pods differ by their pod-name label, and without labelKeysRead every label counts"],
    ['web-*', '09:30', undefined, 'named ports differ'],
    ['exporter-*', '09:30', undefined, 'hostNetwork pods are the host'],
    ['api-9x9x-*', '09:30', undefined, 'no pod has the name'],
    ['api-5f7d-*', '08:00', '08:30', 'no pod was up during the interval'],
    ['api-5f7d', '09:30', undefined, 'a name without a star'],
  ])('leaves %s at %s-%s undecided: %s', (aggr, start, end, _why) => {
    expect(describePeer(side(aggr, start, end))).toBe('unresolved no-address');
  });

  it('decides pods that differ only in labels no policy reads as one (labelKeysRead: a StatefulSet, a canary)', () => {
    const reading = (...keys: string[]) => {
      const inv = buildInventory(loaded.inventory, { labelKeysRead: new Set(keys) });
      return (aggr: string) => inv.resolve(flow({ time: at('09:30'), src_namespace: 'shop', src_name_aggr: aggr, src_kind: 'pod' }), 'src');
    };
    const appOnly = reading('app');
    const db = endpointOf(appOnly('db-*'));
    expect(db).toMatchObject({ key: 'pods:shop/db-*', serviceAccount: 'api', node: '' });
    // The group carries what the pods share: not the pod-name label, which differs and no policy reads.
    expect(db.labels).toMatchObject({ app: 'db', 'projectcalico.org/namespace': 'shop' });
    expect(db.labels).not.toHaveProperty('statefulset.kubernetes.io/pod-name');
    expect(db.ips).toHaveLength(2);
    expect(endpointOf(appOnly('api-*')).labels).not.toHaveProperty('track');
    // A key the policies read still tells the pods apart; named ports and hostNetwork count whatever is read.
    expect(describePeer(reading('app', 'statefulset.kubernetes.io/pod-name')('db-*'))).toBe('unresolved no-address');
    expect(describePeer(reading('track')('api-*'))).toBe('unresolved no-address');
    expect(describePeer(appOnly('web-*'))).toBe('unresolved no-address');
    expect(describePeer(appOnly('exporter-*'))).toBe('unresolved no-address');
  });

  it('goes to the labels a record gives when the pods differ, and leaves exact names and addresses first', () => {
    expect(endpointOf(side('db-*', '09:30', undefined, { src_labels: { app: 'db' } })).key).toMatch(/^synthetic:shop\//);
    expect(endpointOf(side('api-*', '09:30', undefined, { src_name: 'api-6c4e-ddddd' })).key).toBe('pod:shop/api-6c4e-ddddd');
    expect(describePeer(side('api-5f7d-*', '09:30', undefined, { src_kind: 'net' }))).toBe('unresolved no-address');
  });
});

describe("nodes' own addresses, from the hostNetwork pods on them", () => {
  const pod = (name: string, node: string | undefined, ip: string, created: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: kube-system, creationTimestamp: "2025-11-23T${created}:00Z"}\nspec: {hostNetwork: true${node === undefined ? '' : `, nodeName: ${node}`}}\nstatus: {podIP: ${ip}}`;
  const inventoryOf = (...docs: string[]): Inventory => {
    const loaded = parseResources([{ file: 'cluster.yaml', text: docs.join('\n---\n') }]);
    expect(loaded.diagnostics).toEqual([]);
    return buildInventory(loaded.inventory);
  };
  const src = (inventory: Inventory, ip: string, hhmm = '12:00') => describePeer(inventory.resolve(flow({ time: at(hhmm), src_ip: ip }), 'src'));

  it('an address only hostNetwork pods hold is their node, one endpoint per node, from the first pod seen with it', () => {
    const inventory = inventoryOf(
      pod('kube-proxy-a', 'n1', '192.168.0.1', '10:00'),
      pod('calico-node-a', 'n1', '192.168.0.1', '09:00'),
      pod('kube-proxy-b', 'n2', '192.168.0.2', '10:00'),
    );
    expect(src(inventory, '192.168.0.1')).toBe('node:n1');
    expect(src(inventory, '192.168.0.2')).toBe('node:n2');
    expect(src(inventory, '192.168.0.1', '09:30')).toBe('node:n1');
    expect(src(inventory, '192.168.0.1', '08:59')).toBe('address 192.168.0.1');
    const nodes = [...inventory.endpoints()].filter((e) => e.key.startsWith('node:'));
    expect(nodes).toEqual([
      expect.objectContaining({ key: 'node:n1', kind: 'pod', hostNetwork: true, node: 'n1', ips: ['192.168.0.1'] }),
      expect.objectContaining({ key: 'node:n2', kind: 'pod', hostNetwork: true, node: 'n2', ips: ['192.168.0.2'] }),
    ]);
  });

  it('a host endpoint holding the address keeps it; a hostNetwork pod with no node names none', () => {
    const hep = 'apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [192.168.0.1]}';
    const inventory = inventoryOf(hep, pod('kube-proxy-a', 'n1', '192.168.0.1', '10:00'), pod('pending', undefined, '192.168.0.9', '10:00'));
    expect(src(inventory, '192.168.0.1')).toBe('host:n1/eth0');
    expect(src(inventory, '192.168.0.9')).toBe('address 192.168.0.9');
  });
});

describe("a WorkloadEndpoint's profiles", () => {
  const wep = (name: string, profiles: string[]) =>
    `apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: ${name}, namespace: prod}\nspec: {workload: ${name}, ipNetworks: [10.0.0.2/32], profiles: [${profiles.join(', ')}]}`;
  const profilesOf = (text: string) => {
    const [endpoint] = [...buildInventory(parseResources([{ file: 'c.yaml', text }]).inventory).endpoints()];
    return endpoint?.kind === 'pod' ? endpoint.profiles : 'not a pod';
  };

  it('an entry that is not a name is reported where it is and left out, for a workload or a host endpoint', () => {
    const text = `${wep('vm', ['sg-web', '7', '{a: 1}'])}\n---\napiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0}\nspec: {node: n1, interfaceName: eth0, profiles: [[x], edge]}`;
    const inventory = buildInventory(parseResources([{ file: 'c.yaml', text }]).inventory);
    expect(inventory.diagnostics.map((d) => [d.code, d.path, d.message])).toEqual([
      ['wrong-type', 'spec.profiles[1]', 'spec.profiles[1] is not a string'],
      ['wrong-type', 'spec.profiles[2]', 'spec.profiles[2] is not a string'],
      ['wrong-type', 'spec.profiles[0]', 'spec.profiles[0] is not a string'],
    ]);
    expect([...inventory.endpoints()].map((e) => e.profiles)).toEqual([['sg-web'], ['edge']]);
  });

  it("are left to Calico's derivation when they are a Kubernetes pod's (kns., ksa.), and kept otherwise", () => {
    expect(profilesOf(wep('k8s', ['kns.prod', 'ksa.prod.default']))).toBeUndefined();
    expect(profilesOf(wep('vm', ['sg-web', 'kns.prod']))).toEqual(['sg-web', 'kns.prod']);
  });

  it("keep a workload of another orchestrator to its own, none included: Felix drops what no profile accepts", () => {
    const openstack = (profiles: string[]) => wep('vm', profiles).replace('spec: {', 'spec: {orchestrator: openstack, ');
    expect(profilesOf(openstack([]))).toEqual([]);
    expect(profilesOf(openstack(['kns.prod']))).toEqual(['kns.prod']);
    expect(profilesOf(wep('k8s', []).replace('spec: {', 'spec: {orchestrator: k8s, '))).toBeUndefined();
  });
});
