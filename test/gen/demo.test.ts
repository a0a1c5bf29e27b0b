/**
 * The hand-written demo (fixtures/demo) stays consistent with itself: every resource parses, every flow names
 * pods that exist at its time, and the flows' `expect` notes cover what the README promises.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertSelectorsParse, GLOBAL_POLICY_NAME, inTenSlashEight, isCalicoPolicy, isKubernetesPolicy, isPolicy, namedPortsUsed,
  parseDocs, podAt, podsOf, PORT_NAME, valuesAt, type Doc,
} from './helpers.js';

const DEMO = new URL('../../fixtures/demo/', import.meta.url).pathname;

function docsIn(folder: string): Doc[] {
  const dir = join(DEMO, folder);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseDocs(readFileSync(join(dir, f), 'utf8'), `${folder}/${f}`));
}

const inventory = docsIn('inventory');
const policies = docsIn('policies');
const change = docsIn('change');
const pods = podsOf(inventory);
const lines = readFileSync(join(DEMO, 'flows.jsonl'), 'utf8').split('\n').filter((l) => l !== '');

interface DemoFlow {
  readonly time: string;
  readonly src_ip: string;
  readonly dst_ip: string;
  readonly src_port: number;
  readonly dst_port: number;
  readonly proto?: string;
  readonly action?: string;
  readonly expect: string;
}

/** Lines that parse as JSON and carry a protocol; the rest are the demo's deliberate dead letters. */
const parsed = lines.map((l) => {
  try {
    return JSON.parse(l) as DemoFlow;
  } catch {
    return undefined;
  }
});
const flows = parsed.filter((f): f is DemoFlow & { proto: string } => f?.proto !== undefined);
const classOf = (f: DemoFlow): string => f.expect.slice(0, f.expect.indexOf(':'));

describe('demo resources', () => {
  it('has four namespaces, a few dozen pods and a service account for every pod that names one', () => {
    expect(inventory.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name).sort())
      .toEqual(['backend', 'data', 'frontend', 'monitoring']);
    expect(pods.length).toBeGreaterThanOrEqual(20);
    const accounts = new Set(inventory.filter((d) => d.kind === 'ServiceAccount').map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
    for (const pod of inventory.filter((d) => d.kind === 'Pod')) {
      const sa = (pod.spec as { serviceAccountName?: string }).serviceAccountName ?? 'default';
      expect(accounts).toContain(`${pod.metadata.namespace}/${sa}`);
    }
    for (const port of pods.flatMap((p) => p.ports)) expect(port.name).toMatch(PORT_NAME);
  });

  it('gives each address to one pod at a time, and one address to two pods in turn', () => {
    for (const a of pods) {
      for (const b of pods) {
        if (a !== b && a.ip === b.ip) expect(a.until <= b.from || b.until <= a.from, `${a.name} and ${b.name}`).toBe(true);
      }
    }
    expect(pods.filter((p) => p.ip === '10.42.2.50').map((p) => p.app).sort()).toEqual(['debug-shell', 'payments']);
  });

  it('puts policy in two tiers: security global policies that Deny and Pass, and the default tier', () => {
    expect(policies.filter((d) => d.kind === 'Tier').map((d) => [d.metadata.name, d.spec])).toEqual([
      ['security', { order: 100, defaultAction: 'Deny' }],
    ]);
    const tierOf = (d: Doc): string => (d.spec?.tier as string | undefined) ?? 'default';
    const security = policies.filter((d) => isPolicy(d) && tierOf(d) === 'security');
    expect(new Set(security.map((d) => d.kind))).toEqual(new Set(['GlobalNetworkPolicy']));
    expect(valuesAt(security.map((d) => d.spec), 'action')).toEqual(expect.arrayContaining(['Deny', 'Pass', 'Log']));
    const defaults = policies.filter((d) => isPolicy(d) && tierOf(d) === 'default');
    expect(defaults.some(isKubernetesPolicy)).toBe(true);
    expect(defaults.some((d) => isCalicoPolicy(d) && d.kind === 'NetworkPolicy')).toBe(true);
    expect(policies.filter((d) => d.kind === 'GlobalNetworkSet').length).toBeGreaterThan(0);
    for (const d of [...policies, ...change].filter(isCalicoPolicy)) {
      expect(d.metadata.name).toMatch(GLOBAL_POLICY_NAME);
      assertSelectorsParse(d);
    }
  });

  it('refers only to named ports the pods declare', () => {
    const declared = new Set(pods.flatMap((p) => p.ports.map((x) => x.name)));
    for (const name of [...policies, ...change].filter(isPolicy).flatMap(namedPortsUsed)) expect(declared).toContain(name);
  });

  it('stages the change: a Set replacing an enforced policy, a new policy, and a Delete with nothing but its action', () => {
    expect(change.every((d) => d.kind.startsWith('Staged'))).toBe(true);
    const enforced = new Set(policies.filter(isPolicy).map((d) => `${d.metadata.namespace ?? ''}/${d.metadata.name}`));
    const actions = change.map((d) => [d.kind, d.spec?.stagedAction, enforced.has(`${d.metadata.namespace ?? ''}/${d.metadata.name}`)]);
    expect(actions).toEqual(expect.arrayContaining([
      ['StagedKubernetesNetworkPolicy', 'Set', true],
      ['StagedGlobalNetworkPolicy', 'Set', false],
      ['StagedNetworkPolicy', 'Delete', true],
    ]));
    // libcalico-go validator: with stagedAction Delete, every spec field but the tier must be empty.
    expect(change.find((d) => d.spec?.stagedAction === 'Delete')?.spec).toEqual({ stagedAction: 'Delete' });
  });
});

