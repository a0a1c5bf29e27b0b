import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/flows/detect.js';
import { decodeAll, fixture } from './helpers.js';
import { FlowFormatError } from '../../src/flows/decode.js';
import { Readable } from 'node:stream';

describe('auto-detection on every fixture', () => {
  it.each([
    ['canonical/flows.jsonl', 'canonical'],
    ['canonical/mixed.jsonl', 'canonical'],
    ['calico/flows.jsonl', 'calico'],
    ['goldmane/emitter.ndjson', 'goldmane'],
    ['goldmane/whisker.jsonl', 'goldmane'],
    ['hubble/observe.json', 'hubble'],
    ['aws-vpc/default.log', 'aws-vpc'],
    ['aws-vpc/custom.log', 'aws-vpc'],
    ['csv/flows.csv', 'csv'],
  ])('%s → %s, and decodes exactly as with the format named', async (path, format) => {
    const auto = await decodeAll(fixture(path), 'auto');
    const named = await decodeAll(fixture(path), format as never);
    expect(auto.records.length).toBeGreaterThan(0);
    expect(auto.records).toEqual(named.records);
    expect(auto.letters).toEqual(named.letters);
  });
});

describe('detectFormat', () => {
  it.each([
    [['{"proto":"TCP","src_ip":"10.0.0.1"}'], 'canonical'],
    [['{"source_ip":"10.0.0.1","proto":"tcp"}'], 'calico'],
    [['{"Key":{"proto":"tcp"}}'], 'goldmane'],
    [['{"id":1,"flow":{"Key":{}}}'], 'goldmane'],
    [['{"protocol":"tcp","source_labels":"app=web"}'], 'goldmane'],
    [['{"flow":{"verdict":"FORWARDED"}}'], 'hubble'],
    [['{"verdict":"DROPPED","IP":{}}'], 'hubble'],
    [['{"lost_events":{}}'], 'hubble'],
    [['2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK'], 'aws-vpc'],
    [['version srcaddr dstaddr'], 'aws-vpc'],
    [['proto,src_ip,dst_ip'], 'csv'],
    // blank and undecidable lines are passed over
    [['', '   ', '{"unrelated":1}', '{"proto":6}'], 'canonical'],
    [['hello world'], undefined],
    [['{not json'], undefined],
    [[], undefined],
  ])('%j → %s', (lines, format) => {
    expect(detectFormat(lines)).toBe(format);
  });

  it('stops with a FlowFormatError when the first lines show no known format', async () => {
    await expect(decodeAll(Readable.from([Buffer.from('hello\nworld\n')]), 'auto')).rejects.toThrow(FlowFormatError);
  });

  it('waits past a batch of blank lines before deciding', async () => {
    // Chunk boundaries close batches: the first two batches hold blank lines only.
    const chunks = ['\n\n', '\n\n\n', '{"proto":6,"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":1}\n'].map((c) => Buffer.from(c));
    const out = await decodeAll(Readable.from(chunks), 'auto', { batchLines: 2 });
    expect(out.records).toHaveLength(1);
    expect(out.stats.skipped.get('blank')).toBe(5);
  });
});
