import { describe, expect, it } from 'vitest';
import { decodeAll, fixture, plain } from './helpers.js';

const T = Date.UTC(2025, 10, 23, 10, 0, 0);

describe('goldmane decoder: emitter NDJSON (numeric enums, omitted zero values)', async () => {
  const { records, letters } = await decodeAll(fixture('goldmane/emitter.ndjson'), 'goldmane');

  it('decodes every line, including a FlowResult wrapper', () => {
    expect(letters).toEqual([]);
    expect(records).toHaveLength(3);
  });

  it('maps Key and Flow fields', () => {
    expect(plain(records[0]!)).toEqual({
      time: T,
      end_time: T + 15_000,
      proto: 6,
      dst_port: 6379,
      action: 'allow',
      reporter: 'dst',
      bytes: 6000,
      packets: 21,
      count: 1,
      src_kind: 'pod',
      src_namespace: 'production',
      src_name_aggr: 'web-7d4f-*',
      src_labels: { app: 'web', color: 'blue' },
      dst_kind: 'pod',
      dst_namespace: 'production',
      dst_name_aggr: 'db-*',
      dst_labels: { app: 'db' },
      dst_service_name: 'redis',
      dst_service_namespace: 'production',
      dst_service_port: 6379,
      dst_service_port_name: 'tcp-redis',
      observed_policies: [
        // policy_index and rule_index omitted = 0
        { index: 0, tier: 'security', name: 'allow-dns', kind: 'GlobalNetworkPolicy', action: 'pass', rule: 0, staged: false, set: 'enforced' },
        { index: 1, tier: 'default', name: 'allow-tcp-6379', namespace: 'production', kind: 'NetworkPolicy', action: 'allow', rule: 0, staged: false, set: 'enforced' },
        // EndOfTier: the trigger policy's hit with rule -1
        { index: 0, tier: 'security', name: 'tighten', kind: 'StagedGlobalNetworkPolicy', action: 'deny', rule: -1, staged: true, set: 'pending' },
        { index: 1, tier: 'default', name: 'db-ingress-v2', namespace: 'production', kind: 'StagedKubernetesNetworkPolicy', action: 'deny', rule: 2, staged: true, set: 'pending' },
      ],
    });
  });

  it('takes a Network peer as kind net with no name to resolve, and omitted counters as absent', () => {
    expect(plain(records[1]!)).toEqual({
      time: T + 15_000,
      end_time: T + 30_000,
      proto: 6,
      dst_port: 443,
      action: 'deny',
      reporter: 'dst',
      bytes: 180,
      packets: 3,
      src_kind: 'net',
      src_name_aggr: 'pub',
      dst_kind: 'pod',
      dst_namespace: 'edge',
      dst_name_aggr: 'ingress-7c9d-*',
      dst_labels: { app: 'ingress' },
      observed_policies: [],
    });
  });

  it('reads a host endpoint source and reporter Src from a wrapped FlowResult', () => {
    expect(plain(records[2]!)).toMatchObject({ proto: 17, reporter: 'src', src_kind: 'host', src_name: 'node-1', dst_port: 53, bytes: 120, packets: 2 });
    expect(plain(records[2]!)).not.toHaveProperty('count'); // no connection started in this bucket
  });
});

describe('goldmane decoder: Whisker flat JSON (enum names, " | " labels)', async () => {
  const { records, letters } = await decodeAll(fixture('goldmane/whisker.jsonl'), 'goldmane');

  it('maps the flat shape', () => {
    expect(letters).toEqual([]);
    expect(plain(records[0]!)).toEqual({
      time: T,
      end_time: T + 15_000,
      proto: 6,
      dst_port: 6379,
      action: 'deny',
      reporter: 'dst',
      bytes: 180,
      packets: 3,
      src_namespace: 'production',
      src_name_aggr: 'web-7d4f-*',
      src_labels: { app: 'web', color: 'blue' },
      dst_namespace: 'production',
      dst_name_aggr: 'db-*',
      dst_labels: { app: 'db' },
      observed_policies: [
        { index: 0, tier: 'default', name: 'deny-web', namespace: 'production', kind: 'NetworkPolicy', action: 'deny', rule: 1, staged: false, set: 'enforced' },
        { index: 0, tier: 'default', name: 'db-ingress', namespace: 'production', kind: 'KubernetesNetworkPolicy', action: 'deny', rule: -1, staged: false, set: 'pending' },
      ],
    });
  });

  it('takes PUBLIC NETWORK as a net peer and a profile hit', () => {
    expect(plain(records[1]!)).toMatchObject({
      proto: 17,
      reporter: 'src',
      action: 'allow',
      dst_kind: 'net',
      dst_name_aggr: 'PUBLIC NETWORK',
      dst_labels: {},
      observed_policies: [{ index: 0, tier: '__PROFILE__', name: 'kns.production', kind: 'Profile', action: 'allow', rule: 0, staged: false, set: 'enforced' }],
    });
    expect(plain(records[1]!)).not.toHaveProperty('dst_namespace');
  });
});
