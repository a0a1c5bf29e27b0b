import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { deadLetterFile } from '../../src/flows/dead-letter.js';
import { decodeFlowSource, newDecodeStats } from '../../src/flows/decode.js';
import { DecodeFailure } from '../../src/flows/decode-result.js';
import { createDecoder } from '../../src/flows/decoders/canonical.js';
import type { DeadLetter } from '../../src/flows/record.js';
import { decodeAll, fixture, plain } from './helpers.js';

const T = Date.UTC(2025, 10, 23, 10, 0, 0); // 1763892000000
const pos = { kind: 'file', file: 'test', line: 1 } as const;

describe('canonical decoder: fixtures/flows/canonical/flows.jsonl', async () => {
  const { records, letters } = await decodeAll(fixture('canonical/flows.jsonl'), 'canonical');

  it('decodes every line', () => {
    expect(letters).toEqual([]);
    expect(records).toHaveLength(8);
  });

  it('keeps every canonical field and carries unknown ones through untouched', () => {
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
      bytes: 6000,
      packets: 21,
      count: 1,
      src_namespace: 'production',
      src_name: 'web-7d4f-x2',
      src_labels: { app: 'web', color: 'blue' },
      src_service_account: 'web',
      src_kind: 'pod',
      dst_namespace: 'production',
      dst_name: 'db-0',
      dst_labels: { app: 'db' },
      dst_service_account: 'default',
      dst_kind: 'pod',
      dst_service_name: 'redis',
      dst_service_namespace: 'production',
      dst_service_port: 6379,
      dst_service_port_name: 'tcp-redis',
      src_name_aggr: 'web-7d4f-*',
      dst_name_aggr: 'db-*',
      observed_policies: [
        { index: 0, tier: 'default', name: 'default.allow-tcp-6379', namespace: 'production', kind: 'NetworkPolicy', action: 'allow', rule: 0, staged: false, set: 'enforced' },
      ],
      cluster: 'prod-eu-1',
    });
  });

  it.each([
    // line, time, proto, extra expectations
    [2, T, 17, { dst_port: 53 }],
    [3, T + 123, 1, { icmp_type: 8, icmp_code: 0, action: 'deny', reporter: 'src' }],
    [4, T + 250, 58, { src_ip: '2001:db8::1', dst_ip: '10.1.0.10', icmp_type: 128 }],
    [5, undefined, 132, { dst_port: 3868 }],
    [6, undefined, 136, { dst_port: 9000 }],
    [7, T, 6, { src_name: 'web-7d4f-x2', dst_labels: { app: 'db' } }],
    [8, undefined, 1, { src_kind: 'net', src_ip: undefined, bytes: undefined }],
  ] as const)('line %i: time %s, proto %i', (line, time, proto, extra) => {
    const r = records[line - 1]!;
    expect(r.time).toBe(time);
    expect(r.proto).toBe(proto);
    for (const [k, v] of Object.entries(extra)) expect(r[k]).toEqual(v);
  });
});

