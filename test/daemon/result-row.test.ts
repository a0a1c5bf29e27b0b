import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile, reportRowFromOutcome } from '../../src/report/from-results.js';
import { reportRowFromResult, sourceCoordinates } from '../../src/pipeline/result-row.js';
import type { Outcome } from '../../src/pipeline/outcome.js';
import { ResultRowsWriter } from '../../src/sinks/clickhouse/rows.js';
import { readBody } from '../sinks/result-rows.js';
import { toJsonLine } from '../../src/pipeline/output-row.js';
import { Auditor } from '../../src/pipeline/audit.js';
import { loadAuditContext } from '../../src/pipeline/context.js';
import { createDecoder } from '../../src/flows/decoders/index.js';
import { DecodeFailure, SkippedLine } from '../../src/flows/decode-result.js';
import { type DecodedFlow, decodedFlow } from '../../src/flows/record.js';
import type { ReportRow } from '../../src/report/row.js';
import { DEMO, demoLines, demoState, PARITY, parityLines } from './helpers.js';

const STAMP = { runId: 'run-1', policyVersion: 'abc123' };

/** The rows the results table stores for these outcomes, as ClickHouse reads them back. */
function stored(outcomes: readonly Outcome[]) {
  const writer = new ResultRowsWriter(STAMP);
  expect(writer.add(outcomes)).toEqual([]);
  return readBody(writer.finish());
}

function decodeAt(lines: readonly string[], first: number): DecodedFlow[] {
  const decoder = createDecoder('canonical');
  const flows: DecodedFlow[] = [];
  lines.forEach((line, i) => {
    const pos = { kind: 'kafka', topic: 'flows', partition: 3, offset: String(first + i) } as const;
    const r = decoder.decode(line, pos);
    if (!(r instanceof DecodeFailure) && !(r instanceof SkippedLine)) flows.push(decodedFlow(r, pos, undefined));
  });
  return flows;
}

async function demoOutcomes() {
  return (await demoState()).auditor.auditBatch(decodeAt(demoLines(), 100));
}

/** The demo flows and the parity flows, under the demo policies and inventory plus a host endpoint. */
async function parityOutcomes() {
  const ctx = await loadAuditContext({
    policies: [...DEMO.policies],
    proposal: { kind: 'change', paths: [...DEMO.change] },
    inventory: [...DEMO.inventory, PARITY.inventory],
  });
  return new Auditor(ctx.views, ctx.inventory).auditBatch(decodeAt([...demoLines(), ...parityLines()], 100));
}

describe('sourceCoordinates', () => {
  it.each([
    [{ kind: 'kafka', topic: 'flows', partition: 2, offset: '9007199254740993' }, 'kafka:flows/2/9007199254740993'],
    [{ kind: 'kafka', topic: 'flows', partition: 0, offset: '7', line: 3 }, 'kafka:flows/0/7#3'],
    [{ kind: 'file', file: 'logs/a.jsonl', line: 12 }, 'file:logs/a.jsonl:12'],
  ] as const)('%j → %s', (pos, text) => {
    expect(sourceCoordinates(pos)).toBe(text);
  });
});

