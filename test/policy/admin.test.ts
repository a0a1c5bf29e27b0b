/**
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy (spec section 7).
 */
import { describe, expect, test } from 'vitest';
import { at, codes, load, onlyPolicy, plain } from './helpers.js';

const ORCH = 'projectcalico.org/orchestrator == "k8s"';

function anp(spec: string, name = 'x'): string {
  return `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
}

function banp(spec: string, name = 'default'): string {
  return `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
}

function cnp(spec: string): string {
  return `apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: x}\nspec: ${spec}\n`;
}

const SUBJECT = 'subject: {namespaces: {}}';

describe('section 7: the converted policies', () => {
  test('AdminNetworkPolicy: tier kube-admin, order = priority, cluster-wide pods of the subject namespaces', () => {
    const p = onlyPolicy(anp(`{priority: 20, subject: {namespaces: {matchLabels: {env: prod}}}, ingress: [{action: Allow, from: [{namespaces: {}}]}]}`));
    expect(plain(p)).toEqual({
      id: 'AdminNetworkPolicy/-/x',
      sourceKind: 'AdminNetworkPolicy',
      name: 'kanp.adminnetworkpolicy.x',
      tier: 'kube-admin',
      order: 20,
      selector: `sel:${ORCH}`,
      namespaceSelector: 'sel:env == "prod"',
      types: { ingress: true, egress: false },
      ingress: [{ index: 0, action: 'Allow', source: { namespaceScope: { kind: 'selector', selector: 'sel:all()' } }, destination: {} }],
      egress: [],
      staged: null,
      applyOnForward: false,
      preDNAT: false,
      doNotTrack: false,
    });
  });

  test('BaselineAdminNetworkPolicy: tier kube-baseline, order 1000', () => {
    const p = onlyPolicy(banp(`{${SUBJECT}, egress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]}`));
    expect([p.id, p.name, p.tier, p.order, p.types]).toEqual([
      'BaselineAdminNetworkPolicy/-/default',
      'kbanp.baselineadminnetworkpolicy.default',
      'kube-baseline',
      1000,
      { ingress: false, egress: true },
    ]);
  });

  test.each([
    ['Admin', 'kube-admin'],
    ['Baseline', 'kube-baseline'],
  ])('ClusterNetworkPolicy tier %s → %s, order = priority, Accept → Allow', (tier, calicoTier) => {
    const p = onlyPolicy(cnp(`{tier: ${tier}, priority: 7, ${SUBJECT}, ingress: [{action: Accept, from: [{namespaces: {}}]}, {action: Pass, from: [{namespaces: {}}]}]}`));
    expect([p.id, p.name, p.tier, p.order, p.ingress.map((r) => r.action)]).toEqual(['ClusterNetworkPolicy/-/x', `kcnp.${calicoTier}.x`, calicoTier, 7, ['Allow', 'Pass']]);
  });

  test('subject pods: namespaceSelector and podSelector', () => {
    const p = onlyPolicy(anp(`{priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}}`));
    expect([plain(p.selector), plain(p.namespaceSelector)]).toEqual([`sel:(${ORCH} && app == "db")`, 'sel:all()']);
    expect(p.types).toEqual({ ingress: false, egress: false });
  });
});

