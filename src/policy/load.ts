/**
 * Loading policy resources: files → YAML documents → one converter per kind → a `PolicySet` of validated,
 * normalised policies, the inventory resources passed through, and every problem found. Problems never stop
 * the load: a resource with an error is left out, everything else loads.
 */
import { convertAdminPolicy } from './admin.js';
import { convertCalicoPolicy } from './calico.js';
import { compareDiagnostics, type Diagnostic } from './diagnostics.js';
import { parseDocuments } from './document.js';
import { FieldMap, isMapping, ResourceCheck } from './fields.js';
import { readSourceTexts, type SourceText } from './files.js';
import { convertKubernetesPolicy } from './kubernetes.js';
import { convertFelixConfig } from './felix-config.js';
import { convertCalicoNodeDaemonSet } from './felix-env.js';
import { BUILTIN_TIERS, type FelixConfig, type NetworkSet, type Origin, type Policy, type PolicySet, type Profile, type Tier } from './model.js';
import { convertNetworkSet } from './network-set.js';
import { convertProfile } from './profile.js';
import { childPath, itemPath } from './path.js';
import { readMetadata, type InventoryKind, type RawResource } from './resource.js';
import type { SourceDocument } from './source-document.js';
import { convertTier } from './tier.js';

export interface LoadResult {
  readonly policySet: PolicySet;
  readonly inventory: RawResource[];
  readonly diagnostics: Diagnostic[];
}

/** Loads files and folders (recursively: .yaml, .yml, .json, sorted). */
export async function loadResources(paths: string[]): Promise<LoadResult> {
  const read = await readSourceTexts(paths);
  const result = parseResources(read.texts);
  return { ...result, diagnostics: [...read.diagnostics, ...result.diagnostics] };
}

/** Loads texts already read (tests, stdin); `file` names them in diagnostics and origins. */
export function parseResources(texts: readonly SourceText[]): LoadResult {
  const loader = new Loader();
  for (const { file, text } of texts) loader.loadFile(file, text);
  return loader.result();
}

type Loaded =
  | { readonly kind: 'policy'; readonly policy: Policy; readonly identity: string }
  | { readonly kind: 'tier'; readonly tier: Tier }
  | { readonly kind: 'network-set'; readonly set: NetworkSet }
  | { readonly kind: 'felix'; readonly config: FelixConfig }
  | { readonly kind: 'profile'; readonly profile: Profile }
  | { readonly kind: 'inventory'; readonly resource: RawResource };

type Converter = (root: FieldMap, apiVersion: string) => Loaded | undefined;

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const CALICO_GROUPS = ['projectcalico.org/v3', 'crd.projectcalico.org/v1'];

function policy(convert: (root: FieldMap) => Policy | undefined): Converter {
  return (root) => {
    const p = convert(root);
    // Identity for duplicates: a staged policy may share its id with the enforced one it stages.
    return p === undefined ? undefined : { kind: 'policy', policy: p, identity: `${p.sourceKind}|${p.id}` };
  };
}

function inventory(kind: InventoryKind, scope: 'namespaced' | 'cluster'): Converter {
  return (root, apiVersion) => {
    const metadata = readMetadata(root, scope);
    if (metadata === undefined) return undefined;
    const resource: RawResource = { apiVersion, kind, metadata, object: root.fields, origin: root.check.origin(root.path), path: root.path };
    return { kind: 'inventory', resource };
  };
}

