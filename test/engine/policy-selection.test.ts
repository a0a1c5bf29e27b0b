/** Which policies apply to an endpoint (spec section 4 step 1), and in which order (applicablePolicies). */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/model.js';
import { at, cluster, compile, flow, host, pod, policy, policySet, TCP } from './builder.js';

const view = cluster({
  namespaces: { prod: { env: 'prod' }, dev: { env: 'dev' } },
  serviceAccounts: [{ ns: 'prod', name: 'api', labels: { tier: 'backend' } }],
});
const api = pod({ ns: 'prod', name: 'api', labels: { app: 'api' }, sa: 'api', ips: ['10.0.0.1'] });
const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.2'] });
const devApi = pod({ ns: 'dev', name: 'api', labels: { app: 'api' }, ips: ['10.1.0.1'] });
const node = host({ node: 'n1', labels: { role: 'node' } });

function applies(p: Policy, ep: typeof api | typeof node): boolean {
  return compile(policySet([p]), view).applicablePolicies(ep, 'ingress').length > 0;
}

describe('policy selection', () => {
  const ingressAllow = [{ action: 'Allow' as const }];

  it.each<[string, Policy, typeof api | typeof node, boolean]>([
    ['a namespaced policy selects pods of its namespace', policy({ name: 'p', namespace: 'prod', selector: "app == 'api'", ingress: ingressAllow }), api, true],
    ['a namespaced policy never selects pods of another namespace', policy({ name: 'p', namespace: 'prod', selector: "app == 'api'", ingress: ingressAllow }), devApi, false],
    ['a GNP selects pods of every namespace', policy({ name: 'g', selector: "app == 'api'", ingress: ingressAllow }), devApi, true],
    ['a GNP namespaceSelector limits which namespaces', policy({ name: 'g', selector: "app == 'api'", namespaceSelector: "env == 'prod'", ingress: ingressAllow }), devApi, false],
    ['a GNP namespaceSelector over namespace labels', policy({ name: 'g', selector: "app == 'api'", namespaceSelector: "env == 'prod'", ingress: ingressAllow }), api, true],
    ['a GNP serviceAccountSelector over the account labels', policy({ name: 'g', serviceAccountSelector: "tier == 'backend'", ingress: ingressAllow }), api, true],
    ['a GNP serviceAccountSelector, other account', policy({ name: 'g', serviceAccountSelector: "tier == 'backend'", ingress: ingressAllow }), web, false],
    ['a GNP serviceAccountSelector all() selects pods only', policy({ name: 'g', serviceAccountSelector: 'all()', ingress: ingressAllow }), node, false],
    ['a GNP selects host endpoints by their labels', policy({ name: 'g', selector: "role == 'node'", ingress: ingressAllow }), node, true],
    ['preDNAT policies take no part in normal evaluation', { ...policy({ name: 'g', ingress: ingressAllow }), preDNAT: true }, api, false],
    ['doNotTrack policies take no part in normal evaluation', { ...policy({ name: 'g', ingress: ingressAllow }), doNotTrack: true }, api, false],
    ['a policy without ingress in its types', policy({ name: 'g', types: ['Egress'], egress: ingressAllow }), api, false],
  ])('%s', (_n, p, ep, expected) => {
    expect(applies(p, ep)).toBe(expected);
  });

  it('lists tiers and policies in evaluation order', () => {
    const set = policySet(
      [
        policy({ name: 'b', namespace: 'prod', order: 5, ingress: [] }),
        policy({ name: 'security.z', tier: 'security', ingress: [] }),
        policy({ name: 'a', namespace: 'prod', order: 5, ingress: [] }),
        policy({ name: 'k', namespace: 'prod', kind: 'KubernetesNetworkPolicy', order: 1000, ingress: [] }),
        policy({ name: 'security.a', tier: 'security', order: 1, ingress: [] }),
      ],
      { tiers: [{ name: 'security', order: 100, defaultAction: 'Deny' }] },
    );
    expect(compile(set, view).applicablePolicies(api, 'ingress')).toEqual([
      { tier: 'security', policies: ['security.a', 'security.z'] },
      { tier: 'default', policies: ['prod/default.a', 'prod/default.b', 'prod/knp.default.k'] },
    ]);
  });

  it('a policy naming a tier the set does not define runs after every defined tier, with default Deny', () => {
    const set = policySet([
      policy({ name: 'ghost.p', tier: 'ghost', order: 1, ingress: [{ action: 'Allow', protocol: 17 }] }),
      policy({ name: 'np', namespace: 'prod', ingress: [{ action: 'Pass' }] }),
    ]);
    const e = compile(set, view);
    expect(e.applicablePolicies(api, 'ingress').map((t) => t.tier)).toEqual(['default', 'ghost']);
    expect(e.evaluate(flow(), at(web), at(api)).ingress.decider).toEqual({ kind: 'end-of-tier', tier: 'ghost', policy: 'ghost.p' });
  });

  it('source named ports resolve on the source endpoint against src_port', () => {
    const client = pod({ ns: 'prod', name: 'client', labels: { app: 'client' }, ips: ['10.0.0.3'], namedPorts: [{ name: 'callback', port: 7000, protocol: TCP }] });
    const p = policy({ name: 'p', namespace: 'prod', selector: "app == 'api'", ingress: [{ action: 'Allow', protocol: TCP, source: { ports: ['callback'] } }] });
    const e = compile(policySet([p]), view);
    expect(e.evaluate(flow({ src_port: 7000 }), at(client), at(api)).ingress.verdict).toBe('allow');
    expect(e.evaluate(flow({ src_port: 7001 }), at(client), at(api)).ingress.verdict).toBe('deny');
    expect(e.evaluate(flow({ src_port: 7000 }), at(web), at(api)).ingress.verdict).toBe('deny');
  });
});
