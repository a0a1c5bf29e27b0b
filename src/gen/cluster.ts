/**
 * The synthetic cluster as plain data: namespaces, applications, pods (with addresses and lifetimes) and the
 * namespaced network sets. inventory.ts prints it as Kubernetes resources, policies.ts writes policy against it,
 * flows.ts draws traffic between its pods.
 */
import {
  DOMAINS, DOMAIN_SUFFIX, DOMAIN_TIERS, EXTERNAL, NAMESPACE_APPS, NODE_BASE, PLATFORM_NAMESPACES, POD_POOL,
  type AppKind, type AppTier,
} from './catalog.js';
import type { Random } from './random.js';

/** Flows cover this UTC day; pods are created before it, except the ones that replace churned pods. */
export const DAY_START_MS = Date.UTC(2026, 2, 2);
export const DAY_MS = 86_400_000;

export interface SyntheticNamespace {
  readonly name: string;
  readonly team: string;
  readonly env: 'prod' | 'staging';
  readonly tier: AppTier;
  /** Namespaces of one domain and round (`checkout-web`, `checkout-api`, `checkout-db`) share a group. */
  readonly group: string;
  readonly createdAt: number;
}

export interface SyntheticApp {
  readonly kind: AppKind;
  readonly namespace: SyntheticNamespace;
  readonly serviceAccount: string;
  readonly version: string;
  /** Pods in creation order; `pods[0]` lives through the whole day, so there is always one to send traffic to. */
  readonly pods: readonly SyntheticPod[];
}

export interface SyntheticPod {
  readonly name: string;
  readonly app: SyntheticApp;
  readonly node: SyntheticNode;
  readonly ip: string;
  /** Epoch milliseconds (whole seconds, as Kubernetes stores them). */
  readonly createdAt: number;
  /** Set for pods deleted during the day; their address is then handed to a later pod. */
  readonly deletedAt: number | null;
  /** The Deployment's pod-template-hash label; absent for StatefulSet pods. */
  readonly templateHash?: string;
  /** Carries `quarantine: "true"`, which the security tier isolates. */
  readonly quarantined: boolean;
}

export interface SyntheticNode {
  readonly name: string;
  readonly ip: string;
}

/** A namespaced NetworkSet: the corporate VPN range a backend namespace accepts calls from. */
export interface SyntheticNetworkSet {
  readonly namespace: SyntheticNamespace;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly cidr: string;
  /** First address of the range, as a 32-bit number. */
  readonly base: number;
}

export interface SyntheticCluster {
  readonly namespaces: readonly SyntheticNamespace[];
  /** Applications that have at least one pod. */
  readonly apps: readonly SyntheticApp[];
  /** Every pod, in address-allocation order. */
  readonly pods: readonly SyntheticPod[];
  readonly nodes: readonly SyntheticNode[];
  readonly networkSets: readonly SyntheticNetworkSet[];
}

/** Pods needed before kube-system and monitoring get any (CoreDNS 2, Prometheus 1, Grafana 1). */
const PLATFORM_POD_THRESHOLD = 16;
/** Share of pods that are deleted during the day and whose address a later pod reuses (two pods per reuse). */
const CHURN_SHARE = 0.03;
const QUARANTINE_SHARE = 1 / 400;
const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const HOUR = 3_600_000;

export function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function randomToken(rng: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += HASH_ALPHABET[rng.int(0, HASH_ALPHABET.length - 1)];
  return s;
}

/** Kubernetes timestamps have whole seconds. */
function wholeSeconds(ms: number): number {
  return ms - (ms % 1000);
}

