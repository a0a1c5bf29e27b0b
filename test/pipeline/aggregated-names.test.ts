import { describe, expect, it } from 'vitest';
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
    return auditor.audit(decodedFlow(record, { kind: 'file', file: 'calico.jsonl', line: 1 }, undefined));
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
