/**
 * The whole file replay (read, decode, resolve, evaluate current and proposed, write JSONL) as a child process on
 * a generated flow file: flows/s and peak RSS (issue 4: ≥ 200,000 flows/s, RSS < 300 MB for 10M flows), next to
 * a bare reader that only JSON.parses the same file's lines; then the same flows as Calico logs with policy hits,
 * the input most clusters have.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureCalicoFlows } from './calico-flows.js';
import { median, thousands, type BenchResult } from './result.js';
import { ensureWorkload, type WorkloadDir } from './workload.js';

const run = promisify(execFile);

/** Wall seconds, peak RSS, and CPU seconds (user + system, every thread of the process) of one command. */
async function timed(cmd: string, args: string[]): Promise<{ seconds: number; rssMb: number; cpuSeconds: number }> {
  const { stderr } = await run('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], { maxBuffer: 256 << 20 });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, cpuSeconds: Number(m[3]) + Number(m[4]) };
}

const BARE_READER = `
const rl = require('node:readline').createInterface({ input: require('node:fs').createReadStream(process.argv[1]), crlfDelay: Infinity });
let n = 0; rl.on('line', (l) => { if (JSON.parse(l).proto !== undefined) n++; }); rl.on('close', () => console.error('lines', n));
`;

/**
 * Rounds of (bare reader, replay): the figures are the medians, the peak RSS the highest. This machine's speed
 * drifts by half between runs minutes apart (one full run measured 241k flows/s, replays of the same build just
 * after 159k, 163k and 204k), so one run of each would compare two different machines.
 */
const ROUNDS = 3;

export async function benchReplay(flows: number): Promise<BenchResult[]> {
  const w = await ensureWorkload({ namespaces: 40, pods: 4000, policies: 500, flows, seed: 7 });
  const change = await ensureChange(w);
  const rounds: { replay: number; bare: number; replayRss: number; bareRss: number; replayCores: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const bare = await timed('node', ['-e', BARE_READER, w.flows]);
    const replay = await timed('node', [
      'bin/flowaudit', 'replay', '--flows', w.flows, '--policies', w.policies, '--inventory', w.inventory,
      '--change', change, '--out', '/dev/null', '--dead-letters', '/dev/null',
    ]);
    rounds.push({
      replay: flows / replay.seconds,
      bare: flows / bare.seconds,
      replayRss: replay.rssMb,
      bareRss: bare.rssMb,
      replayCores: replay.cpuSeconds / replay.seconds,
    });
  }
  const each = rounds.map((r) => `${thousands(r.replay)}k/${thousands(r.bare)}k`).join(', ');
  // "One core": the CPU the replay process used per second of its run, all threads counted (V8's GC and compiler
  // helpers, libuv's file reads and writes); one thread evaluates.
  const cores = rounds.map((r) => r.replayCores.toFixed(2)).join(', ');
  const calico = await benchCalicoReplay(w, change, Math.min(flows, CALICO_FLOWS));
  return [
    {
      name: 'replay: flows/s end to end (file → JSONL results, current set and a proposed change)',
      value: median(rounds.map((r) => r.replay)),
      unit: 'flows/s',
      baseline: { name: 'readline + JSON.parse of the same file', value: median(rounds.map((r) => r.bare)) },
      note: `medians of ${ROUNDS} rounds (replay/bare per round: ${each}); ${flows} flows, 500 policies, 4000 pods, --change adding a deny ahead of an allow (~1% would-block; the ~2% of flows at endpoints it selects evaluated in both views, the others once); CPU seconds per second of replay (all threads) ${cores}; target ≥ 200,000 flows/s`,
    },
    {
      name: 'replay: peak RSS',
      value: Math.max(...rounds.map((r) => r.replayRss)),
      unit: 'MB',
      baseline: { name: 'readline + JSON.parse of the same file', value: Math.max(...rounds.map((r) => r.bareRss)) },
      note: `${flows} flows, the highest of ${ROUNDS} rounds; target < 300 MB`,
    },
    calico,
  ];
}

/** Calico logs are longer than canonical lines and go the general way (JSON.parse, hits, rows serialised again). */
const CALICO_FLOWS = 500_000;

/** The same replay from Calico flow logs with policy hits (bench/calico-flows.ts), next to the bare reader of them. */
async function benchCalicoReplay(w: WorkloadDir, change: string, flows: number): Promise<BenchResult> {
  const path = await ensureCalicoFlows(w, change, flows);
  const rounds: { replay: number; bare: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const bare = await timed('node', ['-e', BARE_READER, path]);
    const replay = await timed('node', [
      'bin/flowaudit', 'replay', '--format', 'calico', '--flows', path, '--policies', w.policies, '--inventory', w.inventory,
      '--change', change, '--out', '/dev/null', '--dead-letters', '/dev/null',
    ]);
    rounds.push({ replay: flows / replay.seconds, bare: flows / bare.seconds });
  }
  const each = rounds.map((r) => `${thousands(r.replay)}k/${thousands(r.bare)}k`).join(', ');
  return {
    name: 'replay: Calico flow logs with policy hits, flows/s end to end (same policies, change and flows)',
    value: median(rounds.map((r) => r.replay)),
    unit: 'flows/s',
    baseline: { name: 'readline + JSON.parse of the same file', value: median(rounds.map((r) => r.bare)) },
    note: `medians of ${ROUNDS} rounds (replay/bare per round: ${each}); the first ${flows} flows of the workload as Calico logs, each naming the rule that decided it at the reporter (every one compared for rule drift); start-up (loading the policies) included`,
  };
}

/**
 * A proposed change that changes verdicts, so that the proposed view is a set of its own (a change that changes
 * nothing is compiled and evaluated once): a new policy, first in its tier, denying one web namespace's calls to
 * an API that the workload's first `allow-api-from-*` policy allows (about 1% of the flows become would-block).
 * Like a real change it selects few workloads: flows at the endpoints it selects (about 2%) are evaluated in both
 * views, the others once (pipeline/view-difference.ts).
 */
async function ensureChange(w: WorkloadDir): Promise<string> {
  const text = await readFile(join(w.policies, 'calico-network-policies.yaml'), 'utf8');
  const allow = text.split('\n---\n').find((d) => /\n {2}name: allow-api-from-/.test(d) && /namespaceSelector: /.test(d));
  const namespace = /\n {2}namespace: (\S+)/.exec(allow ?? '')?.[1];
  const from = /namespaceSelector: (.+)/.exec(allow ?? '')?.[1];
  if (namespace === undefined || from === undefined) throw new Error('bench: no allow-api-from-* policy to deny ahead of');
  const deny = [
    'apiVersion: projectcalico.org/v3',
    'kind: NetworkPolicy',
    'metadata:',
    '  name: bench-deny-api-callers',
    `  namespace: ${namespace}`,
    'spec:',
    '  tier: default',
    '  order: 1',
    "  selector: app == 'api'",
    '  types: [Ingress]',
    '  ingress:',
    '    - action: Deny',
    '      source:',
    `        namespaceSelector: ${from}`,
  ];
  const dir = join(w.dir, 'change');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'policy.yaml'), `${deny.join('\n')}\n`);
  return dir;
}
