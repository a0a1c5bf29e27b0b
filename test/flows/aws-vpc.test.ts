import { describe, expect, it } from 'vitest';
import { DecodeFailure, SkippedLine } from '../../src/flows/decode-result.js';
import { createDecoder } from '../../src/flows/decoders/aws-vpc.js';
import { decodeAll, fixture, plain } from './helpers.js';

const T = Date.UTC(2025, 10, 23, 10, 0, 0);
const pos = { kind: 'file', file: 'test', line: 1 } as const;

describe('aws-vpc decoder: default version 2 format', async () => {
  const { records, letters, stats } = await decodeAll(fixture('aws-vpc/default.log'), 'aws-vpc');

  it('maps every field of the default format', () => {
    expect(plain(records[0]!)).toEqual({
      time: T,
      end_time: T + 60_000,
      proto: 6,
      src_ip: '10.1.0.11',
      src_port: 43512,
      dst_ip: '10.1.0.10',
      dst_port: 6379,
      action: 'allow',
      bytes: 4249,
      packets: 20,
      aws_interface_id: 'eni-1235b8ca123456789',
    });
  });

  it('takes ICMP ports `0 0` as no ports, REJECT as deny, and IPv6 addresses', () => {
    expect(plain(records[1]!)).toMatchObject({ proto: 1, action: 'deny', src_ip: '203.0.113.12' });
    expect(plain(records[1]!)).not.toHaveProperty('dst_port');
    expect(plain(records[2]!)).toMatchObject({ proto: 17, src_ip: '2001:db8:1::11', dst_port: 53 });
  });

  it('skips and counts NODATA and SKIPDATA, dead-letters a short line', () => {
    expect(records).toHaveLength(3);
    expect(stats.skipped.toJSON()).toEqual({ 'aws-nodata': 1, 'aws-skipdata': 1 });
    expect(letters.map((l) => [l.pos.kind === 'file' && l.pos.line, l.reason])).toEqual([[6, 'field-count']]);
  });
});

describe('aws-vpc decoder: custom format with header lines', async () => {
  const { records, letters, stats } = await decodeAll(fixture('aws-vpc/custom.log'), 'aws-vpc');

  it('reads the header, prefers pkt-srcaddr / pkt-dstaddr, and maps flow-direction to the reporter', () => {
    expect(letters).toEqual([]);
    expect(stats.skipped.toJSON()).toEqual({ header: 2 });
    expect(plain(records[0]!)).toMatchObject({ src_ip: '10.1.0.11', dst_ip: '52.95.128.10', reporter: 'src', bytes: 5000, packets: 10, action: 'allow' });
    expect(plain(records[1]!)).toMatchObject({ src_ip: '198.51.100.7', dst_ip: '10.1.0.10', reporter: 'dst', action: 'deny' });
  });

  it('switches to a new header met mid-stream (concatenated files)', () => {
    expect(plain(records[2]!)).toEqual({ time: Date.UTC(2025, 10, 23, 10, 1, 40), proto: 6, src_ip: '10.1.0.12', dst_ip: '10.1.0.10', dst_port: 5432, action: 'allow' });
  });

  it('takes a field list as an option for logs without a header', () => {
    const decoder = createDecoder({ fields: ['srcaddr', 'dstaddr', 'dstport', 'protocol'] });
    expect(plain(decoder.decode('10.0.0.1 10.0.0.2 443 6', pos) as never)).toEqual({ src_ip: '10.0.0.1', dst_ip: '10.0.0.2', dst_port: 443, proto: 6 });
    expect(decoder.decode('10.0.0.1 10.0.0.2 x 6', pos)).toBeInstanceOf(DecodeFailure);
    expect(decoder.decode('   ', pos)).toBe(SkippedLine.blank);
  });
});
