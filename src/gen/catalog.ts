/**
 * The vocabulary synthetic clusters are built from: which applications exist, what they listen on, who calls whom,
 * and which address ranges lie outside the cluster. Plain data; cluster.ts draws from it.
 */

export type AppTier = 'frontend' | 'backend' | 'data' | 'platform';
export type PortProtocol = 'TCP' | 'UDP';

export interface ContainerPortSpec {
  /** IANA service name (at most 15 characters): what named-port rules refer to. */
  readonly name: string;
  readonly port: number;
  readonly protocol: PortProtocol;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly ContainerPortSpec[];
}

/** A kind of application: its pods all look alike. */
export interface AppKind {
  /** The `app` label. */
  readonly app: string;
  readonly tier: AppTier;
  /** StatefulSets name pods `<app>-<ordinal>`; Deployments `<app>-<template hash>-<suffix>`. */
  readonly workload: 'Deployment' | 'StatefulSet';
  readonly containers: readonly ContainerSpec[];
  /** The named port its clients call; absent for apps nobody calls (workers, scrapers). */
  readonly servesOn?: string;
  /** Extra labels every pod carries (CoreDNS keeps the historical `k8s-app: kube-dns`). */
  readonly extraLabels?: Readonly<Record<string, string>>;
  /** Runs under the namespace's `default` service account rather than one of its own. */
  readonly defaultServiceAccount?: boolean;
}

const metrics = (port: number): ContainerPortSpec => ({ name: 'metrics', port, protocol: 'TCP' });

export const APPS = {
  web: {
    app: 'web', tier: 'frontend', workload: 'Deployment', servesOn: 'http',
    containers: [{ name: 'web', image: 'registry.example.com/web', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, metrics(9102)] }],
  },
  gateway: {
    app: 'gateway', tier: 'frontend', workload: 'Deployment', servesOn: 'https',
    containers: [{ name: 'envoy', image: 'registry.example.com/gateway', ports: [{ name: 'https', port: 8443, protocol: 'TCP' }, metrics(9102)] }],
  },
  bff: {
    app: 'bff', tier: 'frontend', workload: 'Deployment', servesOn: 'http', defaultServiceAccount: true,
    containers: [{ name: 'bff', image: 'registry.example.com/bff', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, metrics(9102)] }],
  },
  api: {
    app: 'api', tier: 'backend', workload: 'Deployment', servesOn: 'http',
    containers: [{
      name: 'api', image: 'registry.example.com/api',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'grpc', port: 9090, protocol: 'TCP' }, metrics(9102)],
    }],
  },
  orders: {
    app: 'orders', tier: 'backend', workload: 'Deployment', servesOn: 'grpc',
    containers: [{ name: 'orders', image: 'registry.example.com/orders', ports: [{ name: 'grpc', port: 9090, protocol: 'TCP' }, metrics(9102)] }],
  },
  worker: {
    app: 'worker', tier: 'backend', workload: 'Deployment', defaultServiceAccount: true,
    containers: [{ name: 'worker', image: 'registry.example.com/worker', ports: [metrics(9102)] }],
  },
  postgres: {
    app: 'postgres', tier: 'data', workload: 'StatefulSet', servesOn: 'postgres',
    containers: [
      { name: 'postgres', image: 'docker.io/library/postgres', ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }] },
      { name: 'exporter', image: 'quay.io/prometheuscommunity/postgres-exporter', ports: [metrics(9187)] },
    ],
  },
  redis: {
    app: 'redis', tier: 'data', workload: 'StatefulSet', servesOn: 'redis',
    containers: [
      { name: 'redis', image: 'docker.io/library/redis', ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }] },
      { name: 'exporter', image: 'docker.io/oliver006/redis_exporter', ports: [metrics(9121)] },
    ],
  },
  kafka: {
    app: 'kafka', tier: 'data', workload: 'StatefulSet', servesOn: 'kafka',
    containers: [{ name: 'kafka', image: 'docker.io/apache/kafka', ports: [{ name: 'kafka', port: 9092, protocol: 'TCP' }, metrics(9308)] }],
  },
  coredns: {
    app: 'coredns', tier: 'platform', workload: 'Deployment', servesOn: 'dns',
    extraLabels: { 'k8s-app': 'kube-dns' },
    containers: [{
      name: 'coredns', image: 'registry.k8s.io/coredns/coredns',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, metrics(9153)],
    }],
  },
  prometheus: {
    app: 'prometheus', tier: 'platform', workload: 'StatefulSet', servesOn: 'web',
    containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus', ports: [{ name: 'web', port: 9090, protocol: 'TCP' }] }],
  },
  grafana: {
    app: 'grafana', tier: 'platform', workload: 'Deployment', servesOn: 'http',
    containers: [{ name: 'grafana', image: 'docker.io/grafana/grafana', ports: [{ name: 'http', port: 3000, protocol: 'TCP' }] }],
  },
} as const satisfies Record<string, AppKind>;

