/**
 * Calico v3 policy kinds (spec section 3) and rule matching fields (section 5): what each becomes in the model.
 */
import { describe, expect, test } from 'vitest';
import { at, codes, load, onlyPolicy, plain } from './helpers.js';

function gnp(spec: string): string {
  return `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n${indent(spec)}`;
}

function np(spec: string, namespace = 'prod'): string {
  return `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ${namespace}}\nspec:\n${indent(spec)}`;
}

function indent(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** The first ingress rule of a policy whose spec has `rule` as its only ingress rule. */
function ingressRule(rule: string, wrap: (spec: string) => string = np): unknown {
  const p = onlyPolicy(wrap(`ingress:\n${indent(`- ${rule.trim().split('\n').join('\n  ')}`)}`));
  return plain(p.ingress[0]);
}

describe('section 3: Calico policy kinds', () => {
  test('NetworkPolicy: namespaced, tier default, nil order, selector defaults to all()', () => {
    const text = np('ingress: [{action: Allow}]');
    const p = onlyPolicy(text);
    expect(plain(p)).toEqual({
      id: 'NetworkPolicy/prod/p',
      sourceKind: 'NetworkPolicy',
      name: 'p',
      namespace: 'prod',
      tier: 'default',
      order: null,
      selector: 'sel:all()',
      types: { ingress: true, egress: false },
      ingress: [{ index: 0, action: 'Allow', source: {}, destination: {} }],
      egress: [],
      staged: null,
      applyOnForward: false,
      preDNAT: false,
      doNotTrack: false,
    });
    expect(p.origin).toEqual({ file: 'test.yaml', line: 1, column: 1 });
    const [line, column] = at(text, '{action');
    expect(p.ingress[0]?.origin).toEqual({ file: 'test.yaml', line, column });
  });

  test('GlobalNetworkPolicy: cluster-wide, tier, order, namespaceSelector, serviceAccountSelector', () => {
    const p = onlyPolicy(gnp(`
tier: security
order: 10.5
selector: role == 'db'
namespaceSelector: env == 'prod'
serviceAccountSelector: team == 'a'
egress: [{action: Deny}]`));
    expect(plain(p)).toMatchObject({
      id: 'GlobalNetworkPolicy/-/p',
      sourceKind: 'GlobalNetworkPolicy',
      tier: 'security',
      order: 10.5,
      selector: 'sel:role == "db"',
      namespaceSelector: 'sel:env == "prod"',
      serviceAccountSelector: 'sel:team == "a"',
      types: { ingress: false, egress: true },
    });
    expect(p.namespace).toBeUndefined();
  });

  test('GlobalNetworkPolicy host-endpoint flags are kept (edge case 9.13)', () => {
    const p = onlyPolicy(gnp('applyOnForward: true\npreDNAT: true\ningress: [{action: Deny}]'));
    expect([p.applyOnForward, p.preDNAT, p.doNotTrack]).toEqual([true, true, false]);
    const q = onlyPolicy(gnp('applyOnForward: true\ndoNotTrack: true'));
    expect([q.applyOnForward, q.preDNAT, q.doNotTrack]).toEqual([true, false, true]);
  });

  test.each([
    ['StagedNetworkPolicy', 'prod', '', 'Set', 'NetworkPolicy/prod/p'],
    ['StagedNetworkPolicy', 'prod', 'stagedAction: Set', 'Set', 'NetworkPolicy/prod/p'],
    ['StagedGlobalNetworkPolicy', undefined, 'stagedAction: Delete', 'Delete', 'GlobalNetworkPolicy/-/p'],
  ])('%s %s: staged %s shares the id of the kind it stages', (kind, namespace, extra, staged, id) => {
    const meta = namespace === undefined ? '{name: p}' : `{name: p, namespace: ${namespace}}`;
    const p = onlyPolicy(`apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: ${meta}\nspec: {${extra}}\n`);
    expect([p.sourceKind, p.staged, p.id]).toEqual([kind, staged, id]);
  });

  test('a staged Delete names only its target (and tier)', () => {
    const p = onlyPolicy('apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: p, namespace: n}\nspec: {stagedAction: Delete, tier: sec}\n');
    expect([p.tier, p.types, p.ingress, p.egress]).toEqual(['sec', { ingress: false, egress: false }, [], []]);
  });

  test('staged Delete with other spec fields is an error; Learn/Ignore are skipped with a warning', () => {
    const text = `
      apiVersion: projectcalico.org/v3
      kind: StagedGlobalNetworkPolicy
      metadata: {name: a}
      spec: {stagedAction: Delete, selector: all()}
      ---
      apiVersion: projectcalico.org/v3
      kind: StagedGlobalNetworkPolicy
      metadata: {name: b}
      spec: {stagedAction: Learn}
      ---
      apiVersion: projectcalico.org/v3
      kind: StagedGlobalNetworkPolicy
      metadata: {name: c}
      spec: {stagedAction: Remove}
    `;
    const result = load(text);
    expect(codes(result)).toEqual([
      ['conflicting-fields', ...at(text, 'selector'), 'spec.selector'],
      ['staged-action-ignored', ...at(text, 'Learn'), 'spec.stagedAction'],
      ['bad-value', ...at(text, 'Remove'), 'spec.stagedAction'],
    ]);
    expect(result.policySet.policies).toEqual([]);
  });

  test('policy and tier names must be what Calico accepts', () => {
    const text = `
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata: {name: Allow_All, namespace: n}
      spec: {tier: My.Tier}
      ---
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: a.b.c}
      ---
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata: {name: knp.default.legacy, namespace: n}
    `;
    expect(codes(load(text))).toEqual([
      ['bad-value', ...at(text, 'Allow_All'), 'metadata.name'],
      ['bad-value', ...at(text, 'My.Tier'), 'spec.tier'],
      ['bad-value', ...at(text, 'a.b.c'), 'metadata.name'],
    ]);
  });

  test('a namespaced policy without a namespace gets "default" with a warning; a global one ignores it', () => {
    const text = `
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata: {name: p}
      ---
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: g, namespace: x}
    `;
    const result = load(text);
    expect(codes(result)).toEqual([
      ['namespace-defaulted', ...at(text, '{name: p}'), 'metadata'],
      ['namespace-ignored', ...at(text, 'x}'), 'metadata.namespace'],
    ]);
    expect(result.policySet.policies.map((p) => p.id)).toEqual(['NetworkPolicy/default/p', 'GlobalNetworkPolicy/-/g']);
  });
});

describe('section 5: policy types defaulting (Calico kinds)', () => {
  test.each([
    ['no rules', '{}', { ingress: true, egress: false }],
    ['ingress rules only', '{ingress: [{action: Allow}]}', { ingress: true, egress: false }],
    ['egress rules only', '{egress: [{action: Allow}]}', { ingress: false, egress: true }],
    ['both', '{ingress: [{action: Allow}], egress: [{action: Allow}]}', { ingress: true, egress: true }],
    ['empty lists', '{ingress: [], egress: []}', { ingress: true, egress: false }],
    ['explicit Egress, no rules', '{types: [Egress]}', { ingress: false, egress: true }],
    ['explicit both', '{types: [Ingress, Egress]}', { ingress: true, egress: true }],
    ['empty types list', '{types: [], egress: [{action: Allow}]}', { ingress: false, egress: true }],
  ])('%s', (_name, spec, types) => {
    expect(onlyPolicy(`apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: ${spec}\n`).types).toEqual(types);
  });

  test('rules for a direction the types leave out are kept but reported', () => {
    const text = gnp('types: [Ingress]\negress: [{action: Deny}]');
    const result = load(text);
    expect(codes(result)).toEqual([['rules-ignored', ...at(text, '[{action'), 'spec.egress']]);
    expect(result.policySet.policies[0]?.types).toEqual({ ingress: true, egress: false });
  });

  test('invalid types', () => {
    const text = gnp('types: [Ingress, Ingress, Both]');
    expect(codes(load(text))).toEqual([
      ['bad-value', ...at(text, 'Ingress', 1), 'spec.types[1]'],
      ['bad-value', ...at(text, 'Both'), 'spec.types[2]'],
    ]);
  });
});

describe('section 5: rule fields', () => {
  test.each([
    ['TCP', 6],
    ['UDP', 17],
    ['ICMP', 1],
    ['ICMPv6', 58],
    ['SCTP', 132],
    ['UDPLite', 136],
    ['253', 253],
    ['"17"', 17],
    ['1', 1],
    ['255', 255],
  ])('protocol %s is %i (notProtocol likewise)', (written, number) => {
    expect(ingressRule(`action: Allow\nprotocol: ${written}\nnotProtocol: ${written}`)).toMatchObject({ protocol: number, notProtocol: number });
  });

  test.each(['Allow', 'Deny', 'Log', 'Pass'])('action %s', (action) => {
    expect(ingressRule(`action: ${action}`)).toMatchObject({ action });
  });

  test('icmp, notICMP, ipVersion', () => {
    expect(ingressRule('action: Allow\nprotocol: ICMP\nipVersion: 4\nicmp: {type: 8, code: 0}\nnotICMP: {type: 3}')).toEqual({
      index: 0,
      action: 'Allow',
      protocol: 1,
      ipVersion: 4,
      icmp: { type: 8, code: 0 },
      notICMP: { type: 3 },
      source: {},
      destination: {},
    });
  });

  test.each([
    [[80], [{ kind: 'range', min: 80, max: 80 }]],
    [['"443"'], [{ kind: 'range', min: 443, max: 443 }]],
    [['"8000:8080"'], [{ kind: 'range', min: 8000, max: 8080 }]],
    [[1, 65535, '"1:65535"'], [{ kind: 'range', min: 1, max: 1 }, { kind: 'range', min: 65535, max: 65535 }, { kind: 'range', min: 1, max: 65535 }]],
    [['http', '"metrics.v2"'], [{ kind: 'named', name: 'http' }, { kind: 'named', name: 'metrics.v2' }]],
  ])('ports %j', (ports, expected) => {
    const rule = ingressRule(`action: Allow\nprotocol: TCP\ndestination: {ports: [${ports.join(', ')}], notPorts: [${ports.join(', ')}]}\nsource: {ports: [${ports.join(', ')}]}`);
    expect(rule).toMatchObject({ destination: { ports: expected, notPorts: expected }, source: { ports: expected } });
  });

  test('named ports need no protocol (validator: only numeric ports do)', () => {
    expect(ingressRule('action: Allow\ndestination: {ports: [http]}')).toMatchObject({ destination: { ports: [{ kind: 'named', name: 'http' }] } });
  });

  test('nets and notNets become CIDRs; IPv6 is canonical; IPv4-mapped /96+ is IPv4 (Go To4)', () => {
    const rule = ingressRule('action: Allow\nsource: {nets: [10.0.0.0/8, "::ffff:192.168.0.0/112"], notNets: [10.1.0.0/16]}');
    expect(rule).toMatchObject({ source: { nets: ['10.0.0.0/8', '192.168.0.0/16'], notNets: ['10.1.0.0/16'] } });
    const v6 = ingressRule('action: Allow\ndestination: {nets: ["2001:DB8:0:0::/64"]}');
    expect(v6).toMatchObject({ destination: { nets: ['2001:db8::/64'] } });
  });

  test('selector, notSelector, serviceAccounts and services', () => {
    const rule = ingressRule(`
action: Allow
source:
  selector: app == 'web'
  notSelector: tier == 'test'
  serviceAccounts: {names: [api, web], selector: team == 'a'}
destination:
  selector: app == 'db'`);
    expect(rule).toMatchObject({
      source: {
        selector: 'sel:app == "web"',
        notSelector: 'sel:tier == "test"',
        namespaceScope: { kind: 'namespace', name: 'prod' },
        serviceAccounts: { names: ['api', 'web'], selector: 'sel:team == "a"' },
      },
      destination: { selector: 'sel:app == "db"', namespaceScope: { kind: 'namespace', name: 'prod' } },
    });
    expect(ingressRule('action: Allow\nsource: {services: {name: frontend}}')).toMatchObject({ source: { services: { name: 'frontend', namespace: 'prod' } } });
    expect(ingressRule('action: Allow\nsource: {services: {name: fe, namespace: web}}', gnp)).toMatchObject({ source: { services: { name: 'fe', namespace: 'web' } } });
  });

  test('an http match keeps the rule, marked undecidable, with a warning', () => {
    const text = np('ingress:\n  - action: Allow\n    http: {methods: [GET], paths: [{exact: /health}]}');
    const result = load(text);
    expect(codes(result)).toEqual([['undecidable-rule', ...at(text, '{methods'), 'spec.ingress[0].http']]);
    expect(result.policySet.policies[0]?.ingress[0]?.undecidable).toBe('HTTP match (layer 7) cannot be decided from flow logs');
  });
});

describe('section 5 and edge cases 9.5, 9.6: how rule selectors are scoped to namespaces', () => {
  const scope = (entity: string, wrap: (s: string) => string): unknown => (ingressRule(`action: Allow\nsource: ${entity}`, wrap) as { source: unknown }).source;
  test.each([
    ['NetworkPolicy, selector alone: its own namespace (9.6)', np, "{selector: a == 'b'}", { kind: 'namespace', name: 'prod' }],
    ['NetworkPolicy, notSelector alone: its own namespace', np, "{notSelector: a == 'b'}", { kind: 'namespace', name: 'prod' }],
    ['NetworkPolicy, serviceAccounts alone: its own namespace', np, '{serviceAccounts: {names: [x]}}', { kind: 'namespace', name: 'prod' }],
    ['NetworkPolicy, namespaceSelector: matching namespaces', np, "{selector: a == 'b', namespaceSelector: env == 'x'}", { kind: 'selector', selector: 'sel:env == "x"' }],
    ['NetworkPolicy, namespaceSelector global(): non-namespaced peers (9.5)', np, "{selector: a == 'b', namespaceSelector: global()}", { kind: 'global' }],
    ['GlobalNetworkPolicy, selector alone: any peer', gnp, "{selector: a == 'b'}", { kind: 'any' }],
    ['GlobalNetworkPolicy, namespaceSelector all(): every namespace', gnp, '{namespaceSelector: all()}', { kind: 'selector', selector: 'sel:all()' }],
    ['GlobalNetworkPolicy, namespaceSelector global()', gnp, "{namespaceSelector: ' global() '}", { kind: 'global' }],
  ])('%s', (_name, wrap, entity, expected) => {
    expect(scope(entity, wrap)).toMatchObject({ namespaceScope: expected });
  });

  test.each([
    ['nets only', '{nets: [10.0.0.0/8]}'],
    ['empty selector strings mean unset', '{selector: "", namespaceSelector: ""}'],
    ['an empty serviceAccounts match adds nothing', '{serviceAccounts: {}}'],
  ])('no namespace scope: %s', (_name, entity) => {
    expect(scope(entity, np)).not.toHaveProperty('namespaceScope');
  });
});

describe('validation errors: code, line, column, path (edge case 9.15 and section 5)', () => {
  test.each([
    ['numeric ports without protocol', 'action: Allow\ndestination: {ports: [80]}', 'ports-without-protocol', '[80]', 'spec.ingress[0].destination.ports'],
    ['a numeric range without protocol', 'action: Allow\nsource: {notPorts: ["1:2"]}', 'ports-without-protocol', '["1:2"]', 'spec.ingress[0].source.notPorts'],
    ['ports with ICMP', 'action: Allow\nprotocol: ICMP\ndestination: {ports: [http]}', 'ports-without-protocol', '[http]', 'spec.ingress[0].destination.ports'],
    ['ports with UDPLite (Calico allows TCP, UDP, SCTP)', 'action: Allow\nprotocol: UDPLite\ndestination: {ports: [80]}', 'ports-without-protocol', '[80]', 'spec.ingress[0].destination.ports'],
    ['icmp without protocol', 'action: Allow\nicmp: {type: 8}', 'icmp-without-protocol', '{type', 'spec.ingress[0].icmp'],
    ['icmp with TCP', 'action: Allow\nprotocol: TCP\nicmp: {type: 8}', 'icmp-without-protocol', '{type', 'spec.ingress[0].icmp'],
    ['port 0', 'action: Allow\nprotocol: TCP\ndestination: {ports: [0]}', 'bad-port', '0]', 'spec.ingress[0].destination.ports[0]'],
    ['range from 0', 'action: Allow\nprotocol: TCP\ndestination: {ports: ["0:10"]}', 'bad-port', '"0:10"', 'spec.ingress[0].destination.ports[0]'],
    ['port 65536', 'action: Allow\nprotocol: TCP\ndestination: {ports: [80, 65536]}', 'bad-port', '65536', 'spec.ingress[0].destination.ports[1]'],
    ['reversed range', 'action: Allow\nprotocol: TCP\ndestination: {ports: ["90:80"]}', 'bad-port', '"90:80"', 'spec.ingress[0].destination.ports[0]'],
    ['bad port name', 'action: Allow\nprotocol: TCP\ndestination: {ports: ["a b"]}', 'bad-port', '"a b"', 'spec.ingress[0].destination.ports[0]'],
    ['lower-case protocol', 'action: Allow\nprotocol: tcp', 'bad-protocol', 'tcp', 'spec.ingress[0].protocol'],
    ['protocol 0', 'action: Allow\nprotocol: 0', 'bad-protocol', '0', 'spec.ingress[0].protocol'],
    ['protocol 256', 'action: Allow\nnotProtocol: 256', 'bad-protocol', '256', 'spec.ingress[0].notProtocol'],
    ['host bits set', 'action: Allow\nsource: {nets: [10.0.0.1/24]}', 'bad-cidr', '10.0.0.1/24', 'spec.ingress[0].source.nets[0]'],
    ['bare IP in rule nets', 'action: Allow\nsource: {nets: [10.0.0.1]}', 'bad-cidr', '10.0.0.1', 'spec.ingress[0].source.nets[0]'],
    ['leading zeros', 'action: Allow\nsource: {nets: [010.0.0.0/8]}', 'bad-cidr', '010', 'spec.ingress[0].source.nets[0]'],
    ['notNets catch-all', 'action: Allow\ndestination: {notNets: ["::/0"]}', 'bad-cidr', '"::/0"', 'spec.ingress[0].destination.notNets[0]'],
    ['ipVersion vs CIDR', 'action: Allow\nipVersion: 6\nsource: {nets: [10.0.0.0/8]}', 'ip-version-mismatch', '[10.', 'spec.ingress[0].source.nets'],
    ['IPv4 and IPv6 CIDRs', 'action: Allow\nsource: {nets: [10.0.0.0/8]}\ndestination: {nets: ["fd00::/8"]}', 'ip-version-mismatch', '["fd00', 'spec.ingress[0].destination.nets'],
    ['ICMP with ipVersion 6', 'action: Allow\nprotocol: ICMP\nipVersion: 6', 'ip-version-mismatch', 'ICMP', 'spec.ingress[0].protocol'],
    ['ipVersion 5', 'action: Allow\nipVersion: 5', 'bad-value', '5', 'spec.ingress[0].ipVersion'],
    ['ICMP type 255', 'action: Allow\nprotocol: ICMP\nicmp: {type: 255}', 'bad-value', '255', 'spec.ingress[0].icmp.type'],
    ['ICMP code without type', 'action: Allow\nprotocol: ICMP\nicmp: {code: 1}', 'missing-field', '{code', 'spec.ingress[0].icmp.type'],
    ['unknown action', 'action: Drop', 'bad-action', 'Drop', 'spec.ingress[0].action'],
    ['missing action', 'protocol: TCP', 'missing-field', 'protocol', 'spec.ingress[0].action'],
    ['global() in a rule selector', "action: Allow\nsource: {selector: global()}", 'bad-selector', 'global()', 'spec.ingress[0].source.selector'],
    ['global() combined in a namespaceSelector', "action: Allow\nsource: {namespaceSelector: \"a == 'b' || global()\"}", 'bad-selector', 'global()', 'spec.ingress[0].source.namespaceSelector'],
    ['services with a selector', "action: Allow\nsource: {services: {name: s}, selector: a == 'b'}", 'conflicting-fields', 'a ==', 'spec.ingress[0].source.selector'],
    ['services on an ingress destination', 'action: Allow\ndestination: {services: {name: s}}', 'conflicting-fields', '{name', 'spec.ingress[0].destination.services'],
    ['services without a name', 'action: Allow\nsource: {services: {namespace: x}}', 'missing-field', '{namespace', 'spec.ingress[0].source.services.name'],
    ['http on a Deny rule', 'action: Deny\nhttp: {methods: [GET]}', 'conflicting-fields', '{methods', 'spec.ingress[0].http'],
    ['a rule that is not a mapping', 'Allow', 'wrong-type', 'Allow', 'spec.ingress[0]'],
  ])('%s', (_name, rule, code, needle, path) => {
    const text = np(`ingress:\n${indent(`- ${rule.split('\n').join('\n  ')}`)}`);
    const found = codes(load(text)).filter(([c]) => c !== 'undecidable-rule');
    expect(found).toEqual([[code, ...at(text, needle, text.indexOf('spec:') > 0 ? countBefore(text, needle, 'ingress:') : 0), path]]);
  });

  test('a selector error points at the column inside the selector', () => {
    const text = np(`selector: "app == 'web' && tier"`);
    const result = load(text);
    const [line, column] = at(text, "app == 'web' && tier");
    expect(codes(result)).toEqual([['bad-selector', line, column + "app == 'web' && tier".length, 'spec.selector']]);
    expect(result.diagnostics[0]?.message).toContain('column 21');
  });

  test('GlobalNetworkPolicy: services need a namespace; host-endpoint flag rules', () => {
    const text = gnp(`
preDNAT: true
doNotTrack: true
egress:
  - action: Allow
    destination: {services: {name: s}}`);
    expect(codes(load(text))).toEqual([
      ['conflicting-fields', ...at(text, 'true'), 'spec.preDNAT'],
      ['conflicting-fields', ...at(text, 'true', 1), 'spec.doNotTrack'],
      ['conflicting-fields', ...at(text, '- action'), 'spec.egress'],
      ['missing-field', ...at(text, '{name: s}'), 'spec.egress[0].destination.services.namespace'],
    ]);
  });

  test('a dash range is a port name: accepted with a warning', () => {
    const text = np('ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: ["80-90"]}');
    const result = load(text);
    expect(codes(result)).toEqual([['port-name-looks-numeric', ...at(text, '"80-90"'), 'spec.ingress[0].destination.ports[0]']]);
    expect(result.policySet.policies[0]?.ingress[0]?.destination.ports).toEqual([{ kind: 'named', name: '80-90' }]);
  });

  test('wrong types', () => {
    const text = gnp('order: "1"\nselector: 5\ningress: {action: Allow}\napplyOnForward: yes');
    expect(codes(load(text))).toEqual([
      ['wrong-type', ...at(text, '"1"'), 'spec.order'],
      ['wrong-type', ...at(text, '5'), 'spec.selector'],
      ['wrong-type', ...at(text, '{action'), 'spec.ingress'],
      ['wrong-type', ...at(text, 'yes'), 'spec.applyOnForward'],
    ]);
  });
});

/** Which occurrence of `needle` is the first one after `marker` (so tables can name text inside the rule). */
function countBefore(text: string, needle: string, marker: string): number {
  const start = text.indexOf(marker);
  let count = 0;
  for (let i = text.indexOf(needle); i >= 0 && i < start; i = text.indexOf(needle, i + 1)) count++;
  return count;
}
