import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runGen } from '../../src/gen/cli.js';
import { parseDocs } from './helpers.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function gen(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new Capture(), new Capture()];
  const code = await runGen(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return new Map(await Promise.all(files.sort().map(async (f) => [relative(dir, f), await readFile(f)] as const)));
}

const root = await mkdtemp(join(tmpdir(), 'flowaudit-gen-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const args = (out: string, seed = 3): string[] =>
  ['--namespaces', '6', '--pods', '80', '--policies', '30', '--flows', '2500', '--seed', String(seed), '--out', join(root, out)];

describe('npm run gen', () => {
  it('writes policies, inventory and flows, listing the paths on stdout', async () => {
    const { code, stdout, stderr } = await gen(args('a'));
    expect(code).toBe(0);
    const files = await filesUnder(join(root, 'a'));
    expect([...files.keys()]).toEqual([
      'flows.jsonl',
      'inventory/cluster.yaml',
      'policies/calico-network-policies.yaml',
      'policies/kubernetes-network-policies.yaml',
      'policies/network-sets.yaml',
      'policies/platform-tier.yaml',
      'policies/security-tier.yaml',
      'policies/tiers.yaml',
    ]);
    expect(stdout.trim().split('\n').map((p) => relative(join(root, 'a'), p)).sort()).toEqual([...files.keys()]);
    expect(stderr).toMatch(/^gen: 6 namespaces, 80 pods, 30 policies, 2500 flows in /);
    const flows = files.get('flows.jsonl')!.toString();
    expect(flows.endsWith('\n')).toBe(true);
    expect(flows.split('\n').filter(Boolean)).toHaveLength(2500);
    const inventory = parseDocs(files.get('inventory/cluster.yaml')!.toString());
    expect(new Set(inventory.map((d) => d.kind))).toEqual(new Set(['Namespace', 'ServiceAccount', 'Pod']));
    const policyDocs = [...files].filter(([p]) => p.startsWith('policies/')).flatMap(([p, b]) => parseDocs(b.toString(), p));
    expect(policyDocs.length).toBeGreaterThan(30);
  });

  it('writes byte-identical files for the same seed, different ones for another', async () => {
    await gen(args('b'));
    await gen(args('c', 4));
    const [a, b, c] = await Promise.all([filesUnder(join(root, 'a')), filesUnder(join(root, 'b')), filesUnder(join(root, 'c'))]);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [file, bytes] of a) expect(b.get(file)!.equals(bytes), file).toBe(true);
    for (const file of ['flows.jsonl', 'inventory/cluster.yaml', 'policies/kubernetes-network-policies.yaml']) {
      expect(c.get(file)!.equals(a.get(file)!), file).toBe(false);
    }
  });

  it.each([
    { argv: ['--pods', '5'], message: /Missing required argument: out/ },
    { argv: ['--out', 'x', '--pods', 'many'], message: /--pods must be a whole number/ },
    { argv: ['--out', 'x', '--flows', '-3'], message: /--flows must be a whole number/ },
    { argv: ['--out', 'x', '--colour', 'red'], message: /Unknown argument: colour/ },
    { argv: ['--out', 'x', '--namespaces', '0', '--pods', '2'], message: /--pods needs at least one namespace/ },
  ])('exits 2 on $argv with a message on stderr and nothing written', async ({ argv, message }) => {
    const { code, stdout, stderr } = await gen(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('prints help with examples and exit codes on stdout', async () => {
    const { code, stdout, stderr } = await gen(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/--policies/);
    expect(stdout).toMatch(/Examples:/);
    expect(stdout).toMatch(/Exit codes: 0 written, 1 could not write, 2 usage error/);
  });

  it('exits 1 when the output cannot be written', async () => {
    const blocker = join(root, 'a', 'flows.jsonl');
    const { code, stderr } = await gen(['--pods', '3', '--flows', '1', '--out', join(blocker, 'under-a-file')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gen: /);
  });
});
