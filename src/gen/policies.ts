/**
 * Policy for the synthetic cluster: Calico tiers, network sets, and exactly K policy resources spread over a
 * `security` tier (denies, Log, a final Pass), a `platform` tier (DNS and monitoring allows, default action
 * Pass), Calico NetworkPolicies and Kubernetes NetworkPolicies in the default tier. Written the way teams write
 * them: allows derived from the call graph, default-deny namespaces, CIDR egress, named ports.
 */
import type { Call, CallGraph } from './callgraph.js';
import { CLUSTER_CIDR, EXTERNAL, INSECURE_PORTS, NODE_CIDR, POD_POOL } from './catalog.js';
import type { SyntheticApp, SyntheticCluster, SyntheticNamespace } from './cluster.js';
import type { Random } from './random.js';
import type { Resource, ResourceFile } from './resource.js';

type Category = 'kubernetes' | 'calico' | 'security' | 'platform';

/** Shares of K, listed in the order that wins ties (a cluster with K = 1 gets one Kubernetes policy). */
const SHARES: readonly (readonly [Category, number])[] = [
  ['kubernetes', 0.45], ['calico', 0.35], ['security', 0.1], ['platform', 0.1],
];
const NAMESPACED: ReadonlySet<Category> = new Set(['kubernetes', 'calico']);

export const TIERS = {
  /** Runs first; its last policy passes whatever it did not deny to the next tier. */
  security: { name: 'security', order: 100, defaultAction: 'Deny' },
  /** Platform allows; whatever it does not decide falls through (default action Pass). */
  platform: { name: 'platform', order: 500, defaultAction: 'Pass' },
} as const;

const CALICO_API = 'projectcalico.org/v3';
const K8S_API = 'networking.k8s.io/v1';
const DNS_SELECTOR = "k8s-app == 'kube-dns'";
const KUBE_SYSTEM = "projectcalico.org/name == 'kube-system'";
const MONITORING = "projectcalico.org/name == 'monitoring'";

/** Largest-remainder split of `total` over the categories; namespaced kinds get nothing without namespaces. */
export function apportion(total: number, haveNamespaces: boolean): Record<Category, number> {
  const shares = SHARES.filter(([c]) => haveNamespaces || !NAMESPACED.has(c));
  const sum = shares.reduce((s, [, w]) => s + w, 0);
  const exact = shares.map(([c, w]) => ({ c, x: (total * w) / sum }));
  const counts: Record<Category, number> = { kubernetes: 0, calico: 0, security: 0, platform: 0 };
  for (const { c, x } of exact) counts[c] = Math.floor(x);
  let left = total - exact.reduce((s, { x }) => s + Math.floor(x), 0);
  // Stable sort keeps SHARES order among equal remainders.
  for (const { c } of [...exact].sort((a, b) => (b.x % 1) - (a.x % 1))) {
    if (left-- <= 0) break;
    counts[c]++;
  }
  return counts;
}

/** Unique names per kind and namespace: a repeated base gets `-2`, `-3`, ... within Calico's 63-character limit. */
class Names {
  private readonly used = new Set<string>();
  claim(scope: string, base: string): string {
    const stem = base.slice(0, 56).replace(/-+$/, '');
    let name = stem;
    for (let n = 2; this.used.has(`${scope}/${name}`); n++) name = `${stem}-${n}`;
    this.used.add(`${scope}/${name}`);
    return name;
  }
}

interface Context {
  readonly cluster: SyntheticCluster;
  readonly graph: CallGraph;
  readonly rng: Random;
  readonly names: Names;
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}

function globalPolicy(ctx: Context, tier: keyof typeof TIERS, base: string, spec: Record<string, unknown>): Resource {
  // Calico wants `<tier>.<name>` for policies outside the default tier (libcalico-go/lib/names/policy.go).
  const name = ctx.names.claim('gnp', `${tier}.${base}`);
  return { apiVersion: CALICO_API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { tier, ...spec } };
}

function calicoPolicy(ctx: Context, ns: SyntheticNamespace, base: string, spec: Record<string, unknown>): Resource {
  const name = ctx.names.claim(`np/${ns.name}`, base);
  // Half spell out the default tier, half leave it implied; both mean the same.
  const tier = ctx.rng.chance(0.5) ? { tier: 'default' } : {};
  return { apiVersion: CALICO_API, kind: 'NetworkPolicy', metadata: { name, namespace: ns.name }, spec: { ...tier, ...spec } };
}

