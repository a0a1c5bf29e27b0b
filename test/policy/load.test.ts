import { describe, expect, test } from 'vitest';
import { loadResources } from '../../src/policy/load.js';
import { codes, load } from './helpers.js';

const TREE = 'fixtures/policy/tree';

describe('loadResources: files and folders', () => {
  test('walks folders recursively, sorted bytewise, .yaml/.yml/.json only, skipping dot entries', async () => {
    const result = await loadResources([TREE]);
    const origins = result.policySet.policies.map((p) => `${p.origin?.file}:${p.origin?.line}`);
    expect(origins).toEqual([
      `${TREE}/20-policies.yml:1`,
      `${TREE}/20-policies.yml:16`,
      `${TREE}/30-kubectl-list.json:5`,
      `${TREE}/nested/50-staged.yaml:1`,
      `${TREE}/nested/deeper/40-admin.yaml:1`,
    ]);
    expect([...result.policySet.tiers.keys()]).toEqual(['kube-admin', 'default', 'kube-baseline', 'security']);
    expect(result.policySet.networkSets.map((s) => s.name)).toEqual(['blocked-ranges']);
  });

  test('passes inventory kinds through with their origin and List path', async () => {
    const result = await loadResources([TREE]);
    expect(result.inventory.map((r) => [r.kind, r.metadata.namespace, r.metadata.name, r.origin.file, r.origin.line, r.path])).toEqual([
      ['Pod', 'production', 'db-0', `${TREE}/30-kubectl-list.json`, 11, 'items[1]'],
      ['Namespace', undefined, 'production', `${TREE}/nested/deeper/40-admin.yaml`, 16, ''],
    ]);
    const pod = result.inventory[0];
    expect(pod?.metadata.labels).toEqual({ app: 'db', color: 'red' });
    expect(pod?.object.status).toEqual({ podIPs: [{ ip: '10.1.0.10' }] });
  });

  test('reports an unknown kind once per file and kind, with the count', async () => {
    const result = await loadResources([TREE]);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.path, d.message])).toEqual([
      ['unknown-kind', `${TREE}/30-kubectl-list.json`, 20, 'items[2].kind', 'apps/v1 Deployment is not a kind flowaudit uses; skipped (2 documents in this file)'],
    ]);
  });

  test('a file named directly is read whatever its extension; the same file twice loads once', async () => {
    const result = await loadResources([`${TREE}/notes.txt`, `${TREE}/10-tiers.yaml`, `./${TREE}/10-tiers.yaml`]);
    expect(codes(result)).toEqual([['not-a-resource', 1, 1, '']]);
    expect(result.policySet.tiers.get('security')).toEqual({ name: 'security', order: 100, defaultAction: 'Pass' });
  });

  test('a missing path is an error; the other paths still load', async () => {
    const result = await loadResources(['fixtures/policy/no-such-dir', `${TREE}/10-tiers.yaml`]);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([['file-unreadable', 'fixtures/policy/no-such-dir', 1, 1]]);
    expect(result.policySet.tiers.has('security')).toBe(true);
  });

  test('a YAML syntax error names file:line:column and skips only that document', async () => {
    const result = await loadResources(['fixtures/policy/broken/syntax.yaml']);
    // The unclosed flow collections are noticed where the next document starts.
    expect(new Set(result.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`))).toEqual(
      new Set(['yaml-syntax fixtures/policy/broken/syntax.yaml:9:1']),
    );
    expect([...result.policySet.tiers.keys()].slice(3)).toEqual(['ok-before', 'ok-after']);
  });
});

describe('parseResources: documents', () => {
  test('multi-document YAML: empty documents and comments are skipped', () => {
    const result = load(`
      # leading comment
      ---
      ---
      apiVersion: projectcalico.org/v3
      kind: Tier
      metadata: {name: one}
      ---
      # only a comment
      ---
      apiVersion: projectcalico.org/v3
      kind: Tier
      metadata: {name: two}
    `);
    expect(result.diagnostics).toEqual([]);
    expect([...result.policySet.tiers.keys()].slice(3)).toEqual(['one', 'two']);
  });

  test('JSON with tabs loads and reports positions like YAML', () => {
    const text = '{\n\t"apiVersion": "projectcalico.org/v3",\n\t"kind": "Tier",\n\t"metadata": {"name": "t"},\n\t"spec": {"order": "first"}\n}\n';
    const result = load(text);
    expect(codes(result)).toEqual([['wrong-type', 5, 20, 'spec.order']]);
  });

  test('a document that is not a resource', () => {
    expect(codes(load('- a\n- b\n'))).toEqual([['not-a-resource', 1, 1, '']]);
    expect(codes(load('kind: Tier\nmetadata: {name: x}\n'))).toEqual([['not-a-resource', 1, 1, '']]);
  });

  test('duplicate keys are a YAML error at the second key', () => {
    expect(codes(load('apiVersion: v1\nkind: Namespace\nkind: Namespace\n'))).toEqual([['yaml-syntax', 3, 1, '']]);
  });

  test('a resource with errors is left out, its neighbours load; all its problems are listed', () => {
    const result = load(`
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: bad}
      spec:
        selector: "app =="
        ingress:
          - action: Accept
          - action: Allow
            source: {nets: [10.0.0.1/8]}
      ---
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: good}
    `);
    expect(codes(result)).toEqual([
      ['bad-selector', 5, 20, 'spec.selector'],
      ['bad-action', 7, 15, 'spec.ingress[0].action'],
      ['bad-cidr', 9, 23, 'spec.ingress[1].source.nets[0]'],
    ]);
    expect(result.policySet.policies.map((p) => p.name)).toEqual(['good']);
  });

  test('duplicates: the second of the same kind/namespace/name is dropped; a staged twin is not a duplicate', () => {
    const result = load(`
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata: {name: p, namespace: ns}
      ---
      apiVersion: projectcalico.org/v3
      kind: StagedNetworkPolicy
      metadata: {name: p, namespace: ns}
      ---
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata: {name: p, namespace: ns}
      spec: {order: 5}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: p, namespace: ns}
    `);
    expect(codes(result)).toEqual([['duplicate-resource', 11, 18, 'metadata.name']]);
    expect(result.diagnostics[0]?.message).toBe('NetworkPolicy ns/p is already defined at test.yaml:1:1; this one is ignored');
    expect(result.policySet.policies.map((p) => [p.sourceKind, p.order])).toEqual([
      ['NetworkPolicy', null],
      ['StagedNetworkPolicy', null],
      ['KubernetesNetworkPolicy', 1000],
    ]);
  });

  test('unknown top-level and spec fields are warnings with a suggestion', () => {
    const result = load(`
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: p}
      specs: {}
      spec:
        Selector: all()
        ingress:
          - action: Allow
            destination: {notPort: [80]}
    `);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column, d.path, d.message])).toEqual([
      ['unknown-field', 4, 1, 'specs', 'unknown field "specs"; did you mean "spec"?'],
      ['unknown-field', 6, 3, 'spec.Selector', 'unknown field "Selector"; did you mean "selector"?'],
      ['unknown-field', 9, 21, 'spec.ingress[0].destination.notPort', 'unknown field "notPort"; did you mean "notPorts"?'],
    ]);
    expect(result.policySet.policies).toHaveLength(1);
  });

  test('List members report paths under items[i]', () => {
    const result = load(`
      apiVersion: v1
      kind: List
      items:
        - apiVersion: projectcalico.org/v3
          kind: Tier
          metadata: {name: a}
        - apiVersion: projectcalico.org/v3
          kind: Tier
          metadata: {name: b}
          spec: {defaultAction: Drop}
    `);
    expect(codes(result)).toEqual([['bad-value', 10, 27, 'items[1].spec.defaultAction']]);
  });

  test('inventory kinds need metadata.name (and a namespace, defaulted with a warning)', () => {
    const result = load(`
      apiVersion: v1
      kind: Pod
      metadata: {labels: {app: x}}
      ---
      apiVersion: v1
      kind: ServiceAccount
      metadata: {name: sa}
      ---
      apiVersion: projectcalico.org/v3
      kind: HostEndpoint
      metadata: {name: node1-eth0, labels: {role: node}}
      spec: {node: node1, interfaceName: eth0, expectedIPs: [192.0.2.1]}
      ---
      apiVersion: projectcalico.org/v3
      kind: WorkloadEndpoint
      metadata: {name: node1-k8s-web-eth0, namespace: prod}
    `);
    expect(codes(result)).toEqual([
      ['missing-field', 3, 11, 'metadata.name'],
      ['namespace-defaulted', 3, 11, 'metadata'],
      ['namespace-defaulted', 7, 11, 'metadata'],
    ]);
    expect(result.inventory.map((r) => [r.apiVersion, r.kind, r.metadata.namespace ?? '-', r.metadata.name])).toEqual([
      ['v1', 'ServiceAccount', 'default', 'sa'],
      ['projectcalico.org/v3', 'HostEndpoint', '-', 'node1-eth0'],
      ['projectcalico.org/v3', 'WorkloadEndpoint', 'prod', 'node1-k8s-web-eth0'],
    ]);
  });

  test('label values must be strings (Kubernetes rejects version: 1)', () => {
    expect(codes(load('apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {version: 1}}\n'))).toEqual([
      ['wrong-type', 3, 39, 'metadata.labels.version'],
    ]);
  });

  test('crd.projectcalico.org/v1 objects (Calico without its API server) load like projectcalico.org/v3', () => {
    const result = load('apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.policySet.policies.map((p) => p.id)).toEqual(['GlobalNetworkPolicy/-/p']);
  });
});
