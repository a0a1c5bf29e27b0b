import { describe, expect, it } from 'vitest';
import { DAY_MS, DAY_START_MS } from '../../src/gen/cluster.js';
import { apportion, TIERS } from '../../src/gen/policies.js';
import { toYamlDocuments } from '../../src/gen/resource.js';
import { generateWorkload, INVENTORY_FILE, type Workload, type WorkloadOptions } from '../../src/gen/workload.js';
import {
  assertSelectorsParse, calicoSelectors, GLOBAL_POLICY_NAME, inTenSlashEight, isCalicoPolicy, isKubernetesPolicy, isPolicy, namedPortsUsed,
  parseDocs, podAt, podsOf, PORT_NAME, TIER_NAME, valuesAt, type Doc,
} from './helpers.js';

const SMALL: WorkloadOptions = { namespaces: 8, pods: 150, policies: 60, flows: 4000, seed: 42 };

function yamlOf(w: Workload): Map<string, string> {
  return new Map(w.files.map((f) => [f.path, toYamlDocuments(f.resources)]));
}

function docsOf(w: Workload): Doc[] {
  return [...yamlOf(w)].flatMap(([path, text]) => parseDocs(text, path));
}

interface FlowLine {
  time: string;
  src_ip: string;
  dst_ip: string;
  src_port?: number;
  dst_port?: number;
  proto: string;
  action?: string;
  reporter: string;
  bytes: number;
  packets: number;
  icmp_type?: number;
  icmp_code?: number;
}

const workload = generateWorkload(SMALL);
const docs = docsOf(workload);
const flows = [...workload.flows()].map((l) => JSON.parse(l) as FlowLine);

describe('determinism', () => {
  it('gives the same YAML and the same flow lines for the same seed', () => {
    const again = generateWorkload(SMALL);
    expect(yamlOf(again)).toEqual(yamlOf(workload));
    expect([...again.flows()].join('\n')).toBe([...workload.flows()].join('\n'));
  });

  it('gives a different cluster, policy and traffic for another seed', () => {
    const other = generateWorkload({ ...SMALL, seed: 43 });
    const [mine, theirs] = [yamlOf(workload), yamlOf(other)];
    expect(theirs.get(INVENTORY_FILE)).not.toBe(mine.get(INVENTORY_FILE));
    expect(theirs.get('policies/calico-network-policies.yaml')).not.toBe(mine.get('policies/calico-network-policies.yaml'));
    expect([...other.flows()].join('\n')).not.toBe([...workload.flows()].join('\n'));
  });

  it('draws the cluster independently of how many flows and policies are asked for', () => {
    const more = generateWorkload({ ...SMALL, flows: 10, policies: 3 });
    expect(yamlOf(more).get(INVENTORY_FILE)).toBe(yamlOf(workload).get(INVENTORY_FILE));
  });

  it('starts the flow sequence over on every call', () => {
    const first = workload.flows().next().value;
    expect(workload.flows().next().value).toBe(first);
  });

  it('draws flows lazily: a trillion-flow workload yields its first lines at once', () => {
    const huge = generateWorkload({ ...SMALL, flows: 1e12 });
    const it = huge.flows();
    const lines = [it.next().value, it.next().value, it.next().value];
    expect(lines.every((l) => typeof l === 'string' && l.startsWith('{"time":"2026-03-02T00:00:00.000Z"'))).toBe(true);
  });
});

