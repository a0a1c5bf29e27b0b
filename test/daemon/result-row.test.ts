import { describe, expect, it } from 'vitest';
import { reportRowFromOutcome } from '../../src/report/from-results.js';
import { reportRowFromResult, resultRow, sourceCoordinates } from '../../src/pipeline/result-row.js';
import { createDecoder } from '../../src/flows/decoders/index.js';
import { DecodeFailure, SkippedLine } from '../../src/flows/decode-result.js';
import type { DecodedFlow } from '../../src/flows/record.js';
import { demoLines, demoState } from './helpers.js';

const STAMP = { runId: 'run-1', policyVersion: 'abc123' };

async function demoOutcomes() {
  const decoder = createDecoder('canonical');
  const flows: DecodedFlow[] = [];
  demoLines().forEach((line, i) => {
    const pos = { kind: 'kafka', topic: 'flows', partition: 3, offset: String(100 + i) } as const;
    const r = decoder.decode(line, pos);
    if (!(r instanceof DecodeFailure) && !(r instanceof SkippedLine)) flows.push({ record: r, pos });
  });
  return (await demoState()).auditor.auditBatch(flows);
}

describe('sourceCoordinates', () => {
  it.each([
    [{ kind: 'kafka', topic: 'flows', partition: 2, offset: '9007199254740993' }, undefined, 'kafka:flows/2/9007199254740993'],
    [{ kind: 'kafka', topic: 'flows', partition: 0, offset: '7' }, 3, 'kafka:flows/0/7#3'],
    [{ kind: 'file', file: 'logs/a.jsonl', line: 12 }, undefined, 'file:logs/a.jsonl:12'],
  ] as const)('%j line %s → %s', (pos, line, text) => {
    expect(sourceCoordinates(pos, line)).toBe(text);
  });
});

describe('resultRow', () => {
  it('takes namespace and name from the endpoint the flow resolved to, and the rule texts of both views', async () => {
    const outcomes = await demoOutcomes();
    // First demo line: an Internet client to the gateway pod (IPs only in the log).
    const o = outcomes[0]!;
    const row = resultRow(o, STAMP);
    expect(o.flow.record.dst_namespace).toBeUndefined();
    expect(row).toMatchObject({
      run_id: 'run-1',
      source: 'kafka:flows/3/100',
      time: Date.parse('2026-03-02T00:04:08Z'),
      src_ip: '198.18.28.111',
      src_namespace: '',
      src_name: '',
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
    });
    expect(row.dst_name).toMatch(/^gateway-/);
    expect(row.rule).toContain('ingress=allow@');
    expect(row.proposed_rule).not.toBe('');
  });

  it('marks every row of a multi-record message with its line, and keeps rows without a proposal empty there', async () => {
    const o = (await demoOutcomes())[1]!;
    const flow = { ...o.flow, lineInMessage: 4 };
    const row = resultRow({ ...o, flow, proposed: undefined, cls: undefined }, STAMP);
    expect(row.source).toBe('kafka:flows/3/101#4');
    expect(row).toMatchObject({ proposed_verdict: '', proposed_rule: '', class: '' });
  });

  it('stores a flow without a time (or before 1970) at time 0', async () => {
    const o = (await demoOutcomes())[0]!;
    for (const time of [undefined, -5000]) {
      const record = { ...o.flow.record, time };
      expect(resultRow({ ...o, flow: { ...o.flow, record } }, STAMP).time).toBe(0);
    }
  });
});

describe('reportRowFromResult', () => {
  it('gives every demo flow the ReportRow that file mode gives it (the two report modes cannot drift)', async () => {
    const outcomes = await demoOutcomes();
    expect(outcomes.length).toBe(321);
    for (const o of outcomes) {
      expect(reportRowFromResult(resultRow(o, STAMP))).toEqual(reportRowFromOutcome(o));
    }
  });
});