describe('section 7: peers', () => {
  const egress = (peer: string, action = 'Allow'): unknown => plain(onlyPolicy(anp(`{priority: 1, ${SUBJECT}, egress: [{action: ${action}, to: [${peer}]}]}`)).egress);

  test.each([
    ['namespaces', '{namespaces: {matchLabels: {team: a}}}', { namespaceScope: { kind: 'selector', selector: 'sel:team == "a"' } }],
    ['pods', '{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}}', { selector: `sel:(${ORCH} && app == "x")`, namespaceScope: { kind: 'selector', selector: 'sel:all()' } }],
    ['networks (host bits cleared)', '{networks: [10.0.0.1/8, "2001:db8::/32"]}', { nets: ['10.0.0.0/8', '2001:db8::/32'] }],
  ])('%s', (_name, peer, destination) => {
    expect(egress(peer)).toEqual([{ index: 0, action: 'Allow', source: {}, destination }]);
  });

  test('domainNames: an undecidable rule, with a warning', () => {
    const text = anp(`{priority: 1, ${SUBJECT}, egress: [{action: Allow, to: [{domainNames: ["*.example.com"]}], ports: [{portNumber: {port: 443}}]}]}`);
    const result = load(text);
    expect(codes(result)).toEqual([['undecidable-rule', ...at(text, '[{domainNames'), 'spec.egress[0].to']]);
    expect(plain(result.policySet.policies[0]?.egress)).toEqual([
      {
        index: 0,
        action: 'Allow',
        protocol: 6,
        source: {},
        destination: { ports: [{ kind: 'range', min: 443, max: 443 }] },
        undecidable: 'domainNames peer (*.example.com) cannot be decided from flow logs, which carry no DNS names',
      },
    ]);
  });

  test.each([
    ['Deny', [{ index: 0, action: 'Deny', source: {}, destination: {} }]],
    ['Pass', [{ index: 0, action: 'Deny', source: {}, destination: {} }]],
    ['Allow', []],
  ])('a nodes peer cannot be converted: %s fails closed', (action, expected) => {
    const text = anp(`{priority: 1, ${SUBJECT}, egress: [{action: ${action}, to: [{nodes: {}}]}]}`);
    const result = load(text);
    expect(codes(result)).toEqual([['rule-not-converted', ...at(text, `{action: ${action}`), 'spec.egress[0]']]);
    expect(plain(result.policySet.policies[0]?.egress)).toEqual(expected);
    expect(result.policySet.policies[0]?.types.egress).toBe(expected.length > 0);
  });

  test('a peer with no field fails closed; the whole rule goes, neighbours keep their order', () => {
    const text = cnp(`{tier: Admin, priority: 1, ${SUBJECT}, ingress: [
      {action: Accept, from: [{namespaces: {}}]},
      {action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {}}}, {}]},
      {action: Accept, from: [{}]},
      {action: Pass, from: [{namespaces: {}}]}]}`);
    const result = load(text);
    expect(codes(result).map(([c]) => c)).toEqual(['rule-not-converted', 'rule-not-converted']);
    expect(result.policySet.policies[0]?.ingress.map((r) => [r.index, r.action, Object.keys(r.source).length])).toEqual([
      [0, 'Allow', 1],
      [1, 'Deny', 0],
      [2, 'Pass', 1],
    ]);
  });

  test('an ingress peer with only an egress field (networks) has no field: unknown-field, then fail closed', () => {
    const text = anp(`{priority: 1, ${SUBJECT}, ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]}`);
    const result = load(text);
    expect(codes(result)).toEqual([
      ['rule-not-converted', ...at(text, '{action'), 'spec.ingress[0]'],
      ['unknown-field', ...at(text, 'networks'), 'spec.ingress[0].from[0].networks'],
    ]);
    expect(plain(result.policySet.policies[0]?.ingress)).toEqual([{ index: 0, action: 'Deny', source: {}, destination: {} }]);
  });

  test('rules stay first-match in written order; one Calico rule per protocol and peer', () => {
    const p = onlyPolicy(anp(`{priority: 1, ${SUBJECT}, ingress: [
      {action: Deny, from: [{namespaces: {}}, {pods: {namespaceSelector: {}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 53}}, {portNumber: {port: 53}}]},
      {action: Allow, from: [{namespaces: {}}]}]}`));
    expect(p.ingress.map((r) => [r.index, r.action, r.protocol, r.source.selector === undefined ? 'ns' : 'pods'])).toEqual([
      [0, 'Deny', 6, 'ns'],
      [1, 'Deny', 6, 'pods'],
      [2, 'Deny', 17, 'ns'],
      [3, 'Deny', 17, 'pods'],
      [4, 'Allow', undefined, 'ns'],
    ]);
  });
});