describe('counts', () => {
  it.each([
    { namespaces: 1, pods: 1, policies: 1, flows: 1 },
    { namespaces: 2, pods: 5, policies: 3, flows: 10 },
    { namespaces: 3, pods: 17, policies: 7, flows: 100 },
    { namespaces: 8, pods: 150, policies: 60, flows: 4000 },
    { namespaces: 30, pods: 600, policies: 500, flows: 50 },
    { namespaces: 5, pods: 0, policies: 10, flows: 0 },
    { namespaces: 0, pods: 0, policies: 4, flows: 0 },
    { namespaces: 4, pods: 30, policies: 0, flows: 20 },
    { namespaces: 100, pods: 70, policies: 5, flows: 10 },
  ])('$namespaces namespaces, $pods pods, $policies policies, $flows flows', (counts) => {
    const w = generateWorkload({ ...counts, seed: 7 });
    const all = docsOf(w);
    expect(all.filter((d) => d.kind === 'Namespace')).toHaveLength(counts.namespaces);
    expect(all.filter((d) => d.kind === 'Pod')).toHaveLength(counts.pods);
    expect(all.filter(isPolicy)).toHaveLength(counts.policies);
    for (const d of all.filter(isCalicoPolicy)) assertSelectorsParse(d);
    expect([...w.flows()]).toHaveLength(counts.flows);
  });

  it.each([
    { options: { namespaces: -1 }, message: /--namespaces/ },
    { options: { pods: 1.5 }, message: /--pods/ },
    { options: { flows: Number.NaN }, message: /--flows/ },
    { options: { namespaces: 0, pods: 3 }, message: /--pods needs at least one namespace/ },
    { options: { pods: 0, flows: 3 }, message: /--flows needs at least one pod/ },
  ])('rejects $options', ({ options, message }) => {
    expect(() => generateWorkload({ ...SMALL, ...options })).toThrow(message);
  });

  it.each([
    { total: 0, want: { kubernetes: 0, calico: 0, security: 0, platform: 0 } },
    { total: 1, want: { kubernetes: 1, calico: 0, security: 0, platform: 0 } },
    { total: 2, want: { kubernetes: 1, calico: 1, security: 0, platform: 0 } },
    { total: 10, want: { kubernetes: 5, calico: 3, security: 1, platform: 1 } },
    { total: 100, want: { kubernetes: 45, calico: 35, security: 10, platform: 10 } },
  ])('splits $total policies over tiers and kinds', ({ total, want }) => {
    expect(apportion(total, true)).toEqual(want);
  });

  it('puts every policy in a tier when there is no namespace for namespaced kinds', () => {
    expect(apportion(5, false)).toEqual({ kubernetes: 0, calico: 0, security: 3, platform: 2 });
  });
});

