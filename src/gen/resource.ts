import { stringify } from 'yaml';

/** A Kubernetes or Calico resource as written to YAML: what flowaudit's loaders read back. */
export interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

/** A file of multi-document YAML, path relative to the output directory. */
export interface ResourceFile {
  readonly path: string;
  readonly resources: readonly Resource[];
}

/** One multi-document YAML text; lines are never folded, so a selector stays on one line. */
export function toYamlDocuments(resources: readonly Resource[]): string {
  return resources.map((r) => stringify(r, { lineWidth: 0 })).join('---\n');
}

/** RFC 3339 with whole seconds, as the Kubernetes API prints metadata timestamps. */
export function kubernetesTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
