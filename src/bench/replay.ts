/**
 * The whole file replay (read, decode, resolve, evaluate current and proposed, write JSONL) as a child process on
 * a generated flow file: flows/s and peak RSS (issue 4: ≥ 200,000 flows/s, RSS < 300 MB for 10M flows), next to
 * a bare reader that only JSON.parses the same file's lines.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchResult } from './result.js';
import { ensureWorkload } from './workload.js';

const run = promisify(execFile);

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS in MB. */
async function timed(cmd: string, args: string[]): Promise<{ seconds: number; rssMb: number }> {
  const { stderr } = await run('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { maxBuffer: 256 << 20 });
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024 };
}

const BARE_READER = `
const rl = require('node:readline').createInterface({ input: require('node:fs').createReadStream(process.argv[1]), crlfDelay: Infinity });
let n = 0; rl.on('line', (l) => { if (JSON.parse(l).proto !== undefined) n++; }); rl.on('close', () => console.error('lines', n));
`;

export async function benchReplay(flows: number): Promise<BenchResult[]> {
  const w = await ensureWorkload({ namespaces: 40, pods: 4000, policies: 500, flows, seed: 7 });
  const replay = await timed('node', [
    'bin/flowaudit', 'replay', '--flows', w.flows, '--policies', w.policies, '--inventory', w.inventory, '--staged',
    '--out', '/dev/null', '--dead-letters', '/dev/null',
  ]);
  const bare = await timed('node', ['-e', BARE_READER, w.flows]);
  return [
    {
      name: 'replay: flows/s end to end (file → JSONL results, current + proposed view)',
      value: flows / replay.seconds,
      unit: 'flows/s',
      baseline: { name: 'readline + JSON.parse of the same file', value: flows / bare.seconds },
      note: `${flows} flows, 500 policies, 4000 pods; target ≥ 200,000 flows/s`,
    },
    {
      name: 'replay: peak RSS',
      value: replay.rssMb,
      unit: 'MB',
      baseline: { name: 'readline + JSON.parse of the same file', value: bare.rssMb },
      note: `${flows} flows; target < 300 MB`,
    },
  ];
}
