/**
 * `npm run bench [-- --suites engine,decode,load,replay,daemon] [--quick]`: runs each suite in a child process of
 * its own (so one suite's heap and JIT state never colours another's), then writes BENCHMARKS.md from the results.
 * Every figure stands next to its bare baseline measured in the same run.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchDaemon } from './daemon.js';
import { benchDecode } from './decode.js';
import { benchEngine } from './engine.js';
import { benchLoad } from './load.js';
import { benchReplay } from './replay.js';
import type { BenchResult } from './result.js';

const run = promisify(execFile);

type Size = 'full' | 'quick';
const SUITES: Record<string, { title: string; run: (size: Size) => Promise<BenchResult[]> }> = {
  engine: {
    title: 'Policy engine (issue 2)',
    run: (s) => benchEngine(s === 'full' ? { namespaces: 100, pods: 10_000, policies: 2_000, flows: 1_000_000 } : { namespaces: 20, pods: 1_000, policies: 200, flows: 100_000 }),
  },
  decode: { title: 'Decoding (issue 3)', run: (s) => benchDecode(s === 'full' ? 1_000_000 : 100_000) },
  // The policies and pods of the replay workload (issue 4) and of the engine workload (issue 2).
  load: {
    title: 'Loading policy and inventory files (issues 2 and 4)',
    run: (s) =>
      benchLoad(
        s === 'full'
          ? [{ namespaces: 40, pods: 4000, policies: 500, flows: 500_000, seed: 7 }, { namespaces: 100, pods: 10_000, policies: 2_000, flows: 1_000_000, seed: 7 }]
          : [{ namespaces: 20, pods: 1_000, policies: 200, flows: 100_000, seed: 7 }],
      ),
  },
  replay: { title: 'File replay (issue 4)', run: (s) => benchReplay(s === 'full' ? 10_000_000 : 500_000) },
  // Needs Kafka and ClickHouse on 127.0.0.1 (scripts/services.sh up).
  daemon: { title: 'Streaming daemon, Kafka → ClickHouse (issue 5)', run: (s) => benchDaemon({ flows: s === 'full' ? 500_000 : 50_000 }) },
};

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .option('suites', { type: 'string', default: Object.keys(SUITES).join(',') })
    .option('quick', { type: 'boolean', default: false, describe: 'Small sizes, for a smoke run' })
    .option('out', { type: 'string', default: 'BENCHMARKS.md' })
    .option('child', { type: 'string', hidden: true })
    .strict()
    .parse();
  const size: Size = args.quick ? 'quick' : 'full';
  if (args.child !== undefined) {
    const suite = SUITES[args.child];
    if (!suite) throw new Error(`no suite ${args.child}`);
    process.stdout.write(`${JSON.stringify(await suite.run(size))}\n`);
    return;
  }
  const names = args.suites.split(',').filter((s) => s !== '');
  const sections: { title: string; results: BenchResult[] }[] = [];
  for (const name of names) {
    const suite = SUITES[name];
    if (!suite) throw new Error(`unknown suite ${name}; known: ${Object.keys(SUITES).join(', ')}`);
    process.stderr.write(`bench: ${name} (${size})...\n`);
    // With the V8 flag bin/flowaudit sets (it says why): the suites run flowaudit's code in-process.
    const { stdout } = await run(process.execPath, ['--max-old-space-size=8192', '--no-allocation-site-pretenuring', process.argv[1]!, '--child', name, ...(args.quick ? ['--quick'] : [])], { maxBuffer: 64 << 20 });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as BenchResult[];
    for (const r of results) process.stderr.write(`  ${line(r)}\n`);
    sections.push({ title: suite.title, results });
  }
  await writeFile(args.out, markdown(sections, size));
  process.stderr.write(`bench: wrote ${args.out}\n`);
}

function fmt(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}

function line(r: BenchResult): string {
  const base = r.baseline ? ` (baseline ${r.baseline.name}: ${fmt(r.baseline.value)}, ratio ${(r.value / r.baseline.value).toFixed(2)})` : '';
  return `${r.name}: ${fmt(r.value)} ${r.unit}${base}`;
}

function markdown(sections: { title: string; results: BenchResult[] }[], size: Size): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (src/bench/); do not edit by hand. Each suite ran in a child process of its own;',
    'every figure with a baseline was measured next to that baseline in the same run, and the ratio is figure ÷',
    'baseline. Node is single-threaded here, so every figure is one core.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} × ${cpu}, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    `- Size: ${size}`,
    '',
  ];
  for (const s of sections) {
    out.push(`## ${s.title}`, '', '| figure | value | baseline | ratio | note |', '|---|---:|---|---:|---|');
    for (const r of s.results) {
      const baseline = r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}` : '';
      const ratio = r.baseline ? (r.value / r.baseline.value).toFixed(2) : '';
      out.push(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${baseline} | ${ratio} | ${r.note ?? ''} |`);
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

await main();