function kubernetesPolicy(ctx: Context, ns: SyntheticNamespace, base: string, spec: Record<string, unknown>): Resource {
  const name = ctx.names.claim(`knp/${ns.name}`, base);
  return { apiVersion: K8S_API, kind: 'NetworkPolicy', metadata: { name, namespace: ns.name }, spec };
}

// --- security tier ---------------------------------------------------------------------------------------------

function* securityPolicies(ctx: Context): Generator<Resource> {
  let order = 0;
  const gnp = (base: string, spec: Record<string, unknown>): Resource =>
    globalPolicy(ctx, 'security', base, { order: (order += 10), ...spec });
  const blocklist = "feed == 'blocklist'";
  yield gnp('block-threat-feed', {
    selector: 'all()',
    types: ['Ingress', 'Egress'],
    ingress: [{ action: 'Log', source: { selector: blocklist } }, { action: 'Deny', source: { selector: blocklist } }],
    egress: [{ action: 'Deny', destination: { selector: blocklist } }],
  });
  yield gnp('deny-insecure-ports', {
    selector: 'all()',
    types: ['Ingress'],
    ingress: [{ action: 'Deny', protocol: 'TCP', destination: { ports: [...INSECURE_PORTS] } }],
  });
  yield gnp('quarantine', {
    selector: "quarantine == 'true'",
    types: ['Ingress', 'Egress'],
    ingress: [{ action: 'Deny' }],
    egress: [{ action: 'Deny' }],
  });
  yield gnp('data-no-internet', {
    namespaceSelector: "tier == 'data'",
    selector: 'all()',
    types: ['Egress'],
    egress: [{ action: 'Log', destination: { notNets: [CLUSTER_CIDR] } }, { action: 'Deny', destination: { notNets: [CLUSTER_CIDR] } }],
  });
  yield gnp('isolate-prod-from-staging', {
    namespaceSelector: "env == 'prod'",
    selector: 'all()',
    types: ['Ingress'],
    ingress: [{ action: 'Deny', source: { namespaceSelector: "env == 'staging'" } }],
  });
  const dataTeams = [...new Set(ctx.cluster.namespaces.filter((n) => n.tier === 'data').map((n) => n.team))];
  for (const team of dataTeams) {
    // Only the owning team (and the platform, which scrapes) may reach a team's databases.
    yield gnp(`restrict-${team}-data`, {
      namespaceSelector: `team == '${team}' && tier == 'data'`,
      selector: 'all()',
      types: ['Ingress'],
      ingress: [{ action: 'Deny', source: { namespaceSelector: `team != '${team}' && tier != 'platform'` } }],
    });
  }
  // Beyond the hand-shaped ones: one port per policy, as deny lists grow in large clusters.
  for (let port = 10_000; ; port++) {
    yield gnp(`deny-port-${port}`, {
      selector: 'all()',
      types: ['Ingress'],
      ingress: [{ action: 'Deny', protocol: 'TCP', destination: { ports: [port] } }],
    });
  }
}

/** The security tier's last policy: nil order sorts after every number, and Pass hands on to the next tier. */
function passToNextTier(ctx: Context): Resource {
  return globalPolicy(ctx, 'security', 'pass-to-next-tier', {
    selector: 'all()',
    types: ['Ingress', 'Egress'],
    ingress: [{ action: 'Pass' }],
    egress: [{ action: 'Pass' }],
  });
}

// --- platform tier ---------------------------------------------------------------------------------------------