describe('resources', () => {
  const byKind = (kind: string): Doc[] => docs.filter((d) => d.kind === kind);
  const namespaces = new Set(byKind('Namespace').map((d) => d.metadata.name));

  it('labels namespaces with team, env and tier', () => {
    for (const ns of byKind('Namespace')) {
      expect(Object.keys(ns.metadata.labels ?? {})).toEqual(expect.arrayContaining(['team', 'env', 'tier', 'kubernetes.io/metadata.name']));
    }
  });

  it('puts every namespaced resource in a namespace that exists', () => {
    for (const d of docs.filter((x) => x.metadata.namespace !== undefined)) expect(namespaces).toContain(d.metadata.namespace);
  });

  it('gives pods app, tier, version and team labels, a service account that exists, an IP and named ports', () => {
    const accounts = new Set(byKind('ServiceAccount').map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
    for (const pod of byKind('Pod')) {
      expect(Object.keys(pod.metadata.labels ?? {})).toEqual(expect.arrayContaining(['app', 'tier', 'version', 'team']));
      expect(accounts).toContain(`${pod.metadata.namespace}/${(pod.spec as { serviceAccountName: string }).serviceAccountName}`);
      expect(pod.status?.podIPs).toEqual([{ ip: expect.stringMatching(/^10\.\d+\.\d+\.\d+$/) }]);
    }
    for (const port of podsOf(docs).flatMap((p) => p.ports)) expect(port.name).toMatch(PORT_NAME);
  });

  it('reuses some pod IPs: a pod deleted during the day, then a pod of another application on its address', () => {
    const pods = podsOf(docs);
    const reused = pods.filter((p) => p.until !== Number.POSITIVE_INFINITY).map((gone) => {
      const next = pods.find((p) => p !== gone && p.ip === gone.ip);
      return { gone, next };
    });
    expect(reused.length).toBeGreaterThan(0);
    for (const { gone, next } of reused) {
      expect(next).toBeDefined();
      expect(next!.from).toBeGreaterThanOrEqual(gone.until);
      expect(`${next!.namespace}/${next!.app}`).not.toBe(`${gone.namespace}/${gone.app}`);
    }
    // Otherwise addresses are unique.
    const live = pods.filter((p) => p.from < DAY_START_MS);
    expect(new Set(live.map((p) => p.ip)).size).toBe(live.length);
  });

  it('defines the tiers the policies are in, with the orders and default actions they should have', () => {
    const tiers = new Map(byKind('Tier').map((t) => [t.metadata.name, t.spec]));
    expect(tiers.get('security')).toEqual({ order: TIERS.security.order, defaultAction: 'Deny' });
    expect(tiers.get('platform')).toEqual({ order: TIERS.platform.order, defaultAction: 'Pass' });
    for (const name of tiers.keys()) expect(name).toMatch(TIER_NAME);
    for (const p of docs.filter(isCalicoPolicy)) {
      const tier = (p.spec?.tier as string | undefined) ?? 'default';
      if (tier !== 'default') {
        expect(tiers.has(tier)).toBe(true);
        expect(p.metadata.name.startsWith(`${tier}.`)).toBe(true);
      }
    }
  });

  it('names policies uniquely and the way Calico accepts', () => {
    const ids = docs.filter(isPolicy).map((d) => `${d.apiVersion}/${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of docs.filter(isCalicoPolicy)) expect(d.metadata.name).toMatch(GLOBAL_POLICY_NAME);
  });

  it('writes only selectors that parse', () => {
    for (const d of docs.filter(isCalicoPolicy)) assertSelectorsParse(d);
  });

  it('refers only to named ports some pod declares', () => {
    const declared = new Set(podsOf(docs).flatMap((p) => p.ports.map((x) => x.name)));
    const used = docs.filter(isPolicy).flatMap(namedPortsUsed);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(declared).toContain(name);
  });

  it('mixes the policy features the engine must handle', () => {
    const calico = docs.filter(isCalicoPolicy);
    const actions = new Set(valuesAt(calico.map((d) => d.spec), 'action'));
    expect([...actions].sort()).toEqual(['Allow', 'Deny', 'Log', 'Pass']);
    const kinds = new Set(docs.filter(isPolicy).map((d) => `${d.apiVersion} ${d.kind}`));
    expect([...kinds].sort()).toEqual([
      'networking.k8s.io/v1 NetworkPolicy', 'projectcalico.org/v3 GlobalNetworkPolicy', 'projectcalico.org/v3 NetworkPolicy',
    ]);
    const specs = docs.filter(isPolicy).map((d) => d.spec);
    for (const field of ['namespaceSelector', 'nets', 'notNets', 'ipBlock', 'except', 'endPort']) {
      expect(valuesAt(specs, field).length, field).toBeGreaterThan(0);
    }
    expect(valuesAt(calico.map((d) => d.spec), 'namespaceSelector')).toContain('global()');
    // Allows by the pods' app and tier labels.
    const selectors = calico.flatMap(calicoSelectors);
    expect(selectors.some((x) => x.startsWith('app == '))).toBe(true);
    expect(selectors.some((x) => /^tier (==|in) /.test(x))).toBe(true);
    expect(docs.filter(isKubernetesPolicy).some((d) => d.spec?.policyTypes === undefined)).toBe(true);
    // The security tier's last word is a Pass with no order (nil sorts last).
    const pass = calico.find((d) => d.metadata.name === 'security.pass-to-next-tier');
    expect(pass?.spec?.order).toBeUndefined();
    expect(byKind('GlobalNetworkSet').length).toBeGreaterThan(0);
    expect(byKind('NetworkSet').length).toBeGreaterThan(0);
  });
});

describe('flows', () => {
  const pods = podsOf(docs);

  it('are canonical records with the required fields', () => {
    const problems = flows.flatMap((f) => {
      const wrong: string[] = [];
      const check = (ok: boolean, what: string): void => {
        if (!ok) wrong.push(`${what}: ${JSON.stringify(f)}`);
      };
      check(typeof f.src_ip === 'string' && typeof f.dst_ip === 'string', 'addresses');
      check(['TCP', 'UDP', 'ICMP'].includes(f.proto), 'proto');
      if (f.proto === 'ICMP') {
        check(f.icmp_type === 8 && f.icmp_code === 0 && f.src_port === undefined && f.dst_port === undefined, 'icmp echo');
      } else {
        check(Number.isInteger(f.src_port) && f.src_port! >= 32768 && f.src_port! <= 60999, 'ephemeral source port');
        check(Number.isInteger(f.dst_port) && f.dst_port! > 0 && f.dst_port! < 65536, 'destination port');
      }
      check([undefined, 'allow', 'deny'].includes(f.action), 'action');
      check(['src', 'dst'].includes(f.reporter), 'reporter');
      check(Number.isInteger(f.packets) && f.packets > 0 && f.bytes >= f.packets * 60, 'counters');
      return wrong;
    });
    expect(problems).toEqual([]);
  });

  it('cover one day in time order, with RFC 3339 timestamps', () => {
    const times = flows.map((f) => {
      expect(f.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      return Date.parse(f.time);
    });
    expect(times[0]).toBe(DAY_START_MS);
    expect(times.at(-1)).toBeLessThan(DAY_START_MS + DAY_MS);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it('carry an observed action on most lines, both allow and deny', () => {
    const observed = flows.filter((f) => f.action !== undefined);
    expect(observed.length / flows.length).toBeGreaterThan(0.6);
    expect(observed.length / flows.length).toBeLessThan(0.8);
    expect(new Set(observed.map((f) => f.action))).toEqual(new Set(['allow', 'deny']));
  });

  it('only involve pods that exist at the flow time, or addresses outside the cluster', () => {
    for (const f of flows) {
      const time = Date.parse(f.time);
      for (const ip of [f.src_ip, f.dst_ip]) {
        if (inTenSlashEight(ip)) expect(podAt(pods, ip, time), `${ip} at ${f.time}`).toBeDefined();
      }
    }
  });

  it('mix traffic within and across namespaces, to and from outside, on ports served and not', () => {
    const ns = (ip: string, time: number): string | undefined => podAt(pods, ip, time)?.namespace;
    const shapes = new Set(flows.map((f) => {
      const t = Date.parse(f.time);
      const [s, d] = [ns(f.src_ip, t), ns(f.dst_ip, t)];
      if (s === undefined) return 'from-outside';
      if (d === undefined) return 'to-outside';
      return s === d ? 'same-namespace' : 'cross-namespace';
    }));
    expect([...shapes].sort()).toEqual(['cross-namespace', 'from-outside', 'same-namespace', 'to-outside']);
    const served = (f: FlowLine): boolean => {
      const dst = podAt(pods, f.dst_ip, Date.parse(f.time));
      return dst === undefined || dst.ports.some((p) => p.port === f.dst_port && p.protocol === f.proto);
    };
    const tcpUdp = flows.filter((f) => f.proto !== 'ICMP');
    expect(tcpUdp.some(served)).toBe(true);
    expect(tcpUdp.some((f) => !served(f))).toBe(true);
  });

  it('send traffic to a reused IP both before and after it changed hands', () => {
    const reused = pods.filter((p) => p.until !== Number.POSITIVE_INFINITY);
    const touched = (p: { ip: string; from: number; until: number }): boolean =>
      flows.some((f) => (f.src_ip === p.ip || f.dst_ip === p.ip) && Date.parse(f.time) >= p.from && Date.parse(f.time) < p.until);
    const both = reused.filter((gone) => {
      const next = pods.find((p) => p !== gone && p.ip === gone.ip)!;
      return touched(gone) && touched(next);
    });
    expect(both.length).toBeGreaterThan(0);
  });
});
