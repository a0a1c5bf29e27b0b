/**
 * Who talks to whom inside the synthetic cluster. Policies allow these calls and flows draw from them, so most
 * generated traffic is traffic the generated policy means to allow.
 */
import type { PortProtocol } from './catalog.js';
import type { SyntheticApp, SyntheticCluster, SyntheticNamespace } from './cluster.js';

/** One application calling another on one of the server's named ports. */
export interface Call {
  readonly client: SyntheticApp;
  readonly server: SyntheticApp;
  readonly portName: string;
  readonly port: number;
  readonly protocol: PortProtocol;
}

export interface CallGraph {
  /** Application traffic, within a namespace and across a domain's namespaces. */
  readonly calls: readonly Call[];
  /** Every application resolving names through CoreDNS. */
  readonly dns: readonly Call[];
  /** Prometheus scraping every `metrics` port. */
  readonly scrapes: readonly Call[];
}

/**
 * Where a client looks for a server: its own namespace, its domain's backend or data namespace, or the backend
 * namespace of the next domain (cross-team API calls).
 */
type Where = 'same' | 'backend' | 'data' | 'next-backend';

const CALLS: Readonly<Record<string, readonly { readonly app: string; readonly where: Where; readonly port?: string }[]>> = {
  gateway: [{ app: 'web', where: 'same' }, { app: 'api', where: 'backend' }],
  web: [{ app: 'bff', where: 'same' }, { app: 'api', where: 'backend' }],
  bff: [{ app: 'api', where: 'backend' }, { app: 'orders', where: 'backend' }],
  api: [
    { app: 'orders', where: 'same' }, { app: 'postgres', where: 'data' }, { app: 'redis', where: 'data' },
    { app: 'api', where: 'next-backend', port: 'grpc' },
  ],
  orders: [{ app: 'postgres', where: 'data' }, { app: 'kafka', where: 'data' }],
  worker: [{ app: 'api', where: 'same' }, { app: 'kafka', where: 'data' }, { app: 'redis', where: 'data' }],
  grafana: [{ app: 'prometheus', where: 'same' }],
};

function call(client: SyntheticApp, server: SyntheticApp, portName: string): Call | undefined {
  for (const container of server.kind.containers) {
    for (const p of container.ports) {
      if (p.name === portName) return { client, server, portName, port: p.port, protocol: p.protocol };
    }
  }
  return undefined;
}

export function callGraph(cluster: SyntheticCluster): CallGraph {
  const appAt = new Map<string, SyntheticApp>(cluster.apps.map((a) => [`${a.namespace.name}/${a.kind.app}`, a]));
  const inGroup = new Map<string, SyntheticNamespace>();
  const groups: string[] = [];
  for (const ns of cluster.namespaces) {
    if (ns.tier === 'platform') continue;
    if (!groups.includes(ns.group)) groups.push(ns.group);
    inGroup.set(`${ns.group}/${ns.tier}`, ns);
  }
  const namespaceFor = (client: SyntheticNamespace, where: Where): SyntheticNamespace | undefined => {
    switch (where) {
      case 'same': return client;
      case 'backend': return inGroup.get(`${client.group}/backend`);
      case 'data': return inGroup.get(`${client.group}/data`);
      case 'next-backend': {
        const next = groups[(groups.indexOf(client.group) + 1) % groups.length];
        return next === client.group ? undefined : inGroup.get(`${next}/backend`);
      }
    }
  };

  const calls: Call[] = [];
  for (const client of cluster.apps) {
    for (const target of CALLS[client.kind.app] ?? []) {
      const ns = namespaceFor(client.namespace, target.where);
      const server = ns && appAt.get(`${ns.name}/${target.app}`);
      const c = server && server !== client && call(client, server, target.port ?? server.kind.servesOn ?? '');
      if (c) calls.push(c);
    }
  }
  const coredns = cluster.apps.find((a) => a.kind.app === 'coredns');
  const prometheus = cluster.apps.find((a) => a.kind.app === 'prometheus');
  const dns = coredns ? cluster.apps.flatMap((a) => (a === coredns ? [] : [call(a, coredns, 'dns')!])) : [];
  const scrapes = prometheus
    ? cluster.apps.flatMap((a) => {
      const c = a === prometheus ? undefined : call(prometheus, a, 'metrics');
      return c ? [c] : [];
    })
    : [];
  return { calls, dns, scrapes };
}
