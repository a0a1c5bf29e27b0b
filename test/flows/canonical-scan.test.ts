import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeFailure, SkippedLine } from '../../src/flows/decode-result.js';
import { CanonicalScanner } from '../../src/flows/decoders/canonical-scan.js';
import { createDecoder } from '../../src/flows/decoders/index.js';
import { ipv4NumberOf } from '../../src/flows/ip.js';

/** Lines in the shape exporters write: every scalar canonical field, each kind of value. */
const SHAPED = [
  '{"time":"2026-03-02T00:00:00.008Z","src_ip":"10.64.10.231","src_port":59300,"dst_ip":"198.51.100.95","dst_port":80,"proto":"TCP","action":"allow","reporter":"src","bytes":641,"packets":1}',
  '{"time":"2026-03-02T00:00:00.017Z","end_time":"2026-03-02T00:00:05.017Z","src_ip":"10.64.11.224","dst_ip":"10.64.22.32","dst_port":53,"proto":"UDP","count":3}',
  '{"proto":"ICMP","icmp_type":8,"icmp_code":0,"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","action":"deny","reporter":"dst"}',
  '{"proto":"ICMPv6","src_kind":"pod","src_namespace":"shop","src_name":"web-1","src_service_account":"web","dst_kind":"net","dst_name_aggr":"pub"}',
  '{"proto":"SCTP","dst_port":0,"src_name":"a","src_name_aggr":"a-*","dst_ip":"255.255.255.255","dst_namespace":"n","dst_name":"b","dst_service_account":"sa"}',
  '{"proto":"UDPLite","dst_port":65535,"src_ip":"0.0.0.0","dst_kind":"host","dst_service_name":"dns","dst_service_namespace":"kube-system","dst_service_port":53,"dst_service_port_name":"dns-udp","bytes":999999999999999}',
];

/** Bytes a mutation inserts or writes: JSON's punctuation, digits, letters, escapes, whitespace, non-ASCII. */
const ALPHABET = ['"', '{', '}', '[', ']', ',', ':', '\\', ' ', '\t', '0', '1', '9', '-', '.', 'e', 'a', 'T', 'Z', 'n', 'u', 'é', '\u0001'];

/** A small deterministic generator (mulberry32), so that a failure comes back on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(line: string, next: () => number): string {
  const at = Math.floor(next() * (line.length + 1));
  const piece = ALPHABET[Math.floor(next() * ALPHABET.length)]!;
  switch (Math.floor(next() * 4)) {
    case 0:
      return line.slice(0, at) + piece + line.slice(at);
    case 1:
      return line.slice(0, at) + piece + line.slice(at + 1);
    case 2:
      return line.slice(0, at) + line.slice(at + 1 + Math.floor(next() * 8));
    default: {
      // A field moved or repeated: the same keys in another order, or a key twice.
      const fields = line.slice(1, -1).split(',');
      const i = Math.floor(next() * fields.length);
      const j = Math.floor(next() * fields.length);
      if (next() < 0.5) fields.splice(j, 0, fields[i]!);
      else [fields[i], fields[j]] = [fields[j]!, fields[i]!];
      return `{${fields.join(',')}}`;
    }
  }
}

/** What the general way makes of the line: the record, and whether it is the line's JSON as given. */
function general(line: string): { record: unknown; verbatim: boolean } | undefined {
  const decoder = createDecoder('canonical');
  const r = decoder.decode(line, { kind: 'file', file: 'f', line: 1 });
  if (r instanceof DecodeFailure || r instanceof SkippedLine) return undefined;
  return { record: r, verbatim: decoder.verbatim === true };
}

/**
 * The record the scanner reads, once its addresses as numbers are checked against the record's text. `scanner`
 * remembers the key order of the lines it read before (tried first on the next line).
 */
function scan(line: string, scanner = new CanonicalScanner()): Record<string, unknown> | undefined {
  const bytes = Buffer.from(`#${line}#`); // not at the start of its buffer, and not up to its end
  const scanned = scanner.scan(bytes, 1, bytes.length - 1);
  if (scanned === undefined) return undefined;
  expect([scanned.srcV4, scanned.dstV4], line).toEqual([ipv4NumberOf(scanned.record.src_ip), ipv4NumberOf(scanned.record.dst_ip)]);
  return scanned.record as Record<string, unknown>;
}

