/** Canonical JSONL decoding next to plain JSON.parse of the same lines, in one process (issue 3: ratio ≥ 0.5). */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createDecoder } from '../flows/decoders/index.js';
import type { BenchResult } from './result.js';
import { ensureWorkload } from './workload.js';

export async function benchDecode(flows: number): Promise<BenchResult[]> {
  const w = await ensureWorkload({ namespaces: 20, pods: 2000, policies: 200, flows, seed: 7 });
  const lines: string[] = [];
  for await (const text of createInterface({ input: createReadStream(w.flows), crlfDelay: Infinity })) lines.push(text);
  const pos = { kind: 'file', file: w.flows, line: 0 } as const;
  const parse = (): number => {
    let n = 0;
    for (const l of lines) if ((JSON.parse(l) as { proto?: unknown }).proto !== undefined) n++;
    return n;
  };
  const decode = (): number => {
    const d = createDecoder('canonical');
    let n = 0;
    for (const l of lines) if ((d.decode(l, pos) as { proto?: unknown }).proto !== undefined) n++;
    return n;
  };
  // The file path's way: lines as byte ranges of what was read, the common shape read from the bytes
  // (canonical-scan.ts), any other line as text.
  const bytes = readFileSync(w.flows);
  const ends: number[] = [];
  for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, nl + 1)) ends.push(nl);
  const decodeBytes = (): number => {
    const d = createDecoder('canonical');
    let n = 0;
    let start = 0;
    for (const end of ends) {
      const r = d.scan!(bytes, start, end)?.record ?? d.decode(bytes.toString('utf8', start, end), pos);
      if ((r as { proto?: unknown }).proto !== undefined) n++;
      start = end + 1;
    }
    return n;
  };
  const best = (fn: () => number): number => {
    let fastest = Infinity;
    for (let round = 0; round < 5; round++) {
      const t = performance.now();
      if (fn() !== lines.length) throw new Error('not every line decoded');
      fastest = Math.min(fastest, performance.now() - t);
    }
    return lines.length / (fastest / 1000);
  };
  // Interleave warm-up of both so neither gets the JIT to itself first.
  parse();
  decode();
  decodeBytes();
  const parsed = best(parse);
  const decoded = best(decode);
  const fromBytes = best(decodeBytes);
  return [
    {
      name: 'decode: canonical JSONL flows/s as files and Kafka read them (lines as bytes: the common shape scanned, others JSON.parsed), validated and normalised',
      value: fromBytes,
      unit: 'flows/s',
      baseline: { name: 'JSON.parse of the same lines', value: parsed },
      note: `${lines.length} lines, best of 5; target ratio ≥ 0.5`,
    },
    {
      name: 'decode: canonical JSONL flows/s from text (JSON.parse + validation + normalisation)',
      value: decoded,
      unit: 'flows/s',
      baseline: { name: 'JSON.parse of the same lines', value: parsed },
      note: `${lines.length} lines, best of 5: the way lines of other sources go`,
    },
  ];
}
