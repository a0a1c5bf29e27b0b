/** FelixConfiguration: the failsafe ports and defaultEndpointToHostAction, the only fields flowaudit reads (engine/failsafe.ts and engine/local-host.ts apply them). */
import { describe, expect, test } from 'vitest';
import { PROTO } from '../../src/flows/record.js';
import { overlay } from '../../src/policy/views.js';
import { at, codes, load, plain } from './helpers.js';

const DEFAULT = `
  apiVersion: projectcalico.org/v3
  kind: FelixConfiguration
  metadata: {name: default}
  spec:
    logSeverityScreen: Info
    failsafeInboundHostPorts:
      - {protocol: TCP, port: 22, net: 198.51.100.0/24}
      - {protocol: udp, port: 68}
      - {protocol: Tcp, port: 2222}
    failsafeOutboundHostPorts: []
`;

describe('FelixConfiguration', () => {
  test('failsafe ports: protocol in any case; a net as written; an empty list; other fields unread', () => {
    const result = load(DEFAULT);
    expect(result.diagnostics).toEqual([]);
    expect(plain(result.policySet.felix)).toEqual([
      {
        name: 'default',
        node: undefined,
        failsafeInbound: [
          { protocol: PROTO.TCP, port: 22, net: '198.51.100.0/24' },
          { protocol: PROTO.UDP, port: 68, net: undefined },
          { protocol: PROTO.TCP, port: 2222, net: undefined },
        ],
        failsafeOutbound: [],
      },
    ]);
  });

  test('node.<name> is for that node; a field it does not set is left to default', () => {
    const result = load('apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {name: node.worker-1}\nspec: {failsafeInboundHostPorts: [{protocol: Udp, port: 9}]}\n');
    expect(result.diagnostics).toEqual([]);
    expect(plain(result.policySet.felix)).toEqual([
      { name: 'node.worker-1', node: 'worker-1', failsafeInbound: [{ protocol: PROTO.UDP, port: 9, net: undefined }], failsafeOutbound: undefined },
    ]);
  });

  test('a name Felix does not read is skipped with a warning', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: staging}\nspec: {failsafeInboundHostPorts: []}\n';
    const result = load(text);
    expect(codes(result)).toEqual([['felix-config-unused', ...at(text, 'staging'), 'metadata.name']]);
    expect(result.diagnostics[0]?.severity).toBe('warning');
    expect(result.policySet.felix).toEqual([]);
  });

  test.each([
    ['a protocol without ports', '{protocol: ICMP, port: 1}', 'bad-protocol', 'ICMP', 'spec.failsafeInboundHostPorts[0].protocol'],
    ['SCTP (Felix parses tcp and udp only)', '{protocol: SCTP, port: 9}', 'bad-protocol', 'SCTP', 'spec.failsafeInboundHostPorts[0].protocol'],
    ['no port', '{protocol: TCP}', 'missing-field', '{protocol: TCP}', 'spec.failsafeInboundHostPorts[0].port'],
    ['no protocol (it would reach Felix as ":22", which it refuses)', '{port: 22}', 'missing-field', '{port: 22}', 'spec.failsafeInboundHostPorts[0].protocol'],
    ['a port out of range', '{protocol: TCP, port: 70000}', 'bad-value', '70000', 'spec.failsafeInboundHostPorts[0].port'],
    ['a net that does not parse', '{protocol: TCP, port: 22, net: 10.0.0.0/33}', 'bad-cidr', '10.0.0.0/33', 'spec.failsafeInboundHostPorts[0].net'],
  ])('%s is an error and the configuration is left out', (_n, entry, code, needle, path) => {
    const text = `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec:\n  failsafeInboundHostPorts: [${entry}]\n`;
    const result = load(text);
    const [line, column] = at(text, needle);
    expect(codes(result)).toEqual([[code, line, column, path]]);
    expect(result.policySet.felix).toEqual([]);
  });

  test.each(['Drop', 'Accept', 'Return'])('defaultEndpointToHostAction %s is read', (action) => {
    const result = load(`apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.n1}\nspec: {defaultEndpointToHostAction: ${action}}\n`);
    expect(result.diagnostics).toEqual([]);
    expect(result.policySet.felix.map((c) => [c.node, c.endpointToHost])).toEqual([['n1', action]]);
  });

  test("defaultEndpointToHostAction takes the API's spelling only (Felix's environment variable takes ACCEPT, the API does not)", () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {defaultEndpointToHostAction: ACCEPT}\n';
    const result = load(text);
    expect(codes(result)).toEqual([['bad-value', ...at(text, 'ACCEPT'), 'spec.defaultEndpointToHostAction']]);
    expect(result.diagnostics[0]?.message).toBe('defaultEndpointToHostAction must be Drop, Accept or Return, found "ACCEPT"');
    expect(result.policySet.felix).toEqual([]);
  });

  test('a change replaces a configuration by name', () => {
    const base = load(DEFAULT).policySet;
    const change = load('apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {}\n').policySet;
    const merged = overlay(base, change);
    expect(merged.felix.map((c) => [c.name, c.failsafeInbound, c.failsafeOutbound])).toEqual([['default', undefined, undefined]]);
  });
});