describe('CanonicalScanner', () => {
  it.each(SHAPED)('reads a line of the common shape as the general way does: %s', (line) => {
    const scanned = scan(line);
    expect(scanned).toBeDefined();
    const expected = general(line)!;
    expect(expected.verbatim).toBe(true);
    expect(scanned).toStrictEqual(expected.record);
    expect(Object.keys(scanned!)).toEqual(Object.keys(expected.record as object));
  });

  it('reads the demo lines the general way reads as they are', () => {
    const lines = readFileSync('fixtures/demo/flows.jsonl', 'utf8').split('\n');
    const shaped = lines.map((l) => l.replace(/"time":"([^"]*)Z"/, (_, t: string) => `"time":"${t}.000Z"`).replace(/,"expect":"[^"]*"/, ''));
    let read = 0;
    const scanner = new CanonicalScanner();
    for (const line of shaped) {
      const scanned = scan(line, scanner);
      const expected = general(line);
      if (scanned === undefined) continue;
      read++;
      expect(expected?.verbatim).toBe(true);
      expect(scanned).toStrictEqual(expected!.record);
    }
    expect(read).toBeGreaterThan(300);
  });

  it('gives each address its own text when more addresses than it remembers take turns (shared slots, high addresses)', () => {
    const scanner = new CanonicalScanner();
    const addresses = Array.from({ length: 20_000 }, (_, i) => `${i % 2 === 0 ? 10 : 203}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    for (const round of [0, 1]) {
      for (let i = 0; i < addresses.length; i++) {
        const src = addresses[i]!;
        const dst = addresses[(i * 7919 + round) % addresses.length]!;
        const scanned = scan(`{"src_ip":"${src}","dst_ip":"${dst}","dst_port":80,"proto":"TCP"}`, scanner);
        expect([scanned?.src_ip, scanned?.dst_ip]).toEqual([src, dst]);
      }
    }
  });

  it.each([
    ['an extra field', '{"proto":"TCP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5","why":"x"}'],
    ['whitespace', '{"proto": "TCP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
    ['an escape', '{"proto":"\\u0054CP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
    ['an escape in an address', '{"proto":"TCP","dst_port":1,"src_ip":"1.2.3.\\u0034","dst_ip":"1.2.3.5"}'],
    ['an escaped quote in an action', '{"proto":"TCP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5","action":"allow\\"x"}'],
    ['a control byte in a protocol', '{"proto":"TC\tP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
    ['a protocol number (written back as its name)', '{"proto":6,"dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
    ['a time without milliseconds (written back with them)', '{"time":"2026-03-02T00:00:00Z","proto":"TCP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
    ['null', '{"proto":"TCP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5","action":null}'],
    ['labels', '{"proto":"TCP","dst_port":1,"src_labels":{"app":"a"},"dst_ip":"1.2.3.5"}'],
    ['an IPv6 address', '{"proto":"TCP","dst_port":1,"src_ip":"fd00::1","dst_ip":"1.2.3.5"}'],
    ['a fraction', '{"proto":"TCP","dst_port":1,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5","bytes":1.0}'],
    ['a missing port', '{"proto":"TCP","src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
    ['a key twice', '{"proto":"TCP","dst_port":1,"dst_port":2,"src_ip":"1.2.3.4","dst_ip":"1.2.3.5"}'],
  ])('leaves a line with %s to the general way', (_, line) => {
    expect(scan(line)).toBeUndefined();
  });

  it('never reads a line otherwise than the general way: 60,000 mutated lines', () => {
    const next = random(20261128);
    const scanner = new CanonicalScanner();
    let read = 0;
    for (let n = 0; n < 60_000; n++) {
      let line = SHAPED[n % SHAPED.length]!;
      // Every other mutation is read right after its line as it was, whose key order the scanner tries first.
      if (n % 2 === 0) scan(line, scanner);
      for (let m = 1 + Math.floor(next() * 3); m > 0; m--) line = mutate(line, next);
      const scanned = scan(line, n % 2 === 0 ? scanner : new CanonicalScanner());
      if (scanned === undefined) continue;
      read++;
      const expected = general(line);
      // A line the scanner reads is one the general way reads to the same record, as given.
      expect(expected, line).toBeDefined();
      expect(expected!.verbatim, line).toBe(true);
      expect(scanned, line).toStrictEqual(expected!.record);
      expect(Object.keys(scanned), line).toEqual(Object.keys(expected!.record as object));
    }
    // Mutations that keep a line well-formed (a digit for a digit, fields in another order) are read too.
    expect(read).toBeGreaterThan(3_000);
  }, 60_000);
});
