/**
 * Golden tests of the real binary on the demo fixtures (the README's first command). Outputs live in
 * test/golden/__snapshots__/ and are rewritten by `npx vitest run -u` (review the diff); CI never updates them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DEMO = 'fixtures/demo';
const BASE = ['--policies', `${DEMO}/policies`, '--inventory', `${DEMO}/inventory`, '--flows', `${DEMO}/flows.jsonl`];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function flowaudit(args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run('node', ['bin/flowaudit', ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Durations, rates and temp folders change from run to run; nothing else may. */
function normalise(text: string, dir: string): string {
  return text
    .split(dir).join('<out>')
    .replace(/in \d+\.\ds \(\d+\/s\)/g, 'in <s> (<rate>/s)');
}

describe('demo replay', () => {
  let dir: string;
  let replay: Result;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowaudit-golden-'));
    replay = await flowaudit([
      'replay', ...BASE, '--change', `${DEMO}/change`, '--out', join(dir, 'results.jsonl'), '--report', join(dir, 'report.csv'),
      '--coverage', join(dir, 'coverage.csv'),
    ]);
  });

  it('exits 0 with a one-line summary on stderr', async () => {
    expect(replay.code).toBe(0);
    expect(replay.stdout).toBe('');
    await expect(normalise(replay.stderr, dir)).toMatchFileSnapshot('__snapshots__/demo-replay.stderr.txt');
  });

  it('writes the results JSONL', async () => {
    await expect(await readFile(join(dir, 'results.jsonl'), 'utf8')).toMatchFileSnapshot('__snapshots__/demo-results.jsonl');
  });

  it('puts every class in the demo', async () => {
    const classes = new Set(
      (await readFile(join(dir, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { class: string }).class),
    );
    expect([...classes].sort()).toEqual(expect.arrayContaining(['unchanged-allow', 'unchanged-deny', 'would-allow', 'would-block']));
  });

  it('writes the malformed lines as dead letters', async () => {
    await expect(await readFile(join(dir, 'results.dead-letters.jsonl'), 'utf8')).toMatchFileSnapshot('__snapshots__/demo-dead-letters.jsonl');
  });

  it('writes the report CSV', async () => {
    await expect(await readFile(join(dir, 'report.csv'), 'utf8')).toMatchFileSnapshot('__snapshots__/demo-report.csv');
  });

  it('writes the rule coverage CSV, the one rule nothing hits with 0 flows', async () => {
    const coverage = await readFile(join(dir, 'coverage.csv'), 'utf8');
    await expect(coverage).toMatchFileSnapshot('__snapshots__/demo-coverage.csv');
    const unhit = coverage.trim().split('\n').filter((l) => /,[0-9]+,[A-Za-z]+,0,0,[0-9]*,/.test(l));
    expect(unhit.map((l) => l.split(',').slice(0, 5).join(','))).toEqual([
      'current,default,data/knp.default.redis-ingress,ingress,1',
      'proposed,default,data/knp.default.redis-ingress,ingress,1',
    ]);
  });

  it('covers the rules from the result rows too: the flows of what decided as the replay counted them, none for Pass and Log', async () => {
    const r = await flowaudit([
      'report', '--results', join(dir, 'results.jsonl'), '--policies', `${DEMO}/policies`, '--change', `${DEMO}/change`,
      '--coverage', join(dir, 'tables', 'report-coverage.csv'),
    ]);
    expect(r.code).toBe(0);
    // The folder is made, as for results files.
    expect(normalise(r.stderr, dir)).toBe(
      'rules nothing hit: 1 of 19 (current), 1 of 19 (proposed) in <out>/tables/report-coverage.csv (Pass and Log rules: not in result rows)\n',
    );
    const lines = async (file: string) => (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    const [fromRows, fromReplay] = [await lines('tables/report-coverage.csv'), await lines('coverage.csv')];
    const steps = (l: string) => /,(Pass|Log),/.test(l);
    expect(fromRows.filter((l) => !steps(l))).toEqual(fromReplay.filter((l) => !steps(l)));
    expect(fromRows.filter(steps).length).toBeGreaterThan(0);
    for (const l of fromRows.filter(steps)) expect(l.split(',').slice(6, 11)).toEqual(['', '0', '', '', '']);
  });

  it('leaves the proposed view out of the coverage of rows evaluated without a proposal, and says so', async () => {
    const plain = join(dir, 'no-proposal.jsonl');
    expect((await flowaudit(['replay', ...BASE, '--out', plain])).code).toBe(0);
    const r = await flowaudit(['report', '--results', plain, '--policies', `${DEMO}/policies`, '--change', `${DEMO}/change`, '--coverage', join(dir, 'c.csv')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: no result row has a proposed_rule: coverage of the proposed view left out\nrules nothing hit: 1 of 19 \(current\) in /);
    expect((await readFile(join(dir, 'c.csv'), 'utf8')).split('\n').filter((l) => l.startsWith('proposed,'))).toEqual([]);
  });

  it('refuses --coverage without the policies whose rules it lists, and with policies that have errors', async () => {
    const r = await flowaudit(['report', '--results', join(dir, 'results.jsonl'), '--coverage', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--coverage and --policies go together');
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: x, namespace: a}\nspec: {order: high}\n');
    const bad = await flowaudit(['report', '--results', join(dir, 'results.jsonl'), '--policies', broken, '--coverage', join(dir, 'y.csv')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.yaml:4:.*\n.*nothing was reported\n$/);
    expect(bad.stdout).toBe('');
  });

  it('writes results as CSV too', async () => {
    const csv = await flowaudit(['replay', ...BASE, '--change', `${DEMO}/change`, '--out', join(dir, 'results.csv')]);
    expect(csv.code).toBe(0);
    await expect(await readFile(join(dir, 'results.csv'), 'utf8')).toMatchFileSnapshot('__snapshots__/demo-results.csv');
  });

  it('prints the report as a terminal table', async () => {
    const r = await flowaudit(['report', '--results', join(dir, 'results.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    await expect(r.stdout).toMatchFileSnapshot('__snapshots__/demo-report.txt');
  });

  it('reports the same from the CSV results as from the JSONL, rule drift included', async () => {
    const csv = join(dir, 'results.csv');
    if ((await flowaudit(['replay', ...BASE, '--change', `${DEMO}/change`, '--out', csv])).code !== 0) throw new Error('replay failed');
    const [fromCsv, fromJsonl] = [await flowaudit(['report', '--results', csv]), await flowaudit(['report', '--results', join(dir, 'results.jsonl')])];
    expect(fromCsv.stdout).toContain('2 of 6 flows decided by another rule than the log names');
    expect(fromCsv.stdout).toBe(fromJsonl.stdout);
  });

  it('replays twice to the same rows', async () => {
    const again = await flowaudit(['replay', ...BASE, '--change', `${DEMO}/change`, '--out', join(dir, 'again.jsonl')]);
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, 'again.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'results.jsonl'), 'utf8'));
  });

  it("loads neither the Kafka nor the ClickHouse client, nor the daemon's logging and metrics, to replay files", async () => {
    // All four are CommonJS packages: what a process loaded of them is in require.cache when it exits.
    const preload = join(dir, 'loaded.cjs');
    await writeFile(preload, "process.on('exit', () => process.stderr.write('LOADED ' + Object.keys(require.cache).join(' ') + '\\n'));\n");
    const { stderr } = await run('node', ['--require', preload, 'bin/flowaudit', 'replay', ...BASE, '--change', `${DEMO}/change`, '--out', join(dir, 'lean.jsonl')]);
    const loaded = /^LOADED (.*)$/m.exec(stderr)?.[1] ?? '';
    expect(loaded).toContain('/node_modules/yaml/'); // the preload sees the packages a replay does need
    for (const p of ['kafkajs', '@clickhouse/client', 'pino', 'prom-client']) expect(loaded).not.toContain(`/node_modules/${p}/`);
  });
});