/** What an application namespace of each tier runs, most important first (a namespace with one pod runs the first). */
export const NAMESPACE_APPS: Readonly<Record<'frontend' | 'backend' | 'data', readonly AppKind[]>> = {
  frontend: [APPS.web, APPS.gateway, APPS.bff],
  backend: [APPS.api, APPS.orders, APPS.worker],
  data: [APPS.postgres, APPS.redis, APPS.kafka],
};

/**
 * Business domains; each yields a `<domain>-web`, `<domain>-api` and `<domain>-db` namespace owned by one team, so
 * namespace tiers call each other the way product teams' services do.
 */
export const DOMAINS: readonly { readonly domain: string; readonly team: string }[] = [
  { domain: 'storefront', team: 'web' },
  { domain: 'checkout', team: 'payments' },
  { domain: 'catalog', team: 'merch' },
  { domain: 'identity', team: 'iam' },
  { domain: 'shipping', team: 'logistics' },
  { domain: 'search', team: 'discovery' },
  { domain: 'billing', team: 'finance' },
  { domain: 'reviews', team: 'community' },
  { domain: 'inventory', team: 'supply' },
  { domain: 'messaging', team: 'notify' },
  { domain: 'analytics', team: 'insights' },
  { domain: 'support', team: 'care' },
];

/** Namespace tiers in the order a domain's namespaces are created. */
export const DOMAIN_TIERS = ['frontend', 'backend', 'data'] as const;
export const DOMAIN_SUFFIX: Readonly<Record<(typeof DOMAIN_TIERS)[number], string>> = { frontend: 'web', backend: 'api', data: 'db' };

/** Platform namespaces, created first when there is room for them and for at least one application namespace. */
export const PLATFORM_NAMESPACES = {
  dns: { name: 'kube-system', team: 'platform', apps: [APPS.coredns] },
  monitoring: { name: 'monitoring', team: 'platform', apps: [APPS.prometheus, APPS.grafana] },
} as const;

/**
 * Address ranges outside the cluster. The RFC 5737 documentation ranges and the RFC 2544 benchmarking range are
 * never routed on the Internet, so synthetic logs never name a real third party.
 */
export const EXTERNAL = {
  /** A threat-intelligence feed: the security tier denies it both ways. */
  blocklist: { cidr: '203.0.113.0/24', base: 0xcb007100 },
  /** SaaS APIs that backends call on 443. */
  saas: { cidr: '198.51.100.0/24', base: 0xc6336400 },
  /** Partners' ranges. */
  partners: { cidr: '192.0.2.0/24', base: 0xc0000200 },
  /** The rest of the Internet: listed in no network set. */
  internet: { cidr: '198.18.0.0/15', base: 0xc6120000, size: 1 << 17 },
  /** Corporate VPN egress ranges, one /24 per namespaced NetworkSet. */
  corpVpn: { base: 0xac100000 },
} as const;

/** Pod addresses: Calico IPAM hands each node a /26 block out of this pool. */
export const POD_POOL = { cidr: '10.64.0.0/10', base: 0x0a400000, blockSize: 64, podsPerNode: 40 } as const;
/** Node (host) addresses: 10.0.0.10 upwards, inside NODE_CIDR. */
export const NODE_BASE = 0x0a00000a;
export const NODE_CIDR = '10.0.0.0/16';
/** Every address the cluster hands out (pods and nodes): what "internal" means in CIDR rules. */
export const CLUSTER_CIDR = '10.0.0.0/8';

/** Ports nobody should be reaching: the security tier denies them and stray flows probe them. */
export const INSECURE_PORTS: readonly number[] = [23, 135, 445, 3389, 5900];
/** Ports stray flows try that no application serves. */
export const STRAY_PORTS: readonly number[] = [22, 23, 80, 443, 3306, 5900, 6443, 8000, 8081, 27017];