function* platformPolicies(ctx: Context): Generator<Resource> {
  let order = 0;
  const gnp = (base: string, spec: Record<string, unknown>): Resource =>
    globalPolicy(ctx, 'platform', base, { order: (order += 100), ...spec });
  yield gnp('allow-dns-egress', {
    selector: 'all()',
    types: ['Egress'],
    egress: (['UDP', 'TCP'] as const).map((protocol) => ({
      action: 'Allow', protocol, destination: { selector: DNS_SELECTOR, namespaceSelector: KUBE_SYSTEM, ports: [53] },
    })),
  });
  yield gnp('allow-dns-ingress', {
    selector: DNS_SELECTOR,
    namespaceSelector: KUBE_SYSTEM,
    types: ['Ingress'],
    ingress: [
      { action: 'Allow', protocol: 'UDP', destination: { ports: ['dns'] } },
      { action: 'Allow', protocol: 'TCP', destination: { ports: ['dns-tcp'] } },
    ],
  });
  yield gnp('allow-metrics-scrape', {
    selector: "tier in {'frontend', 'backend', 'data'}",
    types: ['Ingress'],
    ingress: [{
      action: 'Allow', protocol: 'TCP',
      source: { selector: "app == 'prometheus'", namespaceSelector: MONITORING },
      destination: { ports: ['metrics'] },
    }],
  });
  yield gnp('prometheus-egress', {
    selector: "app == 'prometheus'",
    namespaceSelector: MONITORING,
    types: ['Egress'],
    egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['metrics'] } }],
  });
  // Then kubelet probes, namespace by namespace (cluster-wide when there are no namespaces).
  const scopes = ctx.cluster.namespaces.length > 0
    ? ctx.cluster.namespaces.map((ns) => ({ name: `allow-node-probes-${ns.name}`, namespaceSelector: `projectcalico.org/name == '${ns.name}'` }))
    : [{ name: 'allow-node-probes', namespaceSelector: 'all()' }];
  for (;;) {
    for (const scope of scopes) {
      yield gnp(scope.name, {
        namespaceSelector: scope.namespaceSelector,
        selector: 'all()',
        types: ['Ingress'],
        // Kubelet probes come from the node's address.
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { nets: [NODE_CIDR] } }],
      });
    }
  }
}

// --- default tier: Calico NetworkPolicy ------------------------------------------------------------------------

/** Named port two times in three, the number otherwise: both spellings reach the same container port. */
function port(ctx: Context, c: Call): string | number {
  return ctx.rng.chance(2 / 3) ? c.portName : c.port;
}

/** Later rounds repeat a policy shape for a narrower selector, as copies for canaries accumulate. */
function canary(selector: string, round: number): string {
  return round === 0 ? selector : `${selector} && version != 'canary-${round}'`;
}

function calicoAllow(ctx: Context, c: Call, round: number): Resource {
  const sameNamespace = c.client.namespace === c.server.namespace;
  // Within a namespace teams name the calling app; across namespaces, often the calling tier.
  const source = sameNamespace
    ? { selector: `app == '${c.client.kind.app}'` }
    : { selector: `tier == '${c.client.kind.tier}'`, namespaceSelector: `projectcalico.org/name == '${c.client.namespace.name}'` };
  const allow = { action: 'Allow', protocol: c.protocol, source, destination: { ports: [port(ctx, c)] } };
  const from = sameNamespace ? c.client.kind.app : c.client.namespace.name;
  return calicoPolicy(ctx, c.server.namespace, `allow-${c.server.kind.app}-from-${from}`, {
    ...(ctx.rng.chance(0.8) ? { order: 100 * ctx.rng.int(1, 9) } : {}),
    selector: canary(`app == '${c.server.kind.app}'`, round),
    types: ['Ingress'],
    ingress: ctx.rng.chance(0.2) ? [{ ...allow, action: 'Log' }, allow] : [allow],
  });
}

function calicoEgress(ctx: Context, app: SyntheticApp): Resource {
  return calicoPolicy(ctx, app.namespace, `${app.kind.app}-egress`, {
    order: 500,
    selector: `app == '${app.kind.app}'`,
    types: ['Egress'],
    egress: [
      { action: 'Allow', protocol: 'UDP', destination: { selector: DNS_SELECTOR, namespaceSelector: KUBE_SYSTEM, ports: [53] } },
      { action: 'Allow', protocol: 'TCP', destination: { nets: [POD_POOL.cidr] } },
      // A namespaced rule selector alone would only see this namespace: global() reaches GlobalNetworkSets.
      { action: 'Allow', protocol: 'TCP', destination: { selector: "external == 'saas'", namespaceSelector: 'global()', ports: [443] } },
      { action: 'Log', destination: { notNets: [CLUSTER_CIDR] } },
      { action: 'Deny' },
    ],
  });
}