/** apiVersion → kind → converter. */
const CONVERTERS: ReadonlyMap<string, ReadonlyMap<string, Converter>> = new Map([
  ...CALICO_GROUPS.map(
    (group) =>
      [
        group,
        new Map<string, Converter>([
          ['NetworkPolicy', policy((r) => convertCalicoPolicy(r, 'NetworkPolicy'))],
          ['GlobalNetworkPolicy', policy((r) => convertCalicoPolicy(r, 'GlobalNetworkPolicy'))],
          ['StagedNetworkPolicy', policy((r) => convertCalicoPolicy(r, 'StagedNetworkPolicy'))],
          ['StagedGlobalNetworkPolicy', policy((r) => convertCalicoPolicy(r, 'StagedGlobalNetworkPolicy'))],
          ['StagedKubernetesNetworkPolicy', policy((r) => convertKubernetesPolicy(r, 'StagedKubernetesNetworkPolicy'))],
          ['Tier', (r) => wrap(convertTier(r), (tier) => ({ kind: 'tier', tier }))],
          ['NetworkSet', (r) => wrap(convertNetworkSet(r, 'NetworkSet'), (set) => ({ kind: 'network-set', set }))],
          ['GlobalNetworkSet', (r) => wrap(convertNetworkSet(r, 'GlobalNetworkSet'), (set) => ({ kind: 'network-set', set }))],
          ['FelixConfiguration', (r) => wrap(convertFelixConfig(r), (config) => ({ kind: 'felix', config }))],
          ['Profile', (r) => wrap(convertProfile(r), (profile) => ({ kind: 'profile', profile }))],
          ['HostEndpoint', inventory('HostEndpoint', 'cluster')],
          ['WorkloadEndpoint', inventory('WorkloadEndpoint', 'namespaced')],
        ]),
      ] as const,
  ),
  ['networking.k8s.io/v1', new Map([['NetworkPolicy', policy((r) => convertKubernetesPolicy(r, 'KubernetesNetworkPolicy'))]])],
  [
    'policy.networking.k8s.io/v1alpha1',
    new Map([
      ['AdminNetworkPolicy', policy((r) => convertAdminPolicy(r, 'AdminNetworkPolicy'))],
      ['BaselineAdminNetworkPolicy', policy((r) => convertAdminPolicy(r, 'BaselineAdminNetworkPolicy'))],
    ]),
  ],
  ['policy.networking.k8s.io/v1alpha2', new Map([['ClusterNetworkPolicy', policy((r) => convertAdminPolicy(r, 'ClusterNetworkPolicy'))]])],
  ['apps/v1', new Map<string, Converter>([['DaemonSet', (r) => wrap(convertCalicoNodeDaemonSet(r), (config) => ({ kind: 'felix', config }))]])],
  ['discovery.k8s.io/v1', new Map([['EndpointSlice', inventory('EndpointSlice', 'namespaced')]])],
  [
    'v1',
    new Map([
      ['Pod', inventory('Pod', 'namespaced')],
      ['Namespace', inventory('Namespace', 'cluster')],
      ['ServiceAccount', inventory('ServiceAccount', 'namespaced')],
    ]),
  ],
]);

/** Inventory kinds are passed on as written, so their top-level fields are not checked here. */
const PASSED_THROUGH = new Set(['Pod', 'Namespace', 'ServiceAccount', 'HostEndpoint', 'WorkloadEndpoint', 'EndpointSlice']);

function wrap<T>(value: T | undefined, make: (v: T) => Loaded): Loaded | undefined {
  return value === undefined ? undefined : make(value);
}

class Loader {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly tiers = new Map<string, Tier>(BUILTIN_TIERS.map((t) => [t.name, t]));
  private readonly policies: Policy[] = [];
  private readonly networkSets: NetworkSet[] = [];
  private readonly felix: FelixConfig[] = [];
  private readonly profiles = new Map<string, Profile>();
  private readonly inventory: RawResource[] = [];
  /** identity → where it was first loaded, for duplicate reports (read only when there is one). */
  private readonly identities = new Map<string, Origin>();

  loadFile(file: string, text: string): void {
    const fileDiagnostics: Diagnostic[] = [];
    const parsed = parseDocuments(file, text);
    fileDiagnostics.push(...parsed.diagnostics);
    const unknown = new Map<string, { count: number; doc: SourceDocument; path: string }>();
    for (const doc of parsed.documents) {
      const items = listItems(doc.value);
      if (items === undefined) this.loadObject(doc, doc.value, '', fileDiagnostics, unknown);
      else for (const [i, item] of items.entries()) this.loadObject(doc, item, itemPath('items', i), fileDiagnostics, unknown);
    }
    for (const [what, { count, doc, path }] of unknown) {
      const times = count === 1 ? '' : ` (${count} documents in this file)`;
      new ResourceCheck(doc, fileDiagnostics).report('unknown-kind', `${what} is not a kind flowaudit uses; skipped${times}`, childPath(path, 'kind'));
    }
    this.diagnostics.push(...fileDiagnostics.sort(compareDiagnostics));
  }

