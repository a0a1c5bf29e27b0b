/**
 * `generateWorkload`: a synthetic cluster, its policy and its traffic, all from one seed. Resources come back as
 * data (files of resources); flows as a generator, so ten million of them never sit in memory.
 */
import { callGraph } from './callgraph.js';
import { buildCluster, type SyntheticCluster } from './cluster.js';
import { flowLines } from './flows.js';
import { inventoryResources } from './inventory.js';
import { policyFiles } from './policies.js';
import { deriveSeed, mulberry32 } from './random.js';
import type { ResourceFile } from './resource.js';

export interface WorkloadOptions {
  readonly namespaces: number;
  readonly pods: number;
  /** Policy resources in total (GlobalNetworkPolicy, Calico and Kubernetes NetworkPolicy); tiers and network sets come on top. */
  readonly policies: number;
  readonly flows: number;
  readonly seed: number;
}

export interface Workload {
  readonly options: WorkloadOptions;
  readonly cluster: SyntheticCluster;
  /** `policies/*.yaml` and `inventory/cluster.yaml`, relative to the output directory. */
  readonly files: readonly ResourceFile[];
  /** Canonical JSONL lines (no newline). Every call starts over and yields the same lines. */
  flows(): Generator<string>;
}

export const INVENTORY_FILE = 'inventory/cluster.yaml';

/** Throws a RangeError naming the first option that cannot be honoured. */
export function validateWorkloadOptions(o: WorkloadOptions): void {
  for (const key of ['namespaces', 'pods', 'policies', 'flows'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new RangeError(`--${key} must be a whole number ≥ 0, got ${o[key]}`);
  }
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`--seed must be a whole number, got ${o.seed}`);
  if (o.pods > 0 && o.namespaces === 0) throw new RangeError('--pods needs at least one namespace');
  if (o.flows > 0 && o.pods === 0) throw new RangeError('--flows needs at least one pod');
}

export function generateWorkload(options: WorkloadOptions): Workload {
  validateWorkloadOptions(options);
  // Separate streams: asking for more flows or policies never changes the cluster drawn for a seed.
  const cluster = buildCluster(options, mulberry32(deriveSeed(options.seed, 'cluster')));
  const graph = callGraph(cluster);
  const files: ResourceFile[] = [
    ...policyFiles(cluster, graph, options.policies, mulberry32(deriveSeed(options.seed, 'policies'))),
    { path: INVENTORY_FILE, resources: inventoryResources(cluster) },
  ];
  return {
    options,
    cluster,
    files,
    flows: () => flowLines(cluster, graph, options.flows, mulberry32(deriveSeed(options.seed, 'flows'))),
  };
}
