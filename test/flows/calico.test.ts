import { describe, expect, it } from 'vitest';
import { DecodeFailure } from '../../src/flows/decode-result.js';
import { createDecoder } from '../../src/flows/decoders/calico.js';
import { isSharedHitList } from '../../src/flows/policy-hits.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { decodeAll, fixture, plain } from './helpers.js';

const T = Date.UTC(2025, 10, 23, 10, 0, 0);
const pos = { kind: 'file', file: 'test', line: 1 } as const;

describe('calico decoder: fixtures/flows/calico/flows.jsonl', async () => {
  const { records, letters } = await decodeAll(fixture('calico/flows.jsonl'), 'calico');

  it('decodes every record, one flow per reporter record', () => {
    expect(letters).toEqual([]);
    expect(records.map((r) => r.reporter)).toEqual(['dst', 'src', 'dst', 'dst', 'src']);
  });

  it('maps the spec example field by field', () => {
    expect(plain(records[0]!)).toEqual({
      time: T,
      end_time: T + 300_000,
      proto: 6,
      src_ip: '10.1.0.11',
      src_port: 43512,
      dst_ip: '10.1.0.10',
      dst_port: 6379,
      action: 'allow',
      reporter: 'dst',
      bytes: 6000, // bytes_in + bytes_out
      packets: 21,
      count: 1, // num_flows
      src_kind: 'pod',
      src_namespace: 'production',
      src_name: 'web-7d4f-x2',
      src_name_aggr: 'web-7d4f-*',
      src_labels: { app: 'web', color: 'blue' },
      dst_kind: 'pod',
      dst_namespace: 'production',
      dst_name: 'db-0',
      dst_name_aggr: 'db-*',
      dst_labels: { app: 'db', color: 'red' },
      observed_policies: [
        { index: 0, tier: 'default', name: 'default.allow-tcp-6379', namespace: 'production', kind: 'NetworkPolicy', action: 'allow', rule: 0, staged: false, set: 'enforced' },
      ],
    });
  });

  it('sorts enforced, pending and transit hits by index and parses staged, knp and profile names', () => {
    const r = records[1]!;
    expect(r.observed_policies).toEqual([
      { index: 0, tier: 'security', name: 'security.allow-dns', kind: 'GlobalNetworkPolicy', action: 'pass', rule: 3, staged: false, set: 'enforced' },
      { index: 1, tier: 'platform', name: 'platform.web-egress', namespace: 'production', kind: 'NetworkPolicy', action: 'pass', rule: -1, staged: false, set: 'enforced' },
      { index: 2, tier: 'default', name: 'db-ingress', namespace: 'production', kind: 'KubernetesNetworkPolicy', action: 'deny', rule: -1, staged: false, set: 'enforced' },
      { index: 0, tier: 'security', name: 'security.tighten', kind: 'StagedGlobalNetworkPolicy', action: 'deny', rule: 2, staged: true, set: 'pending' },
      { index: 1, tier: 'default', name: 'db-ingress-v2', namespace: 'production', kind: 'StagedKubernetesNetworkPolicy', action: 'allow', rule: 0, staged: true, set: 'pending' },
      { index: 0, tier: '__PROFILE__', name: 'kns.production', kind: 'Profile', action: 'allow', rule: 0, staged: false, set: 'transit' },
    ]);
    expect(r).toMatchObject({
      action: 'deny',
      bytes: 300,
      packets: 5,
      count: 3,
      dst_service_name: 'postgres',
      dst_service_namespace: 'production',
      dst_service_port: 5432,
      dst_service_port_name: 'tcp-pg',
    });
  });

  it('turns `-` into absent values and keeps aggregated names apart from names', () => {
    const r = plain(records[2]!);
    expect(r).not.toHaveProperty('src_ip');
    expect(r).not.toHaveProperty('src_name');
    expect(r).not.toHaveProperty('src_port');
    expect(r).toMatchObject({ src_name_aggr: 'web-7d4f-*', dst_name_aggr: 'db-*', src_labels: { app: 'web' }, count: 7 });
    expect(records[2]!.observed_policies).toEqual([
      { index: 0, tier: 'tier1', name: 'tier1.allow-web', namespace: 'production', kind: 'NetworkPolicy', action: 'allow', rule: 1, staged: false, set: 'enforced' },
      { index: 1, tier: 'kube-admin', name: 'baseline-guard', kind: 'ClusterNetworkPolicy', action: 'pass', rule: -2, staged: false, set: 'enforced' },
    ]);
  });

  it('maps net, hep and ns endpoint types, numeric protocols and the old four-part policy string', () => {
    expect(plain(records[3]!)).toMatchObject({
      proto: 17,
      src_kind: 'net',
      src_name_aggr: 'pub',
      dst_kind: 'host',
      dst_name: 'node-1-eth0',
      dst_labels: { host: 'node-1' },
      bytes: 64,
      packets: 1,
      observed_policies: [{ index: 0, tier: 'default', name: 'default.old-format', kind: 'GlobalNetworkPolicy', action: 'deny', rule: -2, staged: false, set: 'enforced' }],
    });
    expect(plain(records[3]!)).not.toHaveProperty('src_namespace');
    expect(plain(records[4]!)).toMatchObject({ proto: 1, dst_kind: 'networkset', dst_name: 'corp-nets', src_labels: {} });
    expect(plain(records[4]!)).not.toHaveProperty('dst_port');
  });
});

