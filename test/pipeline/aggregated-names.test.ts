import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/flows/decoders/index.js';
import { decodedFlow, type FlowRecord } from '../../src/flows/record.js';
import { Auditor } from '../../src/pipeline/audit.js';
import { loadAuditContext } from '../../src/pipeline/context.js';
import { toJsonLine } from '../../src/pipeline/output-row.js';

const DEMO = 'fixtures/demo';

/**
 * Calico flow logs aggregated by pod prefix (Enterprise's default for allowed flows) carry neither pod names nor
 * IPs: `source_name` is `-`, `source_name_aggr` the ReplicaSet's prefix. The demo's web and api pods each come
 * from one ReplicaSet, so the prefix stands for pods of one shape and the flow is decided.
 */
describe('a Calico log line aggregated by pod prefix, replayed', async () => {
  const context = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'none' }, inventory: [`${DEMO}/inventory`] });
  const auditor = new Auditor(context.views, context.inventory);
  const decoder = createDecoder('calico');
  const line = (patch: Record<string, unknown>) =>
    JSON.stringify({
      start_time: 1772409600, end_time: 1772409900, proto: 'tcp', dest_port: 8080, action: 'allow', reporter: 'dst',
      source_ip: '-', source_name: '-', source_name_aggr: 'web-7d9f8c6b5-*', source_namespace: 'frontend', source_type: 'wep',
      dest_ip: '-', dest_name: '-', dest_name_aggr: 'api-64c7d9b8f-*', dest_namespace: 'backend', dest_type: 'wep',
      bytes_in: 10, bytes_out: 0, packets_in: 1, packets_out: 0, num_flows: 3, ...patch,
    });
  const audit = (patch: Record<string, unknown> = {}) => {
    const record = decoder.decode(line(patch), { kind: 'file', file: 'calico.jsonl', line: 1 }) as FlowRecord;
    return auditor.auditBatch([decodedFlow(record, { kind: 'file', file: 'calico.jsonl', line: 1 }, undefined)])[0]!;
  };

  it('is decided by the rule that admits web to api, each side one endpoint for its ReplicaSet', () => {
    const row = JSON.parse(toJsonLine(audit())) as Record<string, string>;
    expect(row).toMatchObject({ src_endpoint: 'pods:frontend/web-7d9f8c6b5-*', dst_endpoint: 'pods:backend/api-64c7d9b8f-*', verdict: 'allow' });
    expect(row.rule).toContain('ingress=allow@default/backend/knp.default.api-allow-ingress#0');
  });

  it('leaves a prefix no pod of the namespace has to what the line gives, here nothing', () => {
    expect(audit({ source_name_aggr: 'nothing-*' }).current.verdict).toBe('unknown');
  });
});

/**
 * A StatefulSet's pods share their GenerateName (`postgres-`, so Calico aggregates them as `postgres-*`) and differ
 * in one label, `statefulset.kubernetes.io/pod-name`. No demo policy reads it, so the pods are decided alike.
 */
describe('a Calico log line aggregated to a StatefulSet, replayed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowaudit-sts-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  await cp(`${DEMO}/inventory`, dir, { recursive: true });
  const data = await readFile(join(dir, 'data.yaml'), 'utf8');
  const named = data.replace(/name: (postgres-\d)\n  namespace: data\n  labels: \{ /g, 'name: $1\n  namespace: data\n  labels: { statefulset.kubernetes.io/pod-name: $1, ');
  expect(named.match(/pod-name/g)).toHaveLength(2);
  await writeFile(join(dir, 'data.yaml'), named);
  const context = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'none' }, inventory: [dir] });
  const auditor = new Auditor(context.views, context.inventory);
  const record = createDecoder('calico').decode(
    JSON.stringify({
      start_time: 1772409600, end_time: 1772409900, proto: 'tcp', dest_port: 5432, action: 'allow', reporter: 'dst',
      source_ip: '-', source_name: '-', source_name_aggr: 'api-64c7d9b8f-*', source_namespace: 'backend', source_type: 'wep',
      dest_ip: '-', dest_name: '-', dest_name_aggr: 'postgres-*', dest_namespace: 'data', dest_type: 'wep',
      bytes_in: 10, bytes_out: 0, packets_in: 1, packets_out: 0, num_flows: 2,
    }),
    { kind: 'file', file: 'calico.jsonl', line: 1 },
  ) as FlowRecord;

  it('is decided by the rule that admits api to postgres, the side one endpoint for both pods', () => {
    const outcome = auditor.auditBatch([decodedFlow(record, { kind: 'file', file: 'calico.jsonl', line: 1 }, undefined)])[0]!;
    const row = JSON.parse(toJsonLine(outcome)) as Record<string, string>;
    expect(row).toMatchObject({ src_endpoint: 'pods:backend/api-64c7d9b8f-*', dst_endpoint: 'pods:data/postgres-*', verdict: 'allow' });
    expect(row.rule).toContain('ingress=allow@default/data/knp.default.postgres-ingress#0');
    expect(outcome.dst.kind === 'endpoint' && outcome.dst.endpoint.ips).toEqual(['10.42.3.10', '10.42.3.11']);
  });
});
