/** Reading generated and hand-written resources back the way a consumer would: YAML text → plain documents. */
import { parseAllDocuments } from 'yaml';
import { parseSelector } from '../../src/selector/index.js';

export interface Doc {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [k: string]: unknown };
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
  readonly [k: string]: unknown;
}

/** Parses multi-document YAML; throws on any YAML error or a document without apiVersion, kind and metadata.name. */
export function parseDocs(text: string, file = 'input'): Doc[] {
  return parseAllDocuments(text).map((d, i) => {
    if (d.errors.length > 0) throw new Error(`${file} document ${i}: ${d.errors[0]!.message}`);
    const doc = d.toJS() as Partial<Doc> | null;
    if (typeof doc?.apiVersion !== 'string' || typeof doc.kind !== 'string' || typeof doc.metadata?.name !== 'string' || doc.metadata.name === '') {
      throw new Error(`${file} document ${i}: needs apiVersion, kind and metadata.name`);
    }
    return doc as Doc;
  });
}

export const CALICO = 'projectcalico.org/v3';
export const K8S_NETPOL = 'networking.k8s.io/v1';
const CALICO_POLICY_KINDS = new Set(['GlobalNetworkPolicy', 'NetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedNetworkPolicy']);

export const isCalicoPolicy = (d: Doc): boolean => d.apiVersion === CALICO && CALICO_POLICY_KINDS.has(d.kind);
export const isKubernetesPolicy = (d: Doc): boolean =>
  (d.apiVersion === K8S_NETPOL && d.kind === 'NetworkPolicy') || (d.apiVersion === CALICO && d.kind === 'StagedKubernetesNetworkPolicy');
export const isPolicy = (d: Doc): boolean => isCalicoPolicy(d) || isKubernetesPolicy(d);

/** Every value under `key` anywhere in the document. */
export function valuesAt(node: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (k === key) found.push(v);
        walk(v);
      }
    }
  };
  walk(node);
  return found;
}

/** Every Calico selector text in a Calico policy (policy and rule selectors), each of which must parse. */
export function calicoSelectors(d: Doc): string[] {
  return ['selector', 'notSelector', 'namespaceSelector', 'serviceAccountSelector']
    .flatMap((k) => valuesAt(d.spec, k))
    .filter((v): v is string => typeof v === 'string');
}

export function assertSelectorsParse(d: Doc): void {
  for (const s of calicoSelectors(d)) parseSelector(s);
}

/** Calico's name rules (libcalico-go/lib/validator/v3/validator.go). */
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
export const GLOBAL_POLICY_NAME = new RegExp(`^(${LABEL}\\.)?${LABEL}$`);
export const TIER_NAME = new RegExp(`^${LABEL}$`);
/** Container port names are IANA service names: at most 15 characters, lowercase alphanumerics and '-'. */
export const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

/** Named ports that rules refer to: Kubernetes `port` strings, Calico `ports` strings that are not ranges. */
export function namedPortsUsed(d: Doc): string[] {
  const named = isKubernetesPolicy(d) ? valuesAt(d.spec, 'port') : valuesAt(d.spec, 'ports').flat();
  return named.filter((p): p is string => typeof p === 'string' && !/^\d+(:\d+)?$/.test(p));
}

export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly app: string;
  readonly ip: string;
  readonly from: number;
  readonly until: number;
  readonly ports: readonly { name: string; port: number; protocol: string }[];
}

/** Pods with their address and lifetime (creation to deletion, or forever). */
export function podsOf(docs: readonly Doc[]): PodView[] {
  return docs.filter((d) => d.kind === 'Pod').map((d) => {
    const spec = d.spec as { containers: { ports?: { name: string; containerPort: number; protocol?: string }[] }[] };
    const status = d.status as { podIPs: { ip: string }[] };
    return {
      namespace: d.metadata.namespace!,
      name: d.metadata.name,
      app: d.metadata.labels!.app!,
      ip: status.podIPs[0]!.ip,
      from: Date.parse(d.metadata.creationTimestamp as string),
      until: typeof d.metadata.deletionTimestamp === 'string' ? Date.parse(d.metadata.deletionTimestamp) : Number.POSITIVE_INFINITY,
      ports: spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' }))),
    };
  });
}

/** The pod holding `ip` at `time`, if any. */
export function podAt(pods: readonly PodView[], ip: string, time: number): PodView | undefined {
  return pods.find((p) => p.ip === ip && p.from <= time && time < p.until);
}

/** 10.0.0.0/8: the generator and the demo take pod and node addresses from it, and external peers never. */
export function inTenSlashEight(ip: string): boolean {
  return ip.startsWith('10.');
}
