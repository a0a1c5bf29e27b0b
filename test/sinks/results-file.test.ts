import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { KafkaFlowDecoder } from '../../src/sources/kafka/messages.js';
import { openResultsFile } from '../../src/sinks/results-file.js';
import type { Outcome } from '../../src/pipeline/outcome.js';
import { batchOf, demoLines, demoState } from '../daemon/helpers.js';

async function demoOutcomes(): Promise<Outcome[]> {
  const { auditor } = await demoState();
  return auditor.auditBatch(new KafkaFlowDecoder({ format: 'canonical' }).decode(batchOf(demoLines())).flows);
}

/**
 * A stream that keeps what it is given, reading each chunk only when it completes the write, a tick later (as a
 * file write does on the thread pool): a sink that reused a chunk's memory too early shows here.
 */
function recorder(fail?: Error): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      setImmediate(() => {
        chunks.push(Buffer.from(chunk));
        done(fail);
      });
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('openResultsFile (JSONL)', () => {
  it('writes every batch in order, though a batch is written while the next is made', async () => {
    const outcomes = await demoOutcomes();
    const { stream, text } = recorder();
    const sink = await openResultsFile('-', { withProposal: true, stdout: stream });
    for (let i = 0; i < outcomes.length; i += 7) await sink.write(outcomes.slice(i, i + 7));
    await sink.close();
    const rows = text().trimEnd().split('\n');
    expect(rows).toHaveLength(outcomes.length);
    expect(rows.map((r) => (JSON.parse(r) as { src_port?: number }).src_port)).toEqual(outcomes.map((o) => o.flow.record.src_port));
  });

  it('reports a failed write, at the latest when closing', async () => {
    const outcomes = await demoOutcomes();
    const { stream } = recorder(new Error('disk full'));
    stream.on('error', () => {});
    const sink = await openResultsFile('-', { withProposal: true, stdout: stream });
    const done = (async () => {
      await sink.write(outcomes.slice(0, 5));
      await sink.write(outcomes.slice(5, 10));
      await sink.write(outcomes.slice(10, 15));
      await sink.close();
    })();
    await expect(done).rejects.toThrow('disk full');
  });

  it('writes a file with the bytes stdout gets, a batch of more pieces than one writev takes included', async () => {
    const outcomes = await demoOutcomes();
    // Over 3,000 rows of 3-4 pieces in one batch: past IOV_MAX (1024) pieces.
    const big = Array.from({ length: 10 }, () => outcomes).flat();
    const { stream, text } = recorder();
    const toStdout = await openResultsFile('-', { withProposal: true, stdout: stream });
    const file = join(await mkdtemp(join(tmpdir(), 'flowaudit-results-')), 'out', 'results.jsonl');
    const toFile = await openResultsFile(file, { withProposal: true, stdout: stream });
    for (const sink of [toStdout, toFile]) {
      await sink.write(outcomes.slice(0, 3));
      await sink.write(big);
      await sink.write(outcomes.slice(3));
      await sink.close();
    }
    const written = await readFile(file, 'utf8');
    expect(written.split('\n')).toHaveLength(outcomes.length * 11 + 1);
    expect(written).toBe(text());
  });
});

