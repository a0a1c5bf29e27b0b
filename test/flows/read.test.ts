import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isOversized, readFlowLines, type SourceLine } from '../../src/flows/read.js';
import { decodeAll, fixture } from './helpers.js';

/** Lines as plain objects: their number and text, or their size and head when oversized. */
type SeenLine = { line: number; text: string } | { line: number; bytes: number; head: string };

async function collect(source: Readable | string, options = {}): Promise<{ batches: SeenLine[][]; lines: SeenLine[] }> {
  const batches: SeenLine[][] = [];
  for await (const b of readFlowLines(source, options)) batches.push(b.map(seen));
  return { batches, lines: batches.flat() };
}

function seen(l: SourceLine): SeenLine {
  return isOversized(l) ? { line: l.line, bytes: l.bytes, head: l.head } : { line: l.line, text: l.text };
}

const chunks = (...parts: (string | Buffer)[]) => Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

describe('readFlowLines', () => {
  it('splits lines across chunk boundaries, strips \\r\\n, keeps blank lines, reads a last line without \\n', async () => {
    const { lines } = await collect(chunks('ab', 'c\r\n\nde', 'f\ngh'));
    expect(lines).toEqual([
      { line: 1, text: 'abc' },
      { line: 2, text: '' },
      { line: 3, text: 'def' },
      { line: 4, text: 'gh' },
    ]);
  });

  it('joins a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('{"app":"café ☕"}\n');
    const cut = bytes.indexOf(0xe2) + 1; // inside the 3-byte ☕
    const { lines } = await collect(chunks(bytes.subarray(0, cut), bytes.subarray(cut)));
    expect(lines).toEqual([{ line: 1, text: '{"app":"café ☕"}' }]);
  });

  it('reports a line over the limit as oversized, with its size and head, and goes on', async () => {
    const long = 'x'.repeat(5000);
    const { lines } = await collect(chunks('ok\n', long.slice(0, 3000), long.slice(3000), '\nnext\n'), { maxLineBytes: 1000 });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({ line: 1, text: 'ok' });
    expect(lines[1]).toEqual({ line: 2, bytes: 5000, head: 'x'.repeat(4096) });
    expect(lines[2]).toEqual({ line: 3, text: 'next' });
  });

  it('also catches an oversized line that arrives whole in one chunk, and one at the end of input', async () => {
    const { lines } = await collect(chunks(`${'y'.repeat(300)}\nshort\n${'z'.repeat(300)}`), { maxLineBytes: 100 });
    expect(lines.map((l) => ('bytes' in l ? `${l.line}:${l.bytes}` : `${l.line}:${l.text}`))).toEqual(['1:300', '2:short', '3:300']);
  });

  it('hands lines on in batches closed at chunk boundaries once they hold batchLines lines', async () => {
    const { batches } = await collect(chunks('1\n2\n', '3\n', '4\n5\n6\n', '7\n'), { batchLines: 3 });
    expect(batches.map((b) => b.map((l) => ('text' in l ? l.text : '')))).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
  });

  it('reads nothing from an empty input', async () => {
    expect((await collect(chunks())).lines).toEqual([]);
  });
});

describe('gzip', () => {
  it('decodes a .gz file exactly like the plain file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowaudit-gz-'));
    const gz = join(dir, 'flows.jsonl.gz');
    writeFileSync(gz, gzipSync(readFileSync(fixture('canonical/mixed.jsonl'))));
    const plainOut = await decodeAll(fixture('canonical/mixed.jsonl'), 'canonical', { file: 'f' });
    const gzOut = await decodeAll(gz, 'auto', { file: 'f' });
    expect(gzOut.records).toHaveLength(3);
    expect(gzOut.records).toEqual(plainOut.records);
    expect(gzOut.letters).toEqual(plainOut.letters);
  });

  it('recognises gzip on a stream by its magic bytes (stdin), across small chunks', async () => {
    const data = gzipSync(Buffer.from('a\nb\n'));
    const parts = [...data].map((byte) => Buffer.from([byte]));
    const { lines } = await collect(Readable.from(parts));
    expect(lines).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
    ]);
  });

  it('fails the read on a corrupt gzip stream instead of yielding garbage', async () => {
    const data = gzipSync(Buffer.from('a\n'.repeat(1000)));
    const corrupt = Buffer.concat([data.subarray(0, 20), Buffer.from('garbage-garbage-garbage')]);
    await expect(collect(chunks(corrupt))).rejects.toThrow();
  });
});

describe('line-too-long dead letters', () => {
  it('turns an oversized line into a line-too-long dead letter with its head, and decodes the rest', async () => {
    const good = '{"proto":6,"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80}';
    const long = `{"proto":6,"pad":"${'p'.repeat(10_000)}"}`;
    const out = await decodeAll(chunks(`${good}\n${long}\n${good}\n`), 'canonical', { maxLineBytes: 1024 });
    expect(out.records).toHaveLength(2);
    expect(out.letters).toHaveLength(1);
    expect(out.letters[0]).toMatchObject({ pos: { line: 2 }, reason: 'line-too-long' });
    expect(out.letters[0]!.raw).toBe(long.slice(0, 4096));
    expect(out.letters[0]!.message).toContain(String(long.length));
  });
});
