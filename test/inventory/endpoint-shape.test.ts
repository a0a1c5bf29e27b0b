/**
 * Endpoints are read on every flow by the engine: all endpoints of one kind must have one shape (same keys in the
 * same order, so V8 gives them one hidden class), whichever file, kind of resource or code path made them.
 */
import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/inventory/build.js';
import type { Endpoint } from '../../src/inventory/endpoint.js';
import { parseResources } from '../../src/policy/load.js';

const MANIFESTS = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec:
  serviceAccountName: web
  containers: [{name: c, ports: [{name: http, containerPort: 80}]}]
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: node-agent, namespace: kube-system}
spec: {hostNetwork: true, nodeName: node-3}
status: {podIP: 192.168.0.3}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: vm-1, namespace: prod, labels: {app: vm}}
spec: {workload: vm-1, ipNetworks: [10.0.0.2/32], ports: [{name: ssh, port: 22, protocol: TCP}], profiles: [sg-1]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-eth0, labels: {role: node}}
spec: {node: node-1, interfaceName: eth0, expectedIPs: [192.168.0.1], profiles: [p]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-2-all}
spec: {node: node-2, interfaceName: '*'}
`;

const keysOf = (e: Endpoint): string[] => Object.keys(e);

describe('endpoint shapes', () => {
  const loaded = parseResources([{ file: 'cluster.yaml', text: MANIFESTS }]);
  const inventory = buildInventory(loaded.inventory);
  const endpoints = [...inventory.endpoints()];

  it('every pod endpoint, from a Pod, a WorkloadEndpoint or a node address, has the keys of a synthetic pod, in its order', () => {
    const peer = inventory.resolve({ proto: 6, src_namespace: 'prod', src_name: 'gone', src_labels: { app: 'x' } }, 'src');
    if (peer.kind !== 'endpoint') throw new Error(`expected a synthetic endpoint, got ${peer.kind}`);
    const pods = endpoints.filter((e) => e.kind === 'pod');
    expect(pods.map((e) => e.key)).toEqual(['pod:prod/web', 'pod:kube-system/node-agent', 'pod:prod/vm-1', 'node:node-3']);
    for (const pod of pods) expect(keysOf(pod)).toEqual(keysOf(peer.endpoint));
  });

  it('every host endpoint has one key order', () => {
    const hosts = endpoints.filter((e) => e.kind === 'host');
    expect(hosts.map((e) => e.key)).toEqual(['host:node-1/eth0', 'host:node-2/*']);
    expect(keysOf(hosts[0]!)).toEqual(['id', 'kind', 'key', 'name', 'node', 'interfaceName', 'profiles', 'labels', 'ips', 'namedPorts']);
    expect(keysOf(hosts[1]!)).toEqual(keysOf(hosts[0]!));
  });
});
