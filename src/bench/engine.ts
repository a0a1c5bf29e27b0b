/**
 * Engine verdicts per second on one core: 2,000 policies over 10,000 pods (issue 2). Cold = a freshly compiled
 * set meeting each flow for the first time (per-endpoint policy lists and verdicts computed on the way); warm =
 * the same flows again, caches filled. Peers are resolved before timing: this measures the engine alone.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { compilePolicySet } from '../engine/index.js';
import { createDecoder } from '../flows/decoders/index.js';
import type { FlowRecord } from '../flows/record.js';
import { buildInventory } from '../inventory/build.js';
import type { Peer } from '../inventory/endpoint.js';
import { loadResources } from '../policy/load.js';
import { currentView } from '../policy/views.js';
import type { BenchResult } from './result.js';
import { ensureWorkload } from './workload.js';

export interface EngineBenchOptions {
  readonly pods: number;
  readonly policies: number;
  readonly namespaces: number;
  readonly flows: number;
}

export async function benchEngine(o: EngineBenchOptions): Promise<BenchResult[]> {
  const w = await ensureWorkload({ namespaces: o.namespaces, pods: o.pods, policies: o.policies, flows: o.flows, seed: 7 });
  const loadStart = performance.now();
  const [policies, inventoryFiles] = await Promise.all([loadResources([w.policies]), loadResources([w.inventory])]);
  const inventory = buildInventory(inventoryFiles.inventory);
  const view = currentView(policies.policySet);
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const records: FlowRecord[] = [];
  const decoder = createDecoder('canonical');
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(w.flows), crlfDelay: Infinity })) {
    const r = decoder.decode(text, { kind: 'file', file: w.flows, line: ++line });
    if (typeof r === 'object' && r !== null && 'proto' in r) records.push(r as FlowRecord);
  }
  const src: Peer[] = records.map((r) => inventory.resolve(r, 'src'));
  const dst: Peer[] = records.map((r) => inventory.resolve(r, 'dst'));

  const compileStart = performance.now();
  const compiled = compilePolicySet(view, inventory);
  const compileSeconds = (performance.now() - compileStart) / 1000;

  const coldStart = performance.now();
  let sink = 0;
  for (let i = 0; i < records.length; i++) sink += compiled.evaluate(records[i]!, src[i]!, dst[i]!).verdict.length;
  const coldSeconds = (performance.now() - coldStart) / 1000;

  const rounds = 5;
  const warmStart = performance.now();
  for (let k = 0; k < rounds; k++) {
    for (let i = 0; i < records.length; i++) sink += compiled.evaluate(records[i]!, src[i]!, dst[i]!).verdict.length;
  }
  const warmSeconds = (performance.now() - warmStart) / 1000;
  if (sink === 0) throw new Error('no verdicts');
  const stats = compiled.cacheStats();
  const shape = `${view.policies.length} policies, ${[...inventory.endpoints()].length} endpoints, ${records.length} flows`;
  return [
    { name: 'engine: verdicts/s, cold (fresh compiled set, first sight of each flow)', value: records.length / coldSeconds, unit: 'verdicts/s', note: `${shape}; target ≥ 200,000` },
    { name: 'engine: verdicts/s, warm (caches filled)', value: (records.length * rounds) / warmSeconds, unit: 'verdicts/s', note: `target ≥ 2,000,000; cache ${JSON.stringify(stats)}` },
    { name: 'engine: compile policy set', value: compileSeconds * 1000, unit: 'ms', note: shape },
    { name: 'engine: load policy and inventory files', value: loadSeconds * 1000, unit: 'ms' },
  ];
}