function calicoFromVpn(ctx: Context, app: SyntheticApp): Resource {
  return calicoPolicy(ctx, app.namespace, `allow-${app.kind.app}-from-corp-vpn`, {
    order: 200,
    selector: `app == '${app.kind.app}'`,
    types: ['Ingress'],
    ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "external == 'corp-vpn'" }, destination: { ports: ['http'] } }],
  });
}

function* interleave<T>(...lists: readonly (readonly T[])[]): Generator<T> {
  for (let i = 0; lists.some((l) => i < l.length); i++) {
    for (const l of lists) if (i < l.length) yield l[i]!;
  }
}

function* calicoPolicies(ctx: Context): Generator<Resource> {
  const { calls } = ctx.graph;
  const egressApps = ctx.cluster.apps.filter((a) => a.kind.tier === 'backend');
  const vpnNamespaces = new Set(ctx.cluster.networkSets.map((s) => s.namespace));
  const vpnApps = ctx.cluster.apps.filter((a) => a.kind.app === 'api' && vpnNamespaces.has(a.namespace));
  // Thunks, so that policies past K are never built (nor draw from the random source).
  for (const make of interleave<() => Resource>(
    calls.map((c) => () => calicoAllow(ctx, c, 0)),
    egressApps.map((a) => () => calicoEgress(ctx, a)),
    vpnApps.map((a) => () => calicoFromVpn(ctx, a)),
  )) yield make();
  for (let round = 1; ; round++) {
    for (const c of calls) yield calicoAllow(ctx, c, round);
    for (const ns of ctx.cluster.namespaces) {
      yield calicoPolicy(ctx, ns, 'allow-from-monitoring', {
        selector: canary('all()', round),
        types: ['Ingress'],
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { namespaceSelector: MONITORING } }],
      });
    }
  }
}

// --- default tier: Kubernetes NetworkPolicy --------------------------------------------------------------------

function kubernetesPeer(client: SyntheticApp, server: SyntheticApp): Record<string, unknown> {
  const podSelector = { matchLabels: { app: client.kind.app } };
  if (client.namespace === server.namespace) return { podSelector };
  const ns = client.namespace;
  const namespaceSelector = ns.team === server.namespace.team
    ? { matchLabels: { team: ns.team, env: ns.env, tier: ns.tier } }
    : { matchLabels: { 'kubernetes.io/metadata.name': ns.name } };
  return { namespaceSelector, podSelector };
}

/** One policy per server: a rule per port, listing every caller of that port. */
function kubernetesAllow(ctx: Context, server: SyntheticApp, calls: readonly Call[], round: number): Resource {
  const byPort = new Map<string, Call[]>();
  for (const c of calls) byPort.set(c.portName, [...(byPort.get(c.portName) ?? []), c]);
  const ingress: Record<string, unknown>[] = [...byPort.values()].map((cs) => ({
    from: cs.map((c) => kubernetesPeer(c.client, server)),
    ports: [{ protocol: cs[0]!.protocol, port: port(ctx, cs[0]!) }],
  }));
  if (server.kind.app === 'gateway') {
    ingress.push({
      from: [{ ipBlock: { cidr: '0.0.0.0/0', except: [CLUSTER_CIDR, EXTERNAL.blocklist.cidr] } }],
      ports: [{ protocol: 'TCP', port: 'https' }],
    });
  }
  const podSelector: Record<string, unknown> = { matchLabels: { app: server.kind.app } };
  if (round > 0) podSelector.matchExpressions = [{ key: 'version', operator: 'NotIn', values: [`canary-${round}`] }];
  return kubernetesPolicy(ctx, server.namespace, `allow-${server.kind.app}-ingress`, { podSelector, policyTypes: ['Ingress'], ingress });
}