  result(): LoadResult {
    return {
      policySet: { tiers: this.tiers, policies: this.policies, networkSets: this.networkSets, felix: this.felix, profiles: this.profiles },
      inventory: this.inventory,
      diagnostics: this.diagnostics,
    };
  }

  private loadObject(
    doc: SourceDocument,
    value: unknown,
    path: string,
    out: Diagnostic[],
    unknown: Map<string, { count: number; doc: SourceDocument; path: string }>,
  ): void {
    const check = new ResourceCheck(doc, out);
    if (!isMapping(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
      check.report('not-a-resource', 'expected a Kubernetes object with string fields apiVersion and kind', path);
      return;
    }
    const { apiVersion, kind } = value;
    const convert = CONVERTERS.get(apiVersion)?.get(kind);
    if (convert === undefined) {
      const what = `${apiVersion} ${kind}`;
      const seen = unknown.get(what);
      if (seen === undefined) unknown.set(what, { count: 1, doc, path });
      else seen.count++;
      return;
    }
    const root = FieldMap.of(check, value, path, PASSED_THROUGH.has(kind) ? undefined : TOP_LEVEL);
    const loaded = root === undefined ? undefined : convert(root, apiVersion);
    if (loaded === undefined || check.hasErrors) return;
    const identity = identityOf(loaded);
    const first = this.identities.get(identity);
    if (first !== undefined) {
      const at = `${first.file}:${first.line}:${first.column}`;
      check.report('duplicate-resource', `${kind} ${displayName(loaded)} is already defined at ${at}; this one is ignored`, childPath(childPath(path, 'metadata'), 'name'));
      return;
    }
    if (loaded.kind === 'felix' && loaded.config.environment === true && this.felix.some((c) => c.environment === true)) {
      check.report('felix-env-unused', `a second calico-node DaemonSet (${displayName(loaded)}): the environment of the first one loaded is used`, path);
      return;
    }
    this.identities.set(identity, doc.origin(path));
    this.add(loaded);
  }

  private add(loaded: Loaded): void {
    switch (loaded.kind) {
      case 'policy':
        this.policies.push(loaded.policy);
        return;
      case 'tier':
        this.tiers.set(loaded.tier.name, loaded.tier);
        return;
      case 'network-set':
        this.networkSets.push(loaded.set);
        return;
      case 'felix':
        this.felix.push(loaded.config);
        return;
      case 'profile':
        this.profiles.set(loaded.profile.name, loaded.profile);
        return;
      case 'inventory':
        this.inventory.push(loaded.resource);
        return;
    }
  }
}

/** The members of a `kind: List` (or `*List`) document, as kubectl prints them; undefined for other documents. */
function listItems(value: unknown): unknown[] | undefined {
  if (!isMapping(value) || typeof value.kind !== 'string' || !value.kind.endsWith('List')) return undefined;
  return Array.isArray(value.items) ? value.items : undefined;
}

function identityOf(loaded: Loaded): string {
  switch (loaded.kind) {
    case 'policy':
      return loaded.identity;
    case 'tier':
      return `Tier|${loaded.tier.name}`;
    case 'network-set':
      return `${loaded.set.namespace === undefined ? 'GlobalNetworkSet' : 'NetworkSet'}|${loaded.set.namespace ?? '-'}/${loaded.set.name}`;
    case 'felix':
      return `${loaded.config.environment === true ? 'DaemonSet' : 'FelixConfiguration'}|${loaded.config.name}`;
    case 'profile':
      return `Profile|${loaded.profile.name}`;
    case 'inventory':
      return `${loaded.resource.kind}|${loaded.resource.metadata.namespace ?? '-'}/${loaded.resource.metadata.name}`;
  }
}

function displayName(loaded: Loaded): string {
  switch (loaded.kind) {
    case 'policy':
      return loaded.policy.namespace === undefined ? loaded.policy.name : `${loaded.policy.namespace}/${loaded.policy.name}`;
    case 'tier':
      return loaded.tier.name;
    case 'network-set':
      return loaded.set.namespace === undefined ? loaded.set.name : `${loaded.set.namespace}/${loaded.set.name}`;
    case 'felix':
      return loaded.config.name;
    case 'profile':
      return loaded.profile.name;
    case 'inventory': {
      const m = loaded.resource.metadata;
      return m.namespace === undefined ? m.name : `${m.namespace}/${m.name}`;
    }
  }
}
