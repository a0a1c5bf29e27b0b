import { bench, describe } from 'vitest';
import type { FlowRecord } from '../../src/flows/record.js';
import { buildInventory } from '../../src/inventory/build.js';
import type { RawResource } from '../../src/policy/resource.js';

/**
 * Resolution cost per flow side: 5,000 pods whose IPs are each reused once an hour apart, 10,000 flows at
 * random times. Run: npx vitest bench --project unit test/inventory/resolve.bench.ts
 */
const origin = { file: 'bench.json', line: 1, column: 1 };
const resources: RawResource[] = [];
const hour = 3_600_000;
const t0 = Date.UTC(2025, 10, 23);
for (let i = 0; i < 10_000; i++) {
  const ip = `10.${(i % 5000) >> 8}.${i % 256}.${1 + (i >> 13)}`;
  const created = new Date(t0 + (i < 5000 ? 0 : hour)).toISOString();
  const object = {
    metadata: { name: `pod-${i}`, namespace: 'ns', uid: `u${i}`, creationTimestamp: created, labels: { app: `a${i % 50}` } },
    spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { podIP: ip },
  };
  resources.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'ns', labels: object.metadata.labels }, object, origin, path: '' });
}
const inventory = buildInventory(resources);
const flows: FlowRecord[] = [];
for (let i = 0; i < 10_000; i++) {
  const n = (i * 7919) % 5000;
  flows.push({ proto: 6, dst_port: 80, time: t0 + ((i * 104729) % (2 * hour)), src_ip: `10.${n >> 8}.${n % 256}.1`, dst_ip: '203.0.113.1' });
}
let sink = 0;

describe('inventory resolution, 10,000 flows x 2 sides', () => {
  bench('resolve src and dst', () => {
    for (const f of flows) {
      const a = inventory.resolve(f, 'src');
      const b = inventory.resolve(f, 'dst');
      sink += a.kind.length + b.kind.length;
    }
  });
});

export { sink };