/** `typesOmitted`: as files written by hand do; API-server defaulting then adds Ingress too. */
function kubernetesEgress(ctx: Context, app: SyntheticApp, typesOmitted: boolean): Resource {
  const ns = app.namespace;
  const types = typesOmitted ? {} : { policyTypes: ['Egress'] };
  return kubernetesPolicy(ctx, ns, `${app.kind.app}-egress`, {
    podSelector: { matchLabels: { app: app.kind.app } },
    ...types,
    egress: [
      {
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
      { to: [{ podSelector: {} }] },
      {
        to: [{ namespaceSelector: { matchLabels: { team: ns.team, env: ns.env, tier: 'data' } } }],
        ports: [{ port: 5432 }, { port: 6379 }, { protocol: 'TCP', port: 9092, endPort: 9094 }],
      },
      { to: [{ namespaceSelector: { matchLabels: { tier: 'backend' } } }], ports: [{ port: 'grpc' }] },
      { to: [{ ipBlock: { cidr: EXTERNAL.saas.cidr } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ],
  });
}

function* kubernetesPolicies(ctx: Context): Generator<Resource> {
  const callsTo = new Map<SyntheticApp, Call[]>();
  for (const c of ctx.graph.calls) callsTo.set(c.server, [...(callsTo.get(c.server) ?? []), c]);
  const servers = ctx.cluster.apps.filter((a) => callsTo.has(a) || a.kind.app === 'gateway');
  // Namespace by namespace: its allows, then its default deny, then egress for its APIs (a quarter of them
  // without policyTypes, the first among them).
  let egress = 0;
  for (const ns of ctx.cluster.namespaces) {
    if (ns.tier === 'platform') continue;
    const here = ctx.cluster.apps.filter((a) => a.namespace === ns);
    if (here.length === 0) continue;
    for (const server of servers) if (server.namespace === ns) yield kubernetesAllow(ctx, server, callsTo.get(server) ?? [], 0);
    yield kubernetesPolicy(ctx, ns, 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    for (const app of here) if (app.kind.app === 'api') yield kubernetesEgress(ctx, app, egress++ % 4 === 0);
  }
  for (let round = 1; ; round++) {
    for (const server of servers) yield kubernetesAllow(ctx, server, callsTo.get(server) ?? [], round);
    for (const ns of ctx.cluster.namespaces) {
      yield kubernetesPolicy(ctx, ns, 'allow-same-namespace', {
        podSelector: round === 1 ? {} : { matchExpressions: [{ key: 'version', operator: 'NotIn', values: [`canary-${round}`] }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: {} }] }],
      });
    }
  }
}

// --- tiers and network sets ------------------------------------------------------------------------------------

function tierResources(): Resource[] {
  return Object.values(TIERS).map((t) => ({
    apiVersion: CALICO_API, kind: 'Tier', metadata: { name: t.name }, spec: { order: t.order, defaultAction: t.defaultAction },
  }));
}

function networkSetResources(cluster: SyntheticCluster): Resource[] {
  const global = (name: string, labels: Record<string, string>, nets: string[]): Resource => ({
    apiVersion: CALICO_API, kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets },
  });
  return [
    global('threat-feed', { feed: 'blocklist' }, [EXTERNAL.blocklist.cidr]),
    global('saas-apis', { external: 'saas' }, [EXTERNAL.saas.cidr]),
    global('partners', { external: 'partner' }, [EXTERNAL.partners.cidr]),
    ...cluster.networkSets.map((s) => ({
      apiVersion: CALICO_API, kind: 'NetworkSet',
      metadata: { name: s.name, namespace: s.namespace.name, labels: { ...s.labels } },
      spec: { nets: [s.cidr] },
    })),
  ];
}

/** The policy directory: tiers, network sets, then one file per tier or kind; files with nothing are left out. */
export function policyFiles(cluster: SyntheticCluster, graph: CallGraph, count: number, rng: Random): ResourceFile[] {
  const ctx: Context = { cluster, graph, rng, names: new Names() };
  const n = apportion(count, cluster.namespaces.length > 0);
  const security = n.security > 0 ? [...take(securityPolicies(ctx), n.security - 1), passToNextTier(ctx)] : [];
  const files: ResourceFile[] = [
    { path: 'policies/tiers.yaml', resources: tierResources() },
    { path: 'policies/network-sets.yaml', resources: networkSetResources(cluster) },
    { path: 'policies/security-tier.yaml', resources: security },
    { path: 'policies/platform-tier.yaml', resources: [...take(platformPolicies(ctx), n.platform)] },
    { path: 'policies/calico-network-policies.yaml', resources: [...take(calicoPolicies(ctx), n.calico)] },
    { path: 'policies/kubernetes-network-policies.yaml', resources: [...take(kubernetesPolicies(ctx), n.kubernetes)] },
  ];
  return files.filter((f) => f.resources.length > 0);
}
