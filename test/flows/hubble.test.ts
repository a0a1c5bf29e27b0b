import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/flows/decoders/hubble.js';
import { decodeAll, fixture, plain } from './helpers.js';

const T = Date.UTC(2025, 10, 23, 10, 0, 0);

describe('hubble decoder: fixtures/flows/hubble/observe.json', async () => {
  const { flows, letters, stats } = await decodeAll(fixture('hubble/observe.json'), 'hubble');
  const byLine = new Map(flows.map((f) => [f.pos.kind === 'file' ? f.pos.line : 0, plain(f.record)]));

  it('decodes flows, skips and counts replies and non-flow events', () => {
    expect(letters).toEqual([]);
    expect([...byLine.keys()]).toEqual([1, 2, 3, 4, 6, 7, 9]);
    expect(stats.skipped.toJSON()).toEqual({ 'hubble-reply': 1, 'hubble-non-flow': 1 });
  });

  it('maps a forwarded egress flow: k8s: labels stripped, Cilium-derived ones turned into fields or dropped', () => {
    expect(byLine.get(1)).toEqual({
      time: T + 123,
      proto: 6,
      src_ip: '10.1.0.11',
      src_port: 43512,
      dst_ip: '10.1.0.10',
      dst_port: 6379,
      action: 'allow',
      reporter: 'src',
      hubble_verdict: 'FORWARDED',
      src_kind: 'pod',
      src_namespace: 'production',
      src_name: 'web-7d4f-x2',
      src_service_account: 'web',
      src_labels: { app: 'web', color: 'blue' },
      dst_kind: 'pod',
      dst_namespace: 'production',
      dst_name: 'db-0',
      dst_labels: { app: 'db' },
      observed_policies: [
        { index: 0, tier: '', name: 'allow-web-egress', namespace: 'production', kind: 'CiliumNetworkPolicy', action: 'allow', rule: -2, staged: false, set: 'enforced' },
      ],
    });
  });

  it.each([
    [2, 'DROPPED POLICY_DENIED', { action: 'deny', reporter: 'dst' }],
    [3, 'DROPPED without a desc, event sub_type 181 (POLICY_DENY)', { action: 'deny', proto: 17, dst_port: 53 }],
    [4, 'DROPPED INVALID_SOURCE_IP: no observed action, reason carried', { hubble_drop_reason: 'INVALID_SOURCE_IP', src_kind: 'net' }],
    [6, 'legacy top-level flow', { action: 'allow', proto: 17, src_port: 5353, dst_name: 'coredns-5d78-abcde', time: T + 5000 }],
    [7, 'ICMPv4 {} is type 0 code 0; reserved:host is a host', { proto: 1, icmp_type: 0, icmp_code: 0, src_kind: 'host', reporter: 'dst' }],
    [9, 'AUDIT is a policy deny', { action: 'deny', hubble_verdict: 'AUDIT', proto: 58, icmp_type: 128, icmp_code: 0, src_ip: 'fd00::11' }],
  ] as const)('line %i: %s', (line, _what, expected) => {
    expect(byLine.get(line)).toMatchObject(expected);
  });

  it('leaves the observed action out for non-policy drops', () => {
    expect(byLine.get(4)).not.toHaveProperty('action');
    expect(byLine.get(4)).not.toHaveProperty('src_labels');
  });

  it('lists denying policies', () => {
    expect(byLine.get(2)!.observed_policies).toEqual([
      { index: 0, tier: '', name: 'db-deny-staging', namespace: 'production', action: 'deny', rule: -2, staged: false, set: 'enforced' },
    ]);
  });
});

describe('hubble decoder: drop reasons without a desc', () => {
  const decoder = createDecoder();
  const pos = { kind: 'file', file: 'test', line: 1 } as const;
  const line = (extra: object) =>
    JSON.stringify({ flow: { verdict: 'DROPPED', IP: { source: '10.0.0.1', destination: '10.0.0.2' }, l4: { TCP: { destination_port: 80 } }, ...extra } });

  it.each([
    [{ drop_reason: 133 }, 'deny'],
    [{ drop_reason: 181 }, 'deny'],
    [{ event_type: { type: 1, sub_type: 133 } }, 'deny'],
    [{ drop_reason: 132 }, undefined],
    [{ event_type: { type: 4, sub_type: 133 } }, undefined], // a trace event, not a drop
    [{}, undefined],
  ])('%j → action %s', (extra, action) => {
    const r = decoder.decode(line(extra), pos) as Record<string, unknown>;
    expect(r.action).toBe(action);
    expect(r.src_port).toBe(0); // omitted by protojson = 0
    if (action === undefined) expect(r.hubble_drop_reason).toBeDefined();
  });
});