function planNamespaces(count: number, rng: Random): SyntheticNamespace[] {
  const namespaces: SyntheticNamespace[] = [];
  const created = (): number => wholeSeconds(DAY_START_MS - rng.int(30, 400) * 24 * HOUR - rng.int(0, 24 * HOUR));
  // Platform namespaces only when at least one application namespace is left beside them.
  if (count >= 3) {
    for (const p of [PLATFORM_NAMESPACES.dns, PLATFORM_NAMESPACES.monitoring]) {
      namespaces.push({ name: p.name, team: p.team, env: 'prod', tier: 'platform', group: p.name, createdAt: created() });
    }
  }
  for (let i = 0; namespaces.length < count; i++) {
    const perRound = DOMAINS.length * DOMAIN_TIERS.length;
    const round = Math.floor(i / perRound);
    const domain = DOMAINS[Math.floor(i / DOMAIN_TIERS.length) % DOMAINS.length]!;
    const tier = DOMAIN_TIERS[i % DOMAIN_TIERS.length]!;
    // Round 1 is the staging copy of every domain; later rounds are further production instances.
    const suffix = round === 0 ? '' : round === 1 ? '-staging' : `-${round}`;
    namespaces.push({
      name: `${domain.domain}-${DOMAIN_SUFFIX[tier]}${suffix}`,
      team: domain.team,
      env: round % 2 === 1 ? 'staging' : 'prod',
      tier,
      group: `${domain.domain}${suffix}`,
      createdAt: created(),
    });
  }
  return namespaces;
}

type ApplicationNamespace = SyntheticNamespace & { readonly tier: keyof typeof NAMESPACE_APPS };

function isApplicationNamespace(ns: SyntheticNamespace): ns is ApplicationNamespace {
  return ns.tier !== 'platform';
}

/** How many pods each application of each namespace gets, in allocation order. */
function planReplicas(namespaces: readonly SyntheticNamespace[], podCount: number): { ns: SyntheticNamespace; kind: AppKind; replicas: number }[] {
  const plan: { ns: SyntheticNamespace; kind: AppKind; replicas: number }[] = [];
  // Platform namespaces exist only beside at least one application namespace (planNamespaces).
  const appNamespaces = namespaces.filter(isApplicationNamespace);
  let remaining = podCount;
  if (appNamespaces.length < namespaces.length && podCount >= PLATFORM_POD_THRESHOLD) {
    const byName = new Map(namespaces.map((n) => [n.name, n]));
    const platform: [string, AppKind, number][] = [
      [PLATFORM_NAMESPACES.dns.name, PLATFORM_NAMESPACES.dns.apps[0], 2],
      [PLATFORM_NAMESPACES.monitoring.name, PLATFORM_NAMESPACES.monitoring.apps[0], 1],
      [PLATFORM_NAMESPACES.monitoring.name, PLATFORM_NAMESPACES.monitoring.apps[1], 1],
    ];
    for (const [name, kind, replicas] of platform) {
      plan.push({ ns: byName.get(name)!, kind, replicas });
      remaining -= replicas;
    }
  }
  appNamespaces.forEach((ns, i) => {
    const nsPods = Math.floor(remaining / appNamespaces.length) + (i < remaining % appNamespaces.length ? 1 : 0);
    const kinds = NAMESPACE_APPS[ns.tier];
    kinds.forEach((kind, k) => {
      // Round-robin over the namespace's applications: the first gets the first pod.
      const replicas = Math.floor(nsPods / kinds.length) + (k < nsPods % kinds.length ? 1 : 0);
      if (replicas > 0) plan.push({ ns, kind, replicas });
    });
  });
  return plan;
}

interface PodDraft {
  name: string;
  app: SyntheticApp;
  node: SyntheticNode;
  ip: string;
  createdAt: number;
  deletedAt: number | null;
  templateHash?: string;
  quarantined: boolean;
}

/**
 * Deletes some pods during the day and gives each one's address to a pod of a different application created
 * minutes later: the inventory must bind an address to a pod by time. Never touches `pods[0]` of an application.
 */