describe('canonical validation', () => {
  const decoder = createDecoder();
  const base = { proto: 'TCP', src_ip: '10.0.0.1', dst_ip: '10.0.0.2', dst_port: 80 };
  const decode = (patch: Record<string, unknown>) => decoder.decode(JSON.stringify({ ...base, ...patch }), pos);

  it.each([
    ['tcp', 6], ['TCP', 6], ['Tcp', 6], ['udp', 17], ['UDP', 17], ['icmp', 1], ['ICMP', 1], ['icmpv6', 58],
    ['ICMPv6', 58], ['ICMPV6', 58], ['sctp', 132], ['SCTP', 132], ['udplite', 136], ['UDPLite', 136],
    ['UDPLITE', 136], [6, 6], [253, 253], [0, 0], ['47', 47],
  ])('proto %j → %i', (proto, n) => {
    expect((decode({ proto, dst_port: 80 }) as { proto: number }).proto).toBe(n);
  });

  it.each([
    [1763892000, T],
    [1763892000.5, T + 500],
    [1763892000123, T + 123],
    ['2025-11-23T10:00:00Z', T],
    ['2025-11-23T10:00:00.5Z', T + 500],
    ['2025-11-23t10:00:00z', T],
    ['2025-11-23 10:00:00Z', T],
    ['2025-11-23T11:30:00+01:30', T],
    ['2025-11-23T05:00:00-05:00', T],
    ['2025-11-23T10:00:00.123456789Z', T + 123],
    ['1763892000', T],
    ['1763892000123', T + 123],
  ])('time %j → %i', (time, ms) => {
    expect((decode({ time }) as { time: number }).time).toBe(ms);
  });

  it.each([
    ['proto', 'bogus', 'invalid-field'],
    ['proto', 256, 'invalid-field'],
    ['proto', -1, 'invalid-field'],
    ['proto', undefined, 'missing-field'],
    ['time', '2025-11-23T10:00:00', 'invalid-field'], // no zone
    ['time', 'Nov 23 2025', 'invalid-field'],
    ['time', 1763892000000000, 'invalid-field'], // microseconds: refused, not guessed
    ['time', -5, 'invalid-field'],
    ['dst_port', undefined, 'missing-field'],
    ['dst_port', 65536, 'invalid-field'],
    ['dst_port', 80.5, 'invalid-field'],
    ['dst_port', '80', 'invalid-field'],
    ['src_port', -1, 'invalid-field'],
    ['src_ip', '10.0.0.256', 'invalid-field'],
    ['src_ip', '10.0.0', 'invalid-field'],
    ['src_ip', '010.0.0.1', 'invalid-field'],
    ['src_ip', 'fe80::zz', 'invalid-field'],
    ['src_ip', 42, 'invalid-field'],
    ['action', 'ALLOW', 'invalid-field'],
    ['reporter', 'both', 'invalid-field'],
    ['src_kind', 'wep', 'invalid-field'],
    ['src_labels', ['app=web'], 'invalid-field'],
    ['src_labels', { app: 1 }, 'invalid-field'],
    ['bytes', -1, 'invalid-field'],
    ['icmp_type', 256, 'invalid-field'],
    ['src_namespace', 7, 'invalid-field'],
    ['observed_policies', [{ index: 0 }], 'invalid-field'],
    ['observed_policies', {}, 'invalid-field'],
  ])('%s = %j → %s', (field, value, reason) => {
    const out = decode({ [field]: value });
    expect(out).toBeInstanceOf(DecodeFailure);
    expect((out as DecodeFailure).reason).toBe(reason);
    expect((out as DecodeFailure).message).toContain(field);
  });

  it('needs dst_port only for port protocols', () => {
    expect(decoder.decode('{"proto":"icmp","src_ip":"10.0.0.1","dst_ip":"10.0.0.2"}', pos)).not.toBeInstanceOf(DecodeFailure);
    expect(decoder.decode('{"proto":47,"src_ip":"10.0.0.1","dst_ip":"10.0.0.2"}', pos)).not.toBeInstanceOf(DecodeFailure);
    for (const proto of ['tcp', 'udp', 'sctp', 'udplite']) {
      expect(decoder.decode(`{"proto":"${proto}","src_ip":"10.0.0.1","dst_ip":"10.0.0.2"}`, pos)).toBeInstanceOf(DecodeFailure);
    }
  });

  it.each([
    [{ src_ip: undefined, src_name: 'web-1' }, true],
    [{ src_ip: undefined, src_labels: { app: 'web' } }, true],
    [{ src_ip: undefined, src_kind: 'net' }, true],
    [{ src_ip: undefined, src_namespace: 'production' }, false],
    [{ dst_ip: undefined }, false],
    [{ dst_ip: undefined, dst_namespace: 'production', dst_name: 'db-0' }, true],
  ])('each side needs an IP or a hint: %j → ok %s', (patch, ok) => {
    const out = decode(patch);
    expect(out instanceof DecodeFailure ? out.reason : 'ok').toBe(ok ? 'ok' : 'missing-field');
  });

  it.each([
    ['{"time":"2025-11-23T10:00:00.000Z","proto":"TCP","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', true],
    ['{ "proto": "UDP", "src_ip": "10.0.0.1", "dst_ip": "10.0.0.2", "dst_port": 53, "zone": {"a": null} }', true],
    ['{"proto":"ICMPv6","src_ip":"fd00::1","dst_ip":"fd00::2","icmp_type":128}', true],
    ['{"proto":"tcp","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"proto":6,"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"time":"2025-11-23T10:00:00Z","proto":"TCP","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"time":1763892000,"proto":"TCP","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"time":1763892000000,"proto":"TCP","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"proto":"TCP","src_ip":"FD00::1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"proto":"TCP","src_ip":"::ffff:10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}', false],
    ['{"proto":"TCP","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80,"src_name":null}', false],
  ])('verbatim (the line is the canonical JSON as given): %s → %s', (line, verbatim) => {
    const d = createDecoder();
    expect(d.decode(line, pos)).not.toBeInstanceOf(DecodeFailure);
    expect(d.verbatim).toBe(verbatim);
  });

  it('is not verbatim after a line that failed or was blank', () => {
    const d = createDecoder();
    d.decode(JSON.stringify({ ...base, proto: 'TCP' }), pos);
    expect(d.verbatim).toBe(true);
    d.decode('{"proto":"TCP"', pos);
    expect(d.verbatim).toBe(false);
    d.decode('', pos);
    expect(d.verbatim).toBe(false);
  });

  it('validates and normalises in place: the record is the parsed object', () => {
    const line = '{"proto":"udp","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":53,"zone":{"a":1}}';
    const out = decoder.decode(line, pos) as Record<string, unknown>;
    expect(out.proto).toBe(17);
    expect(out.zone).toEqual({ a: 1 });
  });
});

