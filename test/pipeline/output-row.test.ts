import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeFlowSource, newDecodeStats } from '../../src/flows/decode.js';
import { isSharedHitList } from '../../src/flows/policy-hits.js';
import type { DecodedFlow } from '../../src/flows/record.js';
import { Auditor } from '../../src/pipeline/audit.js';
import { loadAuditContext } from '../../src/pipeline/context.js';
import { toJsonLine } from '../../src/pipeline/output-row.js';

const DEMO = 'fixtures/demo';

async function decodeText(text: string, format: 'canonical' | 'calico' = 'canonical'): Promise<DecodedFlow[]> {
  const flows: DecodedFlow[] = [];
  const deadLetters = { write: async () => {}, close: async () => {} };
  const options = { file: 'flows.jsonl', format, deadLetters, stats: newDecodeStats() } as const;
  for await (const batch of decodeFlowSource(Readable.from([Buffer.from(text)]), options)) flows.push(...batch);
  return flows;
}

describe('JSONL rows: the input line as given versus the record serialised again', async () => {
  const context = await loadAuditContext({
    policies: [`${DEMO}/policies`],
    proposal: { kind: 'change', paths: [`${DEMO}/change`] },
    inventory: [`${DEMO}/inventory`],
  });
  const auditor = new Auditor(context.views, context.inventory);
  // The demo's flows with times as toISOString writes them, so that every line is canonical as given.
  const lines = readFileSync(`${DEMO}/flows.jsonl`, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const o = JSON.parse(l) as { time: string };
        return [JSON.stringify({ ...o, time: new Date(o.time).toISOString() })];
      } catch {
        return []; // the demo's malformed lines
      }
    });
  const flows = await decodeText(`${lines.join('\n')}\n`);

  it('keeps the line of every canonical record', () => {
    expect(flows.length).toBe(lines.length - 1); // one demo line is JSON but no flow
    const text = (f: DecodedFlow) => f.json && f.json.bytes.toString('utf8', f.json.start, f.json.end);
    expect(flows.every((f) => f.pos.kind === 'file' && text(f) === lines[f.pos.line - 1])).toBe(true);
  });

  it('writes byte-identical rows either way', () => {
    for (const o of auditor.auditBatch(flows)) {
      expect(toJsonLine(o)).toBe(toJsonLine({ ...o, flow: { ...o.flow, json: undefined } }));
    }
  });

  it('writes the same values from a line with other whitespace and escapes', async () => {
    const spaced = lines.map((l) => JSON.stringify(JSON.parse(l), null, 1).replaceAll('\n', '').replace('"TCP"', '"\\u0054CP"'));
    const decoded = await decodeText(`${spaced.join('\n')}\n`);
    expect(decoded.filter((f) => f.json !== undefined).length).toBe(flows.length);
    for (const o of auditor.auditBatch(decoded)) {
      const row = toJsonLine(o);
      expect(row).not.toBe(toJsonLine({ ...o, flow: { ...o.flow, json: undefined } }));
      expect(JSON.parse(row)).toEqual(JSON.parse(toJsonLine({ ...o, flow: { ...o.flow, json: undefined } })));
    }
  });

  it('serialises records that normalisation rewrote (the demo as it is: times without milliseconds)', async () => {
    const original = await decodeText(readFileSync(`${DEMO}/flows.jsonl`, 'utf8'));
    expect(original.length).toBeGreaterThan(300);
    expect(original.every((f) => f.json === undefined)).toBe(true);
    const row = JSON.parse(toJsonLine(auditor.auditBatch([original[0]!])[0]!)) as { time: string };
    expect(row.time).toBe('2026-03-02T00:04:08.000Z');
  });

  it('writes each serialised time as its own, however many times share a second or a slot of the recent ones', async () => {
    const times = ['2026-03-02T00:00:00Z', '2026-03-02T00:00:00.5Z', '2026-03-02T00:01:04Z', '2026-03-02T00:00:00Z', '2026-03-02T00:01:04.25Z'];
    const text = times.map((t) => JSON.stringify({ time: t, end_time: t, src_ip: '10.42.1.10', dst_ip: '10.42.2.10', dst_port: 8080, proto: 'TCP' })).join('\n');
    const rows = auditor.auditBatch(await decodeText(`${text}\n`)).map((o) => JSON.parse(toJsonLine(o)) as { time: string; end_time: string });
    const expected = times.map((t) => new Date(t).toISOString());
    expect(rows.map((r) => r.time)).toEqual(expected);
    expect(rows.map((r) => r.end_time)).toEqual(expected);
  });

  it('writes a policy-hit list that lines share (Calico) as it writes one of its own', async () => {
    const calico = await decodeText(readFileSync('fixtures/flows/calico/flows.jsonl', 'utf8').repeat(2), 'calico');
    const shared = calico.filter((f) => f.record.observed_policies !== undefined && isSharedHitList(f.record.observed_policies));
    expect(shared.length).toBeGreaterThan(4);
    for (const o of auditor.auditBatch(shared)) {
      const own = { ...o.flow.record, observed_policies: [...o.flow.record.observed_policies!] };
      expect(toJsonLine(o)).toBe(toJsonLine({ ...o, flow: { ...o.flow, record: own } }));
    }
  });
});
