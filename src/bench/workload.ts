/** Benchmark workloads: generated once per parameter set under bench-out/, reused by later runs. */
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generateWorkload, type WorkloadOptions } from '../gen/workload.js';
import { writeWorkload } from '../gen/write.js';

export interface WorkloadDir {
  readonly dir: string;
  readonly policies: string;
  readonly inventory: string;
  readonly flows: string;
  readonly options: WorkloadOptions;
}

export async function ensureWorkload(options: WorkloadOptions, root = 'bench-out'): Promise<WorkloadDir> {
  const o = options;
  const dir = join(root, `w-${o.namespaces}ns-${o.pods}pods-${o.policies}pol-${o.flows}flows-s${o.seed}`);
  const ready = join(dir, '.complete');
  const w = { dir, policies: join(dir, 'policies'), inventory: join(dir, 'inventory'), flows: join(dir, 'flows.jsonl'), options };
  try {
    await access(ready);
    return w;
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
  await writeWorkload(generateWorkload(options), dir);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(ready, '');
  return w;
}
