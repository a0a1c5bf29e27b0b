/**
 * Loading policy and inventory files (issues 2 and 4: replay pays it before its first flow, and its peak RSS
 * counts against the replay's): files → validated PolicySet + built Inventory, next to the bare parsers reading
 * the same files: eemeli/yaml's parseAllDocuments (what loading cost before the fast path) and js-yaml's loadAll
 * (the floor the fast path sits on). Each figure is a fresh child process that loads once, as replay does: time
 * from reading the first file to the built inventory, and the process's peak RSS; best of two runs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkloadOptions } from '../gen/workload.js';
import type { BenchResult } from './result.js';
import { ensureWorkload } from './workload.js';

const run = promisify(execFile);

/** What each child does between reading the files and reporting; `paths` are the policy and inventory folders. */
const READERS = {
  flowaudit: `
    const { loadResources } = await import(new URL('../policy/load.js', base));
    const { buildInventory } = await import(new URL('../inventory/build.js', base));
    const start = performance.now();
    const loaded = await Promise.all(paths.map((p) => loadResources([p])));
    buildInventory(loaded.flatMap((l) => l.inventory));
    return performance.now() - start;`,
  yaml: `
    const { parseAllDocuments } = await import('yaml');
    const start = performance.now();
    for (const { text } of await texts()) parseAllDocuments(text, { uniqueKeys: true });
    return performance.now() - start;`,
  jsyaml: `
    const { loadAll } = await import('js-yaml');
    const start = performance.now();
    for (const { text } of await texts()) loadAll(text);
    return performance.now() - start;`,
} as const;

type Reader = keyof typeof READERS;

async function measure(reader: Reader, paths: readonly string[]): Promise<{ ms: number; rssMb: number }> {
  const script = `
    const base = ${JSON.stringify(import.meta.url)};
    const paths = JSON.parse(process.argv[1]);
    const { readSourceTexts } = await import(new URL('../policy/files.js', base));
    const texts = async () => (await readSourceTexts(paths)).texts;
    const ms = await (async () => {${READERS[reader]}
    })();
    process.stdout.write(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const best = { ms: Infinity, rssMb: Infinity };
  for (let round = 0; round < 2; round++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(paths)], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout) as { ms: number; rssMb: number };
    best.ms = Math.min(best.ms, r.ms);
    best.rssMb = Math.min(best.rssMb, r.rssMb);
  }
  return best;
}

export async function benchLoad(workloads: readonly WorkloadOptions[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const options of workloads) {
    const w = await ensureWorkload(options);
    const paths = [w.policies, w.inventory];
    const shape = `${options.policies} policies, ${options.pods} pods`;
    const [flowaudit, yaml, jsyaml] = [await measure('flowaudit', paths), await measure('yaml', paths), await measure('jsyaml', paths)];
    results.push(
      {
        name: `load: files → PolicySet + Inventory (${shape})`,
        value: flowaudit.ms,
        unit: 'ms',
        baseline: { name: 'yaml parseAllDocuments of the same files', value: yaml.ms },
        note: 'validated, with lazy positions; fresh process, best of 2',
      },
      {
        name: `load: same, next to the fast parser alone (${shape})`,
        value: flowaudit.ms,
        unit: 'ms',
        baseline: { name: 'js-yaml loadAll of the same files', value: jsyaml.ms },
      },
      {
        name: `load: peak RSS of a process that loads (${shape})`,
        value: flowaudit.rssMb,
        unit: 'MB',
        baseline: { name: 'yaml parseAllDocuments of the same files', value: yaml.rssMb },
        note: 'replay target < 300 MB in all',
      },
    );
  }
  return results;
}
