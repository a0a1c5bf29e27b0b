import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, deadLetterMessage } from '../../src/sources/kafka/dead-letter-topic.js';
import { KafkaFlowDecoder } from '../../src/sources/kafka/messages.js';
import { batchOf } from './helpers.js';

const FLOW = '{"time":"2026-03-02T00:04:08Z","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80,"proto":"TCP"}';
const FLOW2 = '{"src_ip":"10.0.0.3","dst_ip":"10.0.0.4","dst_port":443,"proto":"TCP"}';

function decode(values: (string | null)[], options: Partial<ConstructorParameters<typeof KafkaFlowDecoder>[0]> = {}) {
  return new KafkaFlowDecoder({ format: 'auto', ...options }).decode(batchOf(values, { first: 40 }));
}

describe('KafkaFlowDecoder', () => {
  it('decodes one flow per record, at the record’s coordinates', () => {
    const out = decode([FLOW, FLOW2]);
    expect(out.flows.map((f) => f.pos)).toEqual([
      { kind: 'kafka', topic: 'flows', partition: 0, offset: '40' },
      { kind: 'kafka', topic: 'flows', partition: 0, offset: '41' },
    ]);
    expect(out.flows[0]!.record).toMatchObject({ src_ip: '10.0.0.1', dst_port: 80, proto: 6 });
    expect(out.deadLetters).toEqual([]);
  });

  it.each([
    ['a trailing newline', `${FLOW}\n`],
    ['CRLF and blank lines around', `\r\n${FLOW}\r\n\r\n`],
  ])('reads a record with %s as a one-record value', (_what, value) => {
    const out = decode([value]);
    expect(out.flows).toHaveLength(1);
    expect(out.flows[0]!.pos).not.toHaveProperty('line');
  });

  it('splits a value of several lines into flows numbered by line, and dead-letters only the bad line', () => {
    const out = decode([`${FLOW}\n\nnot json\n${FLOW2}\n`]);
    expect(out.flows.map((f) => f.pos)).toEqual([
      { kind: 'kafka', topic: 'flows', partition: 0, offset: '40', line: 1 },
      { kind: 'kafka', topic: 'flows', partition: 0, offset: '40', line: 4 },
    ]);
    expect(out.deadLetters).toHaveLength(1);
    const dl = out.deadLetters[0]!;
    expect(dl.letter).toMatchObject({ reason: 'invalid-json', pos: { kind: 'kafka', offset: '40', line: 3 }, raw: 'not json' });
    expect(dl.value.toString()).toBe('not json');
  });

  it('names the line of a multi-record message in the dead-letter headers, and no line for a one-record message', () => {
    const [several] = decode([`${FLOW}\nnot json`]).deadLetters;
    const [single] = decode(['not json']).deadLetters;
    expect(deadLetterMessage(several!).headers).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: 'flows',
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '40',
      [DEAD_LETTER_HEADERS.line]: '2',
    });
    expect(deadLetterMessage(single!).headers).not.toHaveProperty(DEAD_LETTER_HEADERS.line);
  });

  it('skips tombstones and empty values, counting them as blank', () => {
    const out = decode([null, '', '  \n ', FLOW]);
    expect(out.flows).toHaveLength(1);
    expect(out.skipped.get('blank')).toBe(3);
  });

  it.each([
    ['invalid-json', '{"src_ip": '],
    ['invalid-json', 'plain text'],
    ['missing-field', '{"src_ip":"10.0.0.1","dst_ip":"10.0.0.2"}'],
  ])('dead-letters %s with the original bytes as the value', (reason, value) => {
    const out = decode([value]);
    expect(out.flows).toEqual([]);
    expect(out.deadLetters[0]!.letter.reason).toBe(reason);
    expect(out.deadLetters[0]!.value.toString()).toBe(value);
  });

  it('dead-letters a record over the size limit without parsing it', () => {
    const big = `{"pad":"${'x'.repeat(5000)}"}`;
    const out = decode([big, FLOW], { maxLineBytes: 1000 });
    expect(out.flows).toHaveLength(1);
    expect(out.deadLetters[0]!.letter.reason).toBe('line-too-long');
    expect(out.deadLetters[0]!.value.length).toBe(big.length);
  });

  it('tells the format per partition, so a CSV header on one partition does not decode another', () => {
    const decoder = new KafkaFlowDecoder({ format: 'auto' });
    const csv = decoder.decode(batchOf(['src_ip,dst_ip,dst_port,proto', '10.0.0.1,10.0.0.2,80,TCP'], { partition: 1 }));
    expect(csv.flows.map((f) => f.record)).toMatchObject([{ src_ip: '10.0.0.1', dst_port: 80, proto: 6 }]);
    expect(csv.skipped.get('header')).toBe(1);
    const json = decoder.decode(batchOf([FLOW], { partition: 2 }));
    expect(json.flows).toHaveLength(1);
  });

  it('keeps decoding after an undetectable record under auto (it dead-letters as JSON)', () => {
    const out = decode(['???', FLOW]);
    expect(out.deadLetters.map((d) => d.letter.reason)).toEqual(['invalid-json']);
    expect(out.flows).toHaveLength(1);
  });
});