describe('section 7: ports', () => {
  const anpPorts = (ports: string): unknown =>
    onlyPolicy(anp(`{priority: 1, ${SUBJECT}, ingress: [{action: Allow, from: [{namespaces: {}}], ports: ${ports}}]}`)).ingress.map((r) => [r.protocol, r.destination.ports]);
  const cnpPorts = (protocols: string): unknown =>
    onlyPolicy(cnp(`{tier: Admin, priority: 1, ${SUBJECT}, ingress: [{action: Accept, from: [{namespaces: {}}], protocols: ${protocols}}]}`)).ingress.map((r) => [r.protocol, r.destination.ports]);

  test.each([
    ['portNumber, protocol defaulting to TCP', '[{portNumber: {port: 80}}]', [[6, [{ kind: 'range', min: 80, max: 80 }]]]],
    ['portRange', '[{portRange: {protocol: UDP, start: 1000, end: 2000}}]', [[17, [{ kind: 'range', min: 1000, max: 2000 }]]]],
    ['namedPort: no protocol', '[{namedPort: http}]', [[undefined, [{ kind: 'named', name: 'http' }]]]],
    ['mixed, groups sorted: named first', '[{portNumber: {protocol: SCTP, port: 9}}, {namedPort: web}, {portNumber: {port: 80}}]', [
      [undefined, [{ kind: 'named', name: 'web' }]],
      [132, [{ kind: 'range', min: 9, max: 9 }]],
      [6, [{ kind: 'range', min: 80, max: 80 }]],
    ]],
  ])('AdminNetworkPolicy %s', (_name, ports, expected) => {
    expect(anpPorts(ports)).toEqual(expected);
  });

  test.each([
    ['tcp number', '[{tcp: {destinationPort: {number: 443}}}]', [[6, [{ kind: 'range', min: 443, max: 443 }]]]],
    ['udp range', '[{udp: {destinationPort: {range: {start: 5000, end: 5010}}}}]', [[17, [{ kind: 'range', min: 5000, max: 5010 }]]]],
    ['sctp without a port: every port', '[{sctp: {}}]', [[132, undefined]]],
    ['destinationNamedPort', '[{destinationNamedPort: dns}]', [[undefined, [{ kind: 'named', name: 'dns' }]]]],
    ['no protocols: anything', '[]', [[undefined, undefined]]],
  ])('ClusterNetworkPolicy %s', (_name, protocols, expected) => {
    expect(cnpPorts(protocols)).toEqual(expected);
  });
});

describe('validation', () => {
  test.each([
    ['ANP priority missing', anp(`{${SUBJECT}}`), 'missing-field', '{subject', 'spec.priority'],
    ['ANP priority above 1000', anp(`{priority: 1001, ${SUBJECT}}`), 'bad-value', '1001', 'spec.priority'],
    ['BANP not named default', banp(`{${SUBJECT}}`, 'other'), 'bad-value', 'other', 'metadata.name'],
    ['CNP tier', cnp(`{tier: Admins, priority: 1, ${SUBJECT}}`), 'bad-value', 'Admins', 'spec.tier'],
    ['subject with both', anp('{priority: 1, subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}}'), 'conflicting-fields', '{namespaces', 'spec.subject'],
    ['subject pods without podSelector', anp('{priority: 1, subject: {pods: {namespaceSelector: {}}}}'), 'missing-field', '{namespaceSelector', 'spec.subject.pods.podSelector'],
    ['ANP action Accept', anp(`{priority: 1, ${SUBJECT}, ingress: [{action: Accept, from: [{namespaces: {}}]}]}`), 'bad-action', 'Accept', 'spec.ingress[0].action'],
    ['BANP action Pass', banp(`{${SUBJECT}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}`), 'bad-action', 'Pass', 'spec.ingress[0].action'],
    ['CNP action Allow', cnp(`{tier: Admin, priority: 1, ${SUBJECT}, ingress: [{action: Allow, from: [{namespaces: {}}]}]}`), 'bad-action', 'Allow,', 'spec.ingress[0].action'],
    ['a peer with two fields', anp(`{priority: 1, ${SUBJECT}, egress: [{action: Deny, to: [{namespaces: {}, networks: [10.0.0.0/8]}]}]}`), 'conflicting-fields', '{namespaces: {}, networks', 'spec.egress[0].to[0]'],
    ['named port to networks', anp(`{priority: 1, ${SUBJECT}, egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], ports: [{namedPort: dns}]}]}`), 'conflicting-fields', '{networks', 'spec.egress[0].to[0]'],
    ['reversed port range', anp(`{priority: 1, ${SUBJECT}, ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {start: 9, end: 1}}]}]}`), 'bad-port', '{start', 'spec.ingress[0].ports[0].portRange'],
    ['a bad network', anp(`{priority: 1, ${SUBJECT}, egress: [{action: Deny, to: [{networks: [10.0.0.0]}]}]}`), 'bad-cidr', '10.0.0.0]', 'spec.egress[0].to[0].networks[0]'],
    ['no peers', anp(`{priority: 1, ${SUBJECT}, egress: [{action: Deny, to: []}]}`), 'missing-field', '[]', 'spec.egress[0].to'],
    ['CNP protocol entry with two protocols', cnp(`{tier: Admin, priority: 1, ${SUBJECT}, ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {}, udp: {}}]}]}`), 'conflicting-fields', '{tcp', 'spec.ingress[0].protocols[0]'],
  ])('%s', (_name, text, code, needle, path) => {
    expect(codes(load(text))).toEqual([[code, ...at(text, needle), path]]);
  });
});