describe('demo flows', () => {
  it('are a few hundred lines, two of them deliberately broken', () => {
    expect(lines.length).toBeGreaterThan(200);
    expect(parsed.filter((f) => f === undefined)).toHaveLength(1);
    expect(parsed.filter((f) => f !== undefined && f.proto === undefined).map((f) => f!.expect)).toEqual(['dead-letter: no proto']);
    expect(flows).toHaveLength(lines.length - 2);
  });

  it('spread over one day in time order', () => {
    const times = flows.map((f) => Date.parse(f.time));
    expect(times.every((t) => t >= Date.UTC(2026, 2, 2) && t < Date.UTC(2026, 2, 3))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(20 * 3_600_000);
  });

  it('involve only pods that exist at the flow time, or addresses outside the cluster', () => {
    for (const f of flows) {
      for (const ip of [f.src_ip, f.dst_ip]) {
        if (inTenSlashEight(ip)) expect(podAt(pods, ip, Date.parse(f.time)), `${ip} at ${f.time}`).toBeDefined();
      }
    }
  });

  it('reach the reused address while each of its pods holds it', () => {
    const holders = new Set(flows.filter((f) => f.src_ip === '10.42.2.50' || f.dst_ip === '10.42.2.50')
      .map((f) => podAt(pods, '10.42.2.50', Date.parse(f.time))!.app));
    expect(holders).toEqual(new Set(['debug-shell', 'payments']));
  });

  it('expect every class, in the numbers the README states', () => {
    const counts: Record<string, number> = {};
    for (const f of flows) counts[classOf(f)] = (counts[classOf(f)] ?? 0) + 1;
    expect(counts).toEqual({ 'unchanged-allow': 220, 'unchanged-deny': 43, 'would-block': 28, 'would-allow': 30 });
  });

  it('carry the observed action on most lines, consistent with the current verdict except two', () => {
    const observed = flows.filter((f) => f.action !== undefined);
    expect(observed.length / flows.length).toBeGreaterThan(0.8);
    const currentlyAllowed = (f: DemoFlow): boolean => ['unchanged-allow', 'would-block'].includes(classOf(f));
    const mismatches = observed.filter((f) => (f.action === 'allow') !== currentlyAllowed(f));
    expect(mismatches.map((f) => f.expect)).toEqual([
      expect.stringMatching(/^unchanged-deny: .*observed allow contradicts/),
      expect.stringMatching(/^unchanged-allow: .*observed deny contradicts/),
    ]);
  });
});
