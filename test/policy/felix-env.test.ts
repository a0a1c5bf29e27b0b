/** The calico-node DaemonSet's FELIX_* environment, which Felix reads over every FelixConfiguration (policy/felix-env.ts). */
import { describe, expect, test } from 'vitest';
import { PROTO } from '../../src/flows/record.js';
import { felixSetting } from '../../src/policy/felix-config.js';
import { overlay } from '../../src/policy/views.js';
import { at, codes, load, plain } from './helpers.js';

/** A calico-node DaemonSet whose container has these env entries (YAML flow mappings). */
function daemonSet(env: string[], container = 'calico-node'): string {
  return [
    'apiVersion: apps/v1',
    'kind: DaemonSet',
    'metadata: {name: calico-node, namespace: calico-system}',
    'spec:',
    '  selector: {matchLabels: {k8s-app: calico-node}}',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: install-cni',
    '          image: calico/cni',
    `        - name: ${container}`,
    '          image: calico/node',
    '          env:',
    ...env.map((e) => `            - ${e}`),
    'status: {numberReady: 3}',
    '',
  ].join('\n');
}

describe('calico-node DaemonSet environment', () => {
  test('reads the failsafe ports and the endpoint-to-host action as Felix parses them, and nothing else', () => {
    const result = load(
      daemonSet([
        '{name: DATASTORE_TYPE, value: kubernetes}',
        '{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}',
        '{name: FELIX_LOGSEVERITYSCREEN, value: info}',
        '{name: felix_FailsafeInboundHostPorts, value: " 22, udp:68 ,TCP:10.0.0.0/8:2222,,tcp:[fd00::/8]:179"}',
        '{name: FELIX_FAILSAFEOUTBOUNDHOSTPORTS, value: NONE}',
      ]),
    );
    expect(result.diagnostics).toEqual([]);
    expect(plain(result.policySet.felix)).toEqual([
      {
        name: 'calico-system/calico-node',
        node: undefined,
        environment: true,
        failsafeInbound: [
          { protocol: PROTO.TCP, port: 22, net: undefined },
          { protocol: PROTO.UDP, port: 68, net: undefined },
          { protocol: PROTO.TCP, port: 2222, net: '10.0.0.0/8' },
          { protocol: PROTO.TCP, port: 179, net: 'fd00::/8' },
        ],
        failsafeOutbound: [],
        endpointToHost: 'Accept',
      },
    ]);
  });

  test('an empty value is ignored, and of repeated names the last one counts', () => {
    const result = load(daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: drop}', '{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: Return}', '{name: FELIX_FAILSAFEINBOUNDHOSTPORTS, value: ""}']));
    expect(result.diagnostics).toEqual([]);
    const [env] = result.policySet.felix;
    expect(env?.endpointToHost).toBe('Return');
    expect(env?.failsafeInbound).toBeUndefined();
  });

  test('the environment ranks above node.<name> and default', () => {
    const text = `${daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: Accept}'])}---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: node.n1}
spec: {defaultEndpointToHostAction: Drop, failsafeInboundHostPorts: [{protocol: TCP, port: 22}]}
`;
    const { policySet, diagnostics } = load(text);
    expect(diagnostics).toEqual([]);
    expect(felixSetting(policySet.felix, 'n1', (c) => c.endpointToHost)).toBe('Accept');
    expect(felixSetting(policySet.felix, 'n1', (c) => c.failsafeInbound)).toEqual([{ protocol: PROTO.TCP, port: 22, net: undefined }]);
    expect(felixSetting(policySet.felix, 'n2', (c) => c.failsafeInbound)).toBeUndefined();
  });

  test('a calico-node DaemonSet in a change replaces the base one, in whatever namespace (a cluster runs one)', () => {
    const base = load(daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: DROP}'])).policySet;
    const change = load(daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}']).replace('calico-system', 'kube-system')).policySet;
    const merged = overlay(base, change);
    expect(merged.felix.map((c) => [c.name, c.endpointToHost])).toEqual([['kube-system/calico-node', 'Accept']]);
    expect(felixSetting(merged.felix, 'n1', (c) => c.endpointToHost)).toBe('Accept');
  });

  test.each([
    ['an action Felix does not know', '{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: Allow}', 'Allow'],
    ['none for the action (it is non-zero)', '{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: none}', 'none'],
    ['a protocol without ports (the column is the entry\'s)', '{name: FELIX_FAILSAFEINBOUNDHOSTPORTS, value: "tcp:22, icmp:8"}', 'icmp:8'],
    ['a port that is no number', '{name: FELIX_FAILSAFEINBOUNDHOSTPORTS, value: "tcp:ssh"}', 'tcp:ssh'],
    ['a port out of range', '{name: FELIX_FAILSAFEOUTBOUNDHOSTPORTS, value: "udp:65536"}', 'udp:65536'],
    ['too many parts', '{name: FELIX_FAILSAFEOUTBOUNDHOSTPORTS, value: "tcp:10.0.0.1:22:1"}', 'tcp:10.0.0.1:22:1'],
    ['a net that does not parse', '{name: FELIX_FAILSAFEOUTBOUNDHOSTPORTS, value: "tcp:10.0.0.300:22"}', 'tcp:10.0.0.300'],
  ])('%s stops calico-node, so it is an error that names the value', (_name, entry, needle) => {
    const text = daemonSet([entry]);
    const result = load(text);
    expect(codes(result)).toEqual([['bad-value', ...at(text, needle), 'spec.template.spec.containers[1].env[0].value']]);
    expect(result.policySet.felix).toEqual([]);
  });

  test('a value from valueFrom is not read: a warning, and the setting left unset', () => {
    const text = daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, valueFrom: {configMapKeyRef: {name: felix, key: action}}}']);
    const result = load(text);
    expect(codes(result)).toEqual([['felix-env-unread', ...at(text, '{configMapKeyRef'), 'spec.template.spec.containers[1].env[0].valueFrom']]);
    expect(result.diagnostics[0]?.severity).toBe('warning');
    expect(result.policySet.felix.map((c) => c.endpointToHost)).toEqual([undefined]);
  });

  test('a valueFrom after a value of the same name wins as the last entry does in Kubernetes: unset, not the earlier value', () => {
    const text = daemonSet([
      '{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}',
      '{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, valueFrom: {configMapKeyRef: {name: felix, key: action}}}',
    ]);
    const result = load(text);
    expect(codes(result).map(([code]) => code)).toEqual(['felix-env-unread']);
    expect(result.policySet.felix.map((c) => c.endpointToHost)).toEqual([undefined]);
  });

  test('a DaemonSet without a calico-node container, and a second calico-node DaemonSet, are skipped with a warning', () => {
    const other = daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: DROP}'], 'fluentd');
    expect(codes(load(other))).toEqual([['felix-env-unused', ...at(other, '- name: install-cni'), 'spec.template.spec.containers']]);
    const first = daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}']);
    const second = daemonSet(['{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: DROP}']).replace('calico-system', 'kube-system');
    const text = `${first}---\n${second}`;
    const result = load(text);
    expect(codes(result)).toEqual([['felix-env-unused', ...at(text, 'apiVersion', 1), '']]);
    expect(result.policySet.felix.map((c) => [c.name, c.endpointToHost])).toEqual([['calico-system/calico-node', 'Accept']]);
  });
});