function churn(drafts: PodDraft[], firstOfApp: ReadonlySet<PodDraft>, rng: Random): void {
  const candidates = drafts.filter((d) => !firstOfApp.has(d) && !d.quarantined);
  // With one pod per application there is nothing to churn.
  const pairs = candidates.length < 2 ? 0 : Math.floor((drafts.length * CHURN_SHARE) / 2);
  const used = new Set<PodDraft>();
  for (let p = 0, attempts = 0; p < pairs && attempts < pairs * 20; attempts++) {
    const gone = rng.pick(candidates);
    const next = rng.pick(candidates);
    if (gone === next || gone.app === next.app || used.has(gone) || used.has(next)) continue;
    used.add(gone).add(next);
    gone.deletedAt = wholeSeconds(DAY_START_MS + rng.int(1 * HOUR, 21 * HOUR));
    next.createdAt = gone.deletedAt + rng.int(15, 300) * 1000;
    next.ip = gone.ip;
    next.node = gone.node;
    p++;
  }
}

export function buildCluster(options: { readonly namespaces: number; readonly pods: number }, rng: Random): SyntheticCluster {
  const namespaces = planNamespaces(options.namespaces, rng);
  const plan = options.pods > 0 ? planReplicas(namespaces, options.pods) : [];
  const nodeCount = Math.max(1, Math.ceil(options.pods / POD_POOL.podsPerNode));
  const nodes: SyntheticNode[] = Array.from({ length: nodeCount }, (_, n) => ({
    name: `node-${String(n + 1).padStart(3, '0')}`,
    ip: ipv4(NODE_BASE + n),
  }));

  const apps: SyntheticApp[] = [];
  const drafts: PodDraft[] = [];
  const firstOfApp = new Set<PodDraft>();
  const namesInUse = new Set<string>();
  for (const { ns, kind, replicas } of plan) {
    const pods: PodDraft[] = [];
    const app: SyntheticApp = {
      kind,
      namespace: ns,
      serviceAccount: kind.defaultServiceAccount ? 'default' : kind.app,
      version: `v${rng.int(1, 4)}.${rng.int(0, 19)}.${rng.int(0, 9)}`,
      pods,
    };
    const templateHash = kind.workload === 'Deployment' ? randomToken(rng, 10) : undefined;
    for (let r = 0; r < replicas; r++) {
      let name = kind.workload === 'StatefulSet' ? `${kind.app}-${r}` : `${kind.app}-${templateHash}-${randomToken(rng, 5)}`;
      while (namesInUse.has(`${ns.name}/${name}`)) name = `${kind.app}-${templateHash}-${randomToken(rng, 5)}`;
      namesInUse.add(`${ns.name}/${name}`);
      // Address slots fill nodes round-robin, each node from its own /26 IPAM block.
      const j = drafts.length;
      const node = j % nodeCount;
      const draft: PodDraft = {
        name,
        app,
        node: nodes[node]!,
        ip: ipv4(POD_POOL.base + node * POD_POOL.blockSize + Math.floor(j / nodeCount)),
        createdAt: wholeSeconds(DAY_START_MS - rng.int(1 * HOUR, 20 * 24 * HOUR)),
        deletedAt: null,
        quarantined: r > 0 && rng.chance(QUARANTINE_SHARE),
        ...(templateHash ? { templateHash } : {}),
      };
      if (r === 0) firstOfApp.add(draft);
      pods.push(draft);
      drafts.push(draft);
    }
    apps.push(app);
  }
  churn(drafts, firstOfApp, rng);

  const networkSets: SyntheticNetworkSet[] = namespaces
    .filter((ns) => ns.tier === 'backend')
    .slice(0, 256)
    .map((ns, i) => {
      const base = EXTERNAL.corpVpn.base + i * 256;
      return { namespace: ns, name: 'corp-vpn', labels: { external: 'corp-vpn' }, cidr: `${ipv4(base)}/24`, base };
    });

  return { namespaces, apps, pods: drafts, nodes, networkSets };
}