describe('positions', () => {
  it('names the file and line of flows the byte scanner reads and of those that go the general way', async () => {
    const scanned = '{"time":"2025-11-23T10:00:00.000Z","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":53,"proto":"UDP"}';
    const general = '{"time":1763892000,"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":53,"proto":"UDP"}';
    const { flows } = await decodeAll(Readable.from([Buffer.from(`${scanned}\n\n${general}\n${scanned}\n`)]), 'canonical', { file: 'in.jsonl' });
    expect(flows.map((f) => f.json !== undefined)).toEqual([true, false, true]);
    expect(flows.map((f) => f.pos)).toEqual([1, 3, 4].map((line) => ({ kind: 'file', file: 'in.jsonl', line })));
  });
});

describe('a file mixing good and malformed lines: fixtures/flows/canonical/mixed.jsonl', () => {
  it('decodes every good line and dead-letters every bad one with its line number and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowaudit-dl-'));
    const dlPath = join(dir, 'dead.jsonl');
    const sink = deadLetterFile(dlPath);
    const stats = newDecodeStats();
    const file = fixture('canonical/mixed.jsonl');
    const positions: unknown[] = [];
    for await (const batch of decodeFlowSource(file, { file, format: 'canonical', deadLetters: sink, stats })) {
      for (const f of batch) positions.push(f.pos);
    }
    await sink.close();

    expect(positions).toEqual([1, 6, 15].map((line) => ({ kind: 'file', file, line })));
    const letters = readFileSync(dlPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DeadLetter);
    expect(letters.map((l) => [l.pos.kind === 'file' ? l.pos.line : -1, l.reason])).toEqual([
      [2, 'invalid-json'],
      [4, 'missing-field'],
      [5, 'invalid-json'],
      [7, 'invalid-field'],
      [8, 'missing-field'],
      [9, 'invalid-field'],
      [10, 'invalid-field'],
      [11, 'invalid-field'],
      [12, 'invalid-field'],
      [13, 'invalid-field'],
      [14, 'invalid-field'],
    ]);
    expect(letters[0]).toMatchObject({ pos: { kind: 'file', file, line: 2 }, raw: 'this is not json' });
    expect(letters.every((l) => l.message.length > 0)).toBe(true);
    expect(stats.decoded).toBe(3);
    expect(stats.skipped.toJSON()).toEqual({ blank: 1 });
    expect(stats.deadLetters.get('invalid-field')).toBe(7);
    expect(stats.deadLetters.total).toBe(11);
  });
});