describe('calico decoder: bad records', () => {
  const decoder = createDecoder();
  const base = {
    start_time: 1763892000, source_ip: '10.0.0.1', dest_ip: '10.0.0.2', dest_port: 80, proto: 'tcp', reporter: 'src', action: 'allow',
  };
  it.each([
    [{ source_type: 'pod' }, 'source_type'],
    [{ source_labels: { labels: ['app'] } }, 'app'],
    [{ source_labels: { labels: 'app=web' } }, 'source_labels'],
    [{ bytes_in: -1 }, 'bytes_in'],
    [{ policies: { enforced_policies: ['0|default|x|maybe|0'] } }, '0|default|x|maybe|0'],
    [{ policies: { enforced_policies: ['x|default|default.p|allow|0'] } }, 'x|default'],
    [{ policies: { pending_policies: ['0|default|default.p'] } }, '0|default|default.p'],
    [{ proto: 'gre' }, 'proto'],
  ])('%j is a dead letter naming %s', (patch, needle) => {
    // Twice: hits are remembered by their text, their mistakes too.
    for (const out of [0, 1].map(() => decoder.decode(JSON.stringify({ ...base, ...patch }), pos))) {
      expect(out).toBeInstanceOf(DecodeFailure);
      expect((out as DecodeFailure).message).toContain(needle);
    }
  });

  it('reads a hit text met before as it read it then, in the set it is in now', () => {
    const line = (key: string) => JSON.stringify({ ...base, policies: { [key]: ['1|default|prod/knp.default.db|allow|2', '0|security|security.pass|pass|0'] } });
    const hits = (out: unknown) => (out as { observed_policies: unknown[] }).observed_policies;
    const [first, again, pending] = [line('enforced_policies'), line('enforced_policies'), line('pending_policies')].map((l) => hits(decoder.decode(l, pos)));
    expect(again).toEqual(first);
    expect(first).toMatchObject([
      { index: 0, name: 'security.pass', set: 'enforced' },
      { index: 1, name: 'db', namespace: 'prod', kind: 'KubernetesNetworkPolicy', rule: 2, set: 'enforced' },
    ]);
    expect(pending!.map((h) => (h as { set: string }).set)).toEqual(['pending', 'pending']);
  });

  it('shares one list (sharedHitList) between lines naming the same hits, and only between them', () => {
    const hits = (policies: Record<string, string[]>) =>
      (decoder.decode(JSON.stringify({ ...base, policies }), pos) as FlowRecord).observed_policies!;
    const a = '0|default|default.a|allow|0';
    const b = '1|default|default.b|deny|1';
    const first = hits({ enforced_policies: [a, b] });
    expect(isSharedHitList(first)).toBe(true);
    expect(hits({ enforced_policies: [a, b] })).toBe(first);
    // The same texts in another set, split otherwise between sets, or fewer of them make other lists; the legacy
    // list of the same texts reads as the same enforced hits.
    const others = [hits({ pending_policies: [a, b] }), hits({ enforced_policies: [a], pending_policies: [b] }), hits({ enforced_policies: [a] })];
    expect(new Set([first, ...others]).size).toBe(4);
    expect(others[1]).toMatchObject([{ name: 'default.a', set: 'enforced' }, { name: 'default.b', set: 'pending' }]);
    expect(hits({ all_policies: [a, b] })).toBe(first);
  });
});
