import { bench, describe } from 'vitest';
import { createDecoder } from '../../src/flows/decoders/canonical.js';

/**
 * The canonical decoder against its bare baseline, JSON.parse of the same lines (the acceptance bar: at least
 * half its speed). Run: npx vitest bench --project unit test/flows/canonical.bench.ts
 */
const lines: string[] = [];
for (let i = 0; i < 10_000; i++) {
  lines.push(
    JSON.stringify({
      time: 1763892000000 + i,
      proto: i % 3 === 0 ? 'TCP' : 6,
      src_ip: `10.1.${(i >> 8) & 255}.${i & 255}`,
      src_port: 40000 + (i % 20000),
      dst_ip: '10.1.0.10',
      dst_port: 6379,
      action: 'allow',
      reporter: 'dst',
      bytes: 6000,
      packets: 21,
      count: 1,
      src_namespace: 'production',
      src_name: 'web-7d4f-x2',
      src_labels: { app: 'web', color: 'blue' },
      src_kind: 'pod',
      dst_namespace: 'production',
      dst_name: 'db-0',
      dst_labels: { app: 'db', color: 'red' },
      dst_kind: 'pod',
      cluster: 'prod-eu-1',
    }),
  );
}
const decoder = createDecoder();
const pos = { kind: 'file', file: 'bench', line: 1 } as const;
let sink = 0;

describe('canonical JSONL, 10,000 lines', () => {
  bench('JSON.parse (baseline)', () => {
    for (const l of lines) sink += (JSON.parse(l) as { dst_port: number }).dst_port;
  });
  bench('canonical decode (parse + validate in place)', () => {
    for (const l of lines) sink += (decoder.decode(l, pos) as { dst_port: number }).dst_port;
  });
});

export { sink };
