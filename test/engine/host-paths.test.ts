/** Policies acting on host endpoint paths the engine does not evaluate (preDNAT, doNotTrack, forward). */
import { describe, expect, it } from 'vitest';
import { hostPathDiagnostics } from '../../src/engine/index.js';
import { hostPathPolicies } from '../../src/engine/host-paths.js';
import { cluster, host, pod, policy, policySet } from './builder.js';

const eth0 = host({ node: 'n1', iface: 'eth0', labels: { role: 'node' } });
const all = host({ node: 'n2', labels: { role: 'node', interfaces: 'all' } });
const web = pod({ ns: 'prod', name: 'web', labels: { role: 'node' } });
const view = cluster({ namespaces: { prod: {} }, endpoints: [eth0, all, web] });

function listed(...policies: Parameters<typeof policy>[0][]): [string, string, readonly string[]][] {
  return hostPathPolicies(policySet(policies.map(policy)), view).map((p) => [p.policy.name, p.path, p.hostEndpoints]);
}

describe('hostPathPolicies', () => {
  it('lists preDNAT, doNotTrack and applyOnForward policies with the host endpoints they select', () => {
    expect(
      listed(
        { name: 'nodeports', selector: "role == 'node'", preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny' }] },
        { name: 'untracked', selector: "role == 'node'", doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Allow' }] },
        { name: 'forward', selector: 'all()', applyOnForward: true, egress: [{ action: 'Allow' }] },
      ),
    ).toEqual([
      ['nodeports', 'preDNAT', ['host:n1/eth0', 'host:n2/*']],
      // Felix ignores untracked policy on an all-interfaces host endpoint.
      ['untracked', 'doNotTrack', ['host:n1/eth0']],
      ['forward', 'forward', ['host:n1/eth0', 'host:n2/*']],
    ]);
  });

  it('leaves out normal policies, and ones that select no host endpoint it acts on', () => {
    expect(
      listed(
        { name: 'normal', selector: "role == 'node'", ingress: [{ action: 'Deny' }] },
        // Pods only: a namespaced policy, and a global one whose namespaceSelector no host endpoint passes.
        { name: 'pods', namespace: 'prod', selector: 'all()', applyOnForward: true, ingress: [{ action: 'Deny' }] },
        { name: 'pods-everywhere', selector: 'all()', namespaceSelector: 'all()', applyOnForward: true, ingress: [{ action: 'Deny' }] },
        { name: 'other-hosts', selector: "role == 'gateway'", preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny' }] },
        // Untracked policy on all-interfaces host endpoints only: Felix ignores it.
        { name: 'untracked-all', selector: "interfaces == 'all'", doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Deny' }] },
      ),
    ).toEqual([]);
  });

  it('warns once per policy with an origin, naming three host endpoints and counting the rest', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e'].map((n) => host({ node: n, labels: { role: 'node' } }));
    const p = { ...policy({ name: 'nodeports', selector: "role == 'node'", preDNAT: true, applyOnForward: true }), origin: { file: 'p.yaml', line: 3, column: 1 } };
    const [d, ...rest] = hostPathDiagnostics(policySet([p, policy({ name: 'no-origin', preDNAT: true, applyOnForward: true })]), cluster({ endpoints: hosts }));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: 'warning', code: 'host-path-not-evaluated', file: 'p.yaml', line: 3 });
    expect(d!.message).toBe(
      'policy nodeports is preDNAT and selects host endpoints host:a/*, host:b/*, host:c/* and 2 more: flowaudit evaluates it for traffic to those hosts themselves, not for traffic arriving through them for elsewhere (NodePorts, their pods), whose verdicts leave it out',
    );
  });
});