describe('the stored row', () => {
  it('takes namespace, name and key from the endpoint the flow resolved to, and the rule texts of both views', async () => {
    const outcomes = await demoOutcomes();
    // First demo line: an Internet client to the gateway pod (IPs only in the log).
    const o = outcomes[0]!;
    const [row] = stored([o]);
    expect(o.flow.record.dst_namespace).toBeUndefined();
    expect(row).toMatchObject({
      run_id: 'run-1',
      source: 'kafka:flows/3/100',
      time: Date.parse('2026-03-02T00:04:08Z'),
      src_ip: '198.18.28.111',
      src_namespace: '',
      src_name: '',
      src_endpoint: '',
      dst_ip: '10.42.1.21',
      dst_namespace: 'frontend',
      dst_port: 8443,
      proto: 6,
      observed_action: 'allow',
      verdict: o.current.verdict,
      proposed_verdict: o.proposed!.verdict,
      class: 'unchanged-allow',
      policy_version: 'abc123',
      bytes: 159551,
      packets: 161,
      count: 1,
    });
    expect(row!.dst_name).toMatch(/^gateway-/);
    expect(row!.dst_endpoint).toBe(`pod:frontend/${row!.dst_name}`);
    expect(row!.rule).toContain('ingress=allow@');
    expect(row!.proposed_rule).not.toBe('');
  });

  it('marks every row of a multi-record message with its line, and keeps rows without a proposal empty there', async () => {
    const o = (await demoOutcomes())[1]!;
    const flow = { ...o.flow, pos: { kind: 'kafka', topic: 'flows', partition: 3, offset: '101', line: 4 } as const };
    const [row] = stored([{ ...o, flow, proposed: undefined, cls: undefined }]);
    expect(row!.source).toBe('kafka:flows/3/101#4');
    expect(row).toMatchObject({ proposed_verdict: '', proposed_rule: '', class: '' });
  });

  it('stores a flow without a time (or before 1970) at time 0', async () => {
    const o = (await demoOutcomes())[0]!;
    for (const time of [undefined, -5000]) {
      const record = { ...o.flow.record, time };
      expect(stored([{ ...o, flow: { ...o.flow, record } }])[0]!.time).toBe(0);
    }
  });

  it('keeps the connections a record stands for, and the keys of host and synthetic endpoints', async () => {
    const rows = stored((await parityOutcomes()).slice(-8));
    expect(rows.map((r) => [r.count, r.src_endpoint, r.dst_endpoint.replace(/-[a-z0-9]+-[a-z0-9]+$/, '-*')])).toEqual([
      [12, 'pod:backend/worker-6d8f7c5b4-bn5gz', 'pod:backend/api-*'],
      [5, '', 'pod:frontend/gateway-*'],
      [3, 'host:node-1/eth0', 'pod:backend/orders-*'],
      [1, '', 'host:node-1/eth0'],
      [1, '', 'host:node-1/eth0'],
      [4, 'synthetic:backend/batch-7f9c#70bb4361', 'pod:backend/api-*'],
      [1, 'synthetic:frontend/canary-1#9ed82aa3', 'pod:backend/orders-*'],
      [2, 'pod:backend/worker-6d8f7c5b4-bn5gz', 'synthetic:backend/cache-0#18ebdb93'],
    ]);
    // A host endpoint has no namespace of its own: its name is the endpoint's, the rest what the log said.
    expect(rows[2]).toMatchObject({ src_namespace: '', src_name: 'node-1-eth0', src_ip: '10.0.0.11' });
  });
});

describe('reportRowFromResult', () => {
  it('gives every flow the ReportRow that a results file and an outcome in process give it (the report modes cannot drift)', async () => {
    const outcomes = await parityOutcomes();
    expect(outcomes.length).toBe(321 + 8);
    const file = join(await mkdtemp(join(tmpdir(), 'flowaudit-parity-')), 'results.jsonl');
    await writeFile(file, outcomes.map((o) => `${toJsonLine(o)}\n`).join(''));
    const fromFile: ReportRow[] = [];
    for await (const row of readResultsFile(file)) fromFile.push(row);
    const fromStore = stored(outcomes).map(reportRowFromResult);
    expect(fromStore).toEqual(fromFile);
    expect(fromStore).toEqual(outcomes.map(reportRowFromOutcome));
    expect(fromStore.filter((r) => r.ruleMismatch !== undefined).map((r) => r.ruleMismatch)).toEqual([false, true, false, false, false, true]);
    // The cases that used to drift are among them.
    expect(fromStore.filter((r) => r.flows > 1)).toHaveLength(5);
    expect(fromStore.some((r) => r.src === 'node-1/eth0')).toBe(true);
    expect(fromStore.some((r) => r.src === 'backend/batch-7f9c#70bb4361' && r.srcNamespace === 'backend')).toBe(true);
  });

  it('reads a row stored before schema version 2 (count 1, no endpoint keys) by namespace/name, else by IP', async () => {
    // The host endpoint flow as schema version 1 kept it: the endpoint's name, no namespace, no keys.
    const [v2] = stored([(await parityOutcomes()).at(-6)!]);
    if (v2 === undefined) throw new Error('no row');
    const v1 = { ...v2, count: 1, src_endpoint: '', dst_endpoint: '' };
    expect(reportRowFromResult(v1)).toMatchObject({ src: '10.0.0.11', dst: `backend/${v2.dst_name}`, srcNamespace: undefined, dstNamespace: 'backend', flows: 1 });
    expect(reportRowFromResult(v2)).toMatchObject({ src: 'node-1/eth0', flows: 3 });
  });
});
