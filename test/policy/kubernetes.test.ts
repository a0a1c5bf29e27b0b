/**
 * Kubernetes NetworkPolicy and StagedKubernetesNetworkPolicy (spec section 6, edge cases 9.7, 9.9, 9.14).
 */
import { describe, expect, test } from 'vitest';
import { at, codes, load, onlyPolicy, plain } from './helpers.js';

const ORCH = 'projectcalico.org/orchestrator == "k8s"';

function knp(spec: string, kind = 'NetworkPolicy', apiVersion = 'networking.k8s.io/v1'): string {
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: web, namespace: prod}\nspec: ${spec}\n`;
}

function rules(spec: string, direction: 'ingress' | 'egress' = 'ingress'): unknown[] {
  return plain(onlyPolicy(knp(spec))[direction]) as unknown[];
}

describe('section 6: the converted policy', () => {
  test('tier default, order 1000 (9.9), knp.default. name, pod selector prefixed with the k8s orchestrator', () => {
    const p = onlyPolicy(knp('{podSelector: {matchLabels: {app: web, tier: front}}, ingress: [{}]}'));
    expect(plain(p)).toEqual({
      id: 'KubernetesNetworkPolicy/prod/web',
      sourceKind: 'KubernetesNetworkPolicy',
      name: 'knp.default.web',
      namespace: 'prod',
      tier: 'default',
      order: 1000,
      selector: `sel:(${ORCH} && app == "web" && tier == "front")`,
      types: { ingress: true, egress: false },
      ingress: [{ index: 0, action: 'Allow', source: {}, destination: {} }],
      egress: [],
      staged: null,
      applyOnForward: false,
      preDNAT: false,
      doNotTrack: false,
    });
  });

  test.each([
    ['{}', `sel:${ORCH}`],
    ['{matchExpressions: [{key: env, operator: In, values: [a, b]}]}', `sel:(${ORCH} && env in {"a", "b"})`],
    ['{matchExpressions: [{key: env, operator: NotIn, values: [a]}]}', `sel:(${ORCH} && env not in {"a"})`],
    ['{matchExpressions: [{key: canary, operator: Exists}]}', `sel:(${ORCH} && has(canary))`],
    ['{matchExpressions: [{key: canary, operator: DoesNotExist}]}', `sel:(${ORCH} && !has(canary))`],
    ['{matchLabels: {b: "2", a: "1"}, matchExpressions: [{key: c, operator: Exists}]}', `sel:(${ORCH} && a == "1" && b == "2" && has(c))`],
  ])('podSelector %s', (selector, expected) => {
    expect(plain(onlyPolicy(knp(`{podSelector: ${selector}}`)).selector)).toBe(expected);
  });

  test('an omitted podSelector selects every pod of the namespace', () => {
    expect(plain(onlyPolicy(knp('{}')).selector)).toBe(`sel:${ORCH}`);
  });
});

describe('section 6 and edge case 9.7: policyTypes as the API server defaults them', () => {
  test.each([
    ['no rules', '{podSelector: {}}', { ingress: true, egress: false }],
    ['ingress rules', '{ingress: [{}]}', { ingress: true, egress: false }],
    ['only egress rules still isolates ingress (9.7)', '{egress: [{}]}', { ingress: true, egress: true }],
    ['an empty egress list adds no Egress (defaults.go: len(egress) != 0)', '{egress: []}', { ingress: true, egress: false }],
    ['explicit Egress only', '{policyTypes: [Egress]}', { ingress: false, egress: true }],
    ['explicit both with no rules', '{policyTypes: [Ingress, Egress]}', { ingress: true, egress: true }],
  ])('%s', (_name, spec, types) => {
    expect(onlyPolicy(knp(spec)).types).toEqual(types);
  });

  test('ingress: [] isolates (no rules); ingress: [{}] allows all', () => {
    const isolating = onlyPolicy(knp('{policyTypes: [Ingress], ingress: []}'));
    expect([isolating.types.ingress, isolating.ingress]).toEqual([true, []]);
    expect(rules('{ingress: [{}]}')).toEqual([{ index: 0, action: 'Allow', source: {}, destination: {} }]);
  });

  test('egress rules without Egress in policyTypes are kept but reported', () => {
    const text = knp('{policyTypes: [Ingress], egress: [{}]}');
    const result = load(text);
    expect(codes(result)).toEqual([['rules-ignored', ...at(text, '[{}]'), 'spec.egress']]);
  });
});

describe('section 6: peers', () => {
  test.each([
    [
      'podSelector alone: pods of the policy namespace',
      '{podSelector: {matchLabels: {app: db}}}',
      { selector: `sel:(${ORCH} && app == "db")`, namespaceScope: { kind: 'namespace', name: 'prod' } },
    ],
    [
      'namespaceSelector {} alone: all pods of every namespace',
      '{namespaceSelector: {}}',
      { selector: `sel:${ORCH}`, namespaceScope: { kind: 'selector', selector: 'sel:all()' } },
    ],
    [
      'both in one peer: those pods in those namespaces',
      '{namespaceSelector: {matchLabels: {env: prod}}, podSelector: {matchLabels: {app: db}}}',
      { selector: `sel:(${ORCH} && app == "db")`, namespaceScope: { kind: 'selector', selector: 'sel:env == "prod"' } },
    ],
    ['ipBlock with except', '{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.3.0/24]}}', { nets: ['10.0.0.0/8'], notNets: ['10.1.0.0/16', '10.2.3.0/24'] }],
    ['ipBlock host bits are cleared (conversion masks)', '{ipBlock: {cidr: 10.0.0.1/8}}', { nets: ['10.0.0.0/8'] }],
    ['IPv6 ipBlock', '{ipBlock: {cidr: "2001:db8::/32"}}', { nets: ['2001:db8::/32'] }],
  ])('%s', (_name, peer, expected) => {
    expect(rules(`{ingress: [{from: [${peer}]}]}`)).toEqual([{ index: 0, action: 'Allow', source: expected, destination: {} }]);
    expect(rules(`{egress: [{to: [${peer}]}]}`, 'egress')).toEqual([{ index: 0, action: 'Allow', source: {}, destination: expected }]);
  });

  test('one Calico rule per peer, in written order', () => {
    const converted = rules('{ingress: [{from: [{ipBlock: {cidr: 192.0.2.0/24}}, {podSelector: {}}]}]}') as { index: number; source: object }[];
    expect(converted.map((r) => [r.index, Object.keys(r.source)])).toEqual([
      [0, ['nets']],
      [1, ['selector', 'namespaceScope']],
    ]);
  });
});

describe('section 6: ports', () => {
  const ports = (written: string): unknown => rules(`{ingress: [{ports: ${written}}]}`).map((r) => {
    const rule = r as { protocol?: number; destination: { ports?: unknown } };
    return [rule.protocol, rule.destination.ports];
  });

  test.each([
    ['protocol defaults to TCP', '[{port: 80}]', [[6, [{ kind: 'range', min: 80, max: 80 }]]]],
    ['endPort makes a range', '[{port: 8000, endPort: 8080}]', [[6, [{ kind: 'range', min: 8000, max: 8080 }]]]],
    ['a named port', '[{port: http}]', [[6, [{ kind: 'named', name: 'http' }]]]],
    ['a protocol without port: every port of it', '[{protocol: UDP}]', [[17, undefined]]],
    ['an empty port entry: every TCP port', '[{}]', [[6, undefined]]],
    ['one rule per protocol, protocols sorted by name', '[{protocol: UDP, port: 53}, {port: 53}, {protocol: SCTP, port: 9}]', [
      [132, [{ kind: 'range', min: 9, max: 9 }]],
      [6, [{ kind: 'range', min: 53, max: 53 }]],
      [17, [{ kind: 'range', min: 53, max: 53 }]],
    ]],
    ['ports of one protocol merge into ranges (SimplifyPorts), named first', '[{port: 82}, {port: dns}, {port: 80}, {port: 81}, {port: 90}]', [
      [6, [{ kind: 'named', name: 'dns' }, { kind: 'range', min: 80, max: 82 }, { kind: 'range', min: 90, max: 90 }]],
    ]],
    ['every port of a protocol wins over listed ones', '[{port: 80}, {protocol: TCP}, {port: 443}]', [[6, undefined]]],
  ])('%s', (_name, written, expected) => {
    expect(ports(written)).toEqual(expected);
  });

  test('rules are numbered across written rules: protocol groups × peers', () => {
    const converted = rules(`{ingress: [
      {from: [{podSelector: {}}, {ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 53, protocol: UDP}, {port: 53}]},
      {from: [{namespaceSelector: {}}]}
    ]}`) as { index: number; protocol?: number; source: object }[];
    expect(converted.map((r) => [r.index, r.protocol, Object.keys(r.source).join('+')])).toEqual([
      [0, 6, 'selector+namespaceScope'],
      [1, 6, 'nets'],
      [2, 17, 'selector+namespaceScope'],
      [3, 17, 'nets'],
      [4, undefined, 'selector+namespaceScope'],
    ]);
  });

  test('edge case 9.14: an egress named port with an ipBlock peer (or no peer) is valid', () => {
    expect(rules('{egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: dns, protocol: UDP}]}, {ports: [{port: dns}]}]}', 'egress')).toEqual([
      { index: 0, action: 'Allow', protocol: 17, source: {}, destination: { nets: ['0.0.0.0/0'], ports: [{ kind: 'named', name: 'dns' }] } },
      { index: 1, action: 'Allow', protocol: 6, source: {}, destination: { ports: [{ kind: 'named', name: 'dns' }] } },
    ]);
  });

  test('origins of converted rules point at the written rule', () => {
    const text = knp('{ingress: [{ports: [{port: 1}, {port: 2, protocol: UDP}]}]}');
    const p = onlyPolicy(text);
    const [line, column] = at(text, '{ports');
    expect(p.ingress.map((r) => r.origin)).toEqual([{ file: 'test.yaml', line, column }, { file: 'test.yaml', line, column }]);
  });
});

describe('validation (the API server never saw these files)', () => {
  test.each([
    ['ipBlock with a podSelector', '{ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}', 'conflicting-fields', '{}}]}]}', 'spec.ingress[0].from[0].podSelector'],
    ['an empty peer', '{ingress: [{from: [{}]}]}', 'missing-field', '{}]}]}', 'spec.ingress[0].from[0]'],
    ['a bad CIDR', '{egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}', 'bad-cidr', '10.0.0.0/33', 'spec.egress[0].to[0].ipBlock.cidr'],
    ['except outside the cidr', '{egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]}', 'bad-cidr', '10.1.0.0/24', 'spec.egress[0].to[0].ipBlock.except[0]'],
    ['except equal to the cidr', '{egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]}', 'bad-cidr', '10.0.0.0/16]', 'spec.egress[0].to[0].ipBlock.except[0]'],
    ['endPort before port', '{ingress: [{ports: [{port: 90, endPort: 80}]}]}', 'bad-port', '80}', 'spec.ingress[0].ports[0].endPort'],
    ['endPort with a named port', '{ingress: [{ports: [{port: http, endPort: 80}]}]}', 'conflicting-fields', '80}', 'spec.ingress[0].ports[0].endPort'],
    ['endPort without port', '{ingress: [{ports: [{endPort: 80}]}]}', 'missing-field', '{endPort', 'spec.ingress[0].ports[0].port'],
    ['a quoted number is not a port name', '{ingress: [{ports: [{port: "80"}]}]}', 'bad-port', '"80"', 'spec.ingress[0].ports[0].port'],
    ['port 0', '{ingress: [{ports: [{port: 0}]}]}', 'bad-port', '0}', 'spec.ingress[0].ports[0].port'],
    ['lower-case protocol', '{ingress: [{ports: [{protocol: tcp}]}]}', 'bad-protocol', 'tcp', 'spec.ingress[0].ports[0].protocol'],
    ['an unknown operator', '{podSelector: {matchExpressions: [{key: a, operator: Has}]}}', 'bad-value', 'Has', 'spec.podSelector.matchExpressions[0].operator'],
    ['In without values', '{podSelector: {matchExpressions: [{key: a, operator: In}]}}', 'missing-field', '{key', 'spec.podSelector.matchExpressions[0].values'],
    ['Exists with values', '{podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}', 'conflicting-fields', '[x]', 'spec.podSelector.matchExpressions[0].values'],
    ['a key Calico cannot parse', '{podSelector: {matchLabels: {"a:b": x}}}', 'bad-selector', '{matchLabels', 'spec.podSelector'],
    ['an unknown policyType', '{policyTypes: [Ingres]}', 'bad-value', 'Ingres', 'spec.policyTypes[0]'],
  ])('%s', (_name, spec, code, needle, path) => {
    const text = knp(spec);
    expect(codes(load(text))).toEqual([[code, ...at(text, needle), path]]);
  });
});

describe('StagedKubernetesNetworkPolicy (section 8)', () => {
  const sknp = (spec: string): string => knp(spec, 'StagedKubernetesNetworkPolicy', 'projectcalico.org/v3');

  test('stages a Kubernetes NetworkPolicy: same id, same conversion', () => {
    const p = onlyPolicy(sknp('{policyTypes: [Ingress, Egress], egress: [{ports: [{port: 53, protocol: UDP}]}]}'));
    expect([p.id, p.sourceKind, p.name, p.staged, p.order, p.tier, p.types]).toEqual([
      'KubernetesNetworkPolicy/prod/web',
      'StagedKubernetesNetworkPolicy',
      'knp.default.web',
      'Set',
      1000,
      'default',
      { ingress: true, egress: true },
    ]);
    expect(p.egress).toHaveLength(1);
  });

  test('without policyTypes Calico applies it to ingress only (nothing defaults it), and says so', () => {
    const text = sknp('{egress: [{}]}');
    const result = load(text);
    expect(result.policySet.policies[0]?.types).toEqual({ ingress: true, egress: false });
    expect(codes(result)).toEqual([['rules-ignored', ...at(text, '[{}]'), 'spec.egress']]);
  });

  test('Delete carries nothing but may keep an empty podSelector', () => {
    const p = onlyPolicy(sknp('{stagedAction: Delete, podSelector: {}}'));
    expect([p.staged, p.ingress, p.types]).toEqual(['Delete', [], { ingress: false, egress: false }]);
    const text = sknp('{stagedAction: Delete, ingress: [{}]}');
    expect(codes(load(text))).toEqual([['conflicting-fields', ...at(text, 'ingress'), 'spec.ingress']]);
  });
});
