import { describe, expect, it } from 'vitest';
import { DecodeFailure, SkippedLine } from '../../src/flows/decode-result.js';
import { createDecoder, parseColumnMap } from '../../src/flows/decoders/csv.js';
import { DecoderConfigError } from '../../src/flows/decoders/types.js';
import { decodeAll, fixture, plain } from './helpers.js';

const T = Date.UTC(2025, 10, 23, 10, 0, 0);
const pos = { kind: 'file', file: 'test', line: 1 } as const;

describe('csv decoder: header with canonical names', async () => {
  const { records, letters, stats } = await decodeAll(fixture('csv/flows.csv'), 'csv');

  it('types every column, parses k=v;k=v and JSON labels, and carries other columns as text', () => {
    expect(stats.skipped.toJSON()).toEqual({ header: 1 });
    expect(plain(records[0]!)).toEqual({
      time: T,
      proto: 6,
      src_ip: '10.1.0.11',
      src_port: 43512,
      dst_ip: '10.1.0.10',
      dst_port: 6379,
      action: 'allow',
      reporter: 'dst',
      bytes: 6000,
      packets: 21,
      src_namespace: 'production',
      src_name: 'web-7d4f-x2',
      src_labels: { app: 'web', color: 'blue' },
      dst_namespace: 'production',
      dst_labels: { app: 'db', tier: 'data, primary' },
      site: 'eu-west, rack 4',
    });
  });

  it('takes empty cells as absent values', () => {
    expect(plain(records[1]!)).toEqual({
      time: T,
      proto: 17,
      src_ip: '10.1.0.11',
      dst_ip: '10.96.0.10',
      dst_port: 53,
      src_namespace: 'production',
      dst_namespace: 'kube-system',
      dst_labels: { 'k8s-app': 'kube-dns' },
    });
    expect(plain(records[2]!)).toMatchObject({ proto: 1, action: 'deny', reporter: 'src', bytes: 84 });
  });

  it('dead-letters a short row and a bad number with their line numbers', () => {
    expect(records).toHaveLength(3);
    expect(letters.map((l) => [l.pos.kind === 'file' && l.pos.line, l.reason])).toEqual([
      [5, 'field-count'],
      [6, 'invalid-field'],
    ]);
    expect(letters[1]!.message).toContain('src_port');
  });
});

describe('csv decoder: --map', async () => {
  const map = parseColumnMap(
    'time=Timestamp,proto=Protocol,src_ip=SourceAddress,src_port=SourcePort,dst_ip=DestAddress,dst_port=DestPort,action=Verdict,src_labels=SourceLabels',
  );
  const { records, letters } = await decodeAll(fixture('csv/mapped.csv'), 'csv', { decoderOptions: { csv: { map } } });

  it('reads mapped columns, drops a same-name column mapped elsewhere, carries the rest', () => {
    expect(letters).toEqual([]);
    expect(plain(records[0]!)).toEqual({
      time: T,
      proto: 6,
      src_ip: '10.1.0.11',
      src_port: 43512,
      dst_ip: '10.1.0.10',
      dst_port: 6379,
      action: 'deny',
      src_labels: { app: 'web', tier: '"front"' },
      Note: 'first',
    });
    expect(plain(records[1]!)).toMatchObject({ time: T + 60_000, proto: 17, action: 'allow', Note: 'second' });
  });

  it.each([
    ['src_ip=', '--map entry'],
    ['=SourceAddress', '--map entry'],
    ['source=SourceAddress', 'no canonical field'],
  ])('rejects %j', (text, message) => {
    expect(() => parseColumnMap(text)).toThrow(DecoderConfigError);
    expect(() => parseColumnMap(text)).toThrow(message);
  });

  it('fails at the header when a mapped column is missing', () => {
    const decoder = createDecoder({ map: { src_ip: 'Nope' } });
    expect(() => decoder.decode('a,b', pos)).toThrow(DecoderConfigError);
  });

  it('dead-letters a line that is not one CSV record', () => {
    const decoder = createDecoder();
    expect(decoder.decode('proto,src_ip,dst_ip', pos)).toBe(SkippedLine.header);
    const out = decoder.decode('6,"10.0.0.1,10.0.0.2', pos);
    expect(out).toBeInstanceOf(DecodeFailure);
    expect((out as DecodeFailure).reason).toBe('invalid-csv');
  });
});
