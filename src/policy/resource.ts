/**
 * Resources the policy loader passes through untouched for the inventory module (which turns them into
 * endpoints), and the metadata every loaded resource has.
 */
import type { Labels } from '../selector/types.js';
import type { FieldMap } from './fields.js';
import type { Origin } from './model.js';

/** v1 Pod, Namespace, ServiceAccount; projectcalico.org/v3 HostEndpoint, WorkloadEndpoint. */
export type InventoryKind = 'Pod' | 'Namespace' | 'ServiceAccount' | 'HostEndpoint' | 'WorkloadEndpoint' | 'EndpointSlice';

export interface ResourceMetadata {
  readonly name: string;
  /** Namespaced kinds only (`default` when the file left it out). */
  readonly namespace?: string;
  readonly labels: Labels;
}

export interface RawResource {
  readonly apiVersion: string;
  readonly kind: InventoryKind;
  readonly metadata: ResourceMetadata;
  /** The whole object as written, as plain data (fields are not validated beyond metadata). */
  readonly object: Readonly<Record<string, unknown>>;
  readonly origin: Origin;
  /** Path of the object inside its document: '' for a document of its own, `items[3]` inside a List. */
  readonly path: string;
}

export type Scope = 'namespaced' | 'cluster';

/**
 * `metadata.name` (required), `metadata.namespace` (namespaced kinds; `default` when absent, as kubectl apply
 * would in the default context) and `metadata.labels`. Other metadata is not read.
 */
export function readMetadata(root: FieldMap, scope: Scope): ResourceMetadata | undefined {
  if (!root.require('metadata')) return undefined;
  const meta = root.map('metadata');
  if (meta === undefined) return undefined;
  const nameOk = meta.require('name');
  const name = meta.string('name');
  if (nameOk && name === '') meta.check.report('missing-field', 'metadata.name is empty', meta.pathOf('name'));
  const labels = meta.labels('labels') ?? {};
  let namespace = meta.string('namespace');
  if (scope === 'namespaced' && (namespace === undefined || namespace === '')) {
    if (!meta.has('namespace')) {
      meta.check.report('namespace-defaulted', 'no metadata.namespace; using "default"', meta.path);
      namespace = 'default';
    } else if (namespace === '') {
      meta.check.report('missing-field', 'metadata.namespace is empty', meta.pathOf('namespace'));
    }
  }
  if (scope === 'cluster' && namespace !== undefined) {
    meta.check.report('namespace-ignored', `this kind is cluster-scoped; namespace "${namespace}" is ignored`, meta.pathOf('namespace'));
    namespace = undefined;
  }
  if (name === undefined || name === '' || namespace === '') return undefined;
  return namespace === undefined ? { name, labels } : { name, namespace, labels };
}
