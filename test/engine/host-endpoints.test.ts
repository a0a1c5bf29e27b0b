/** Host endpoints: failsafe ports, profiles, which policies select them, hostNetwork pods, and pods with their own node. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILSAFE_PORTS, formatDecision, formatExplanation } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Endpoint, Peer } from '../../src/inventory/endpoint.js';
import type { Cidr, EndpointToHostAction, FelixConfig, Policy } from '../../src/policy/model.js';
import { address, at, cidr, cluster, compile, flow, host, pod, policy, policySet, profile, TCP, UDP, unresolved } from './builder.js';

const view = cluster({ namespaces: { prod: {} } });
const node = host({ node: 'n1', labels: { role: 'node' }, ips: ['192.168.0.1'] });
const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
const outside = address('198.51.100.1');

function decide(policies: Policy[], f: Partial<FlowRecord>, src: Peer, dst: Peer): string {
  return formatDecision(compile(policySet(policies), view).evaluate(flow(f), src, dst));
}

/** Both directions' rule text under these FelixConfigurations and no policy. */
function decideWith(felix: FelixConfig[], f: Partial<FlowRecord>, src: Peer, dst: Peer): string[] {
  return formatDecision(compile(policySet([], { felix }), view).evaluate(flow(f), src, dst)).split('; ');
}

function felixConfig(
  name: string,
  ports: { inbound?: { protocol: number; port: number; net?: Cidr }[]; outbound?: { protocol: number; port: number; net?: Cidr }[] },
  endpointToHost?: EndpointToHostAction,
): FelixConfig {
  const entries = (l: { protocol: number; port: number; net?: Cidr }[] | undefined) => l?.map((p) => ({ protocol: p.protocol, port: p.port, net: p.net }));
  const node = name === 'default' ? undefined : name.slice('node.'.length);
  return { name, node, failsafeInbound: entries(ports.inbound), failsafeOutbound: entries(ports.outbound), endpointToHost };
}

describe('failsafe ports (felix/config/config_params.go defaults)', () => {
  it('the defaults are Felix defaults', () => {
    const text = (l: readonly { protocol: number; port: number }[]) => l.map((p) => `${p.protocol === TCP ? 'tcp' : 'udp'}:${p.port}`).join(',');
    expect(text(DEFAULT_FAILSAFE_PORTS.inbound)).toBe('tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667');
    expect(text(DEFAULT_FAILSAFE_PORTS.outbound)).toBe('udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667');
  });

  it.each<[string, Partial<FlowRecord>, 'in' | 'out', string]>([
    ['ssh in', { dst_port: 22 }, 'in', 'ingress=allow@(failsafe)/TCP:22'],
    ['DHCP client in (udp 68)', { proto: UDP, dst_port: 68 }, 'in', 'ingress=allow@(failsafe)/UDP:68'],
    ['BGP in', { dst_port: 179 }, 'in', 'ingress=allow@(failsafe)/TCP:179'],
    ['kube-apiserver in', { dst_port: 6443 }, 'in', 'ingress=allow@(failsafe)/TCP:6443'],
    ['DNS in is not failsafe', { proto: UDP, dst_port: 53 }, 'in', 'ingress=deny@(host-default-deny)/host:n1/*'],
    ['ssh over UDP is not failsafe', { proto: UDP, dst_port: 22 }, 'in', 'ingress=deny@(host-default-deny)/host:n1/*'],
    ['DNS out', { proto: UDP, dst_port: 53 }, 'out', 'egress=allow@(failsafe)/UDP:53'],
    ['etcd out', { dst_port: 2379 }, 'out', 'egress=allow@(failsafe)/TCP:2379'],
    ['ssh out is not failsafe', { dst_port: 22 }, 'out', 'egress=deny@(host-default-deny)/host:n1/*'],
  ])('%s', (_n, f, dir, expected) => {
    const text = dir === 'in' ? decide([], f, outside, at(node)).split('; ')[1] : decide([], f, at(node), outside).split('; ')[0];
    expect(text).toBe(expected);
  });

  it('failsafe ports are allowed before policy: an explicit Deny does not cut ssh off', () => {
    const deny = policy({ name: 'deny-all', selector: "role == 'node'", ingress: [{ action: 'Deny' }] });
    expect(decide([deny], { dst_port: 22 }, outside, at(node)).split('; ')[1]).toBe('ingress=allow@(failsafe)/TCP:22');
    expect(decide([deny], { dst_port: 80 }, outside, at(node)).split('; ')[1]).toBe('ingress=deny@default/default.deny-all#0');
  });

  it('FelixConfiguration failsafe ports replace the defaults, direction by direction', () => {
    const felix = [felixConfig('default', { inbound: [{ protocol: TCP, port: 2222 }] })];
    expect(decideWith(felix, { dst_port: 2222 }, outside, at(node))[1]).toBe('ingress=allow@(failsafe)/TCP:2222');
    expect(decideWith(felix, { dst_port: 22 }, outside, at(node))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
    // Outbound is not set: Felix's default list stays.
    expect(decideWith(felix, { proto: UDP, dst_port: 53 }, at(node), outside)[0]).toBe('egress=allow@(failsafe)/UDP:53');
  });

  it('an empty list turns the failsafe ports of that direction off', () => {
    const felix = [felixConfig('default', { outbound: [] })];
    expect(decideWith(felix, { proto: UDP, dst_port: 53 }, at(node), outside)[0]).toBe('egress=deny@(host-default-deny)/host:n1/*');
    expect(decideWith(felix, { dst_port: 22 }, outside, at(node))[1]).toBe('ingress=allow@(failsafe)/TCP:22');
  });

  it('node.<name> wins over default for the host endpoints of that node only', () => {
    const other = host({ node: 'n2', labels: { role: 'node' }, ips: ['192.168.0.2'] });
    const felix = [
      felixConfig('default', { inbound: [{ protocol: TCP, port: 2222 }] }),
      felixConfig('node.n1', { inbound: [{ protocol: TCP, port: 3333 }] }),
    ];
    expect(decideWith(felix, { dst_port: 3333 }, outside, at(node))[1]).toBe('ingress=allow@(failsafe)/TCP:3333');
    expect(decideWith(felix, { dst_port: 2222 }, outside, at(node))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
    expect(decideWith(felix, { dst_port: 2222 }, outside, at(other))[1]).toBe('ingress=allow@(failsafe)/TCP:2222');
    expect(decideWith(felix, { dst_port: 3333 }, outside, at(other))[1]).toBe('ingress=deny@(host-default-deny)/host:n2/*');
  });

  it('an entry with a net is open to those remote addresses only: the source inbound, the destination outbound', () => {
    const felix = [
      felixConfig('default', {
        inbound: [{ protocol: TCP, port: 22, net: cidr('198.51.100.0/24') }],
        outbound: [{ protocol: TCP, port: 2379, net: cidr('198.51.100.0/24') }],
      }),
    ];
    expect(decideWith(felix, { dst_port: 22 }, outside, at(node))[1]).toBe('ingress=allow@(failsafe)/TCP:22');
    expect(decideWith(felix, { dst_port: 22 }, address('203.0.113.9'), at(node))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
    expect(decideWith(felix, { dst_port: 2379 }, at(node), outside)[0]).toBe('egress=allow@(failsafe)/TCP:2379');
    expect(decideWith(felix, { dst_port: 2379 }, at(node), address('203.0.113.9'))[0]).toBe('egress=deny@(host-default-deny)/host:n1/*');
  });

  it('two entries for one port: one without a net opens it to everyone', () => {
    const felix = [felixConfig('default', { inbound: [{ protocol: TCP, port: 22, net: cidr('198.51.100.0/24') }, { protocol: TCP, port: 22 }] })];
    expect(decideWith(felix, { dst_port: 22 }, address('203.0.113.9'), at(node))[1]).toBe('ingress=allow@(failsafe)/TCP:22');
  });

  it('a net needs the remote IP: without it a deny becomes unknown, with the reason', () => {
    const felix = [felixConfig('default', { inbound: [{ protocol: TCP, port: 22, net: cidr('198.51.100.0/24') }] })];
    const v = compile(policySet([], { felix }), view).evaluate(flow({ dst_port: 22 }), unresolved(), at(node));
    expect(formatDecision(v).split('; ')[1]).toBe('ingress=unknown@(unknown-failsafe)/TCP');
    expect(v.reason).toBe('ingress: policy denies, but failsafe port TCP:22 (open to some addresses only) needs the source IP, which the flow lacks');
  });

  it('workload endpoints have no failsafe ports', () => {
    const deny = policy({ name: 'deny-all', ingress: [{ action: 'Deny' }] });
    expect(decide([deny], { dst_port: 22 }, outside, at(web)).split('; ')[1]).toBe('ingress=deny@default/default.deny-all#0');
  });
});

describe('host endpoint policy and profiles', () => {
  it.each<[string, Policy[], string]>([
    ['a GlobalNetworkPolicy selecting the host allows', [policy({ name: 'web-in', selector: "role == 'node'", ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: [80] } }] })],
      'ingress=allow@default/default.web-in#0'],
    ['a selecting policy that matches nothing drops at the end of the tier', [policy({ name: 'https-in', selector: "role == 'node'", ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: [443] } }] })],
      'ingress=deny@default/default.https-in#(end-of-tier)'],
    ['namespaced policies never select host endpoints', [policy({ name: 'np', namespace: 'prod', ingress: [{ action: 'Allow' }] })],
      'ingress=deny@(host-default-deny)/host:n1/*'],
    ['an applyOnForward policy also applies to traffic to the host (Felix renders it into both chains)', [policy({ name: 'aof', selector: "role == 'node'", applyOnForward: true, ingress: [{ action: 'Allow' }] })],
      'ingress=allow@default/default.aof#0'],
    ['a GNP namespaceSelector all() selects pods only', [policy({ name: 'pods', namespaceSelector: 'all()', ingress: [{ action: 'Allow' }] })],
      'ingress=deny@(host-default-deny)/host:n1/*'],
    ['a GNP namespaceSelector sees no labels on a host endpoint, so !has() selects it (pcns. prefix)', [policy({ name: 'odd', namespaceSelector: '!has(team)', ingress: [{ action: 'Allow' }] })],
      'ingress=allow@default/default.odd#0'],
  ])('%s', (_n, policies, expected) => {
    expect(decide(policies, { dst_port: 80 }, outside, at(node)).split('; ')[1]).toBe(expected);
  });

  it.each<[string, string[], string]>([
    ['no profiles: default deny', [], 'ingress=deny@(host-default-deny)/host:n2/eth0'],
    ['projectcalico-default-allow allows', ['projectcalico-default-allow'], 'ingress=allow@(profile)/projectcalico-default-allow'],
    ['a profile whose rules are not loaded: unknown', ['custom'], 'ingress=unknown@(unknown-profile)/custom'],
  ])('profiles: %s', (_n, profiles, expected) => {
    const h = host({ node: 'n2', iface: 'eth0', profiles, ips: ['192.168.0.2'] });
    expect(decide([], { dst_port: 80 }, outside, at(h)).split('; ')[1]).toBe(expected);
  });

  describe('loaded Profiles (felix/rules/endpoints.go: profiles in order after the tiers)', () => {
    const sshOnly = profile('ssh-only', {
      ingress: [
        { action: 'Log' },
        { action: 'Allow', protocol: TCP, destination: { ports: [22, 2222] } },
        { action: 'Pass', protocol: UDP },
        { action: 'Deny', protocol: TCP, destination: { ports: [23] } },
      ],
      egress: [{ action: 'Allow' }],
    });
    const web = profile('web', { ingress: [{ action: 'Allow', protocol: TCP, destination: { ports: [80] } }, { action: 'Allow', protocol: UDP }] });
    const labelled = profile('labelled', { labelsToApply: { tier: 'edge', role: 'profile-role' } });
    const decideProfiles = (profiles: string[], f: Partial<FlowRecord>, policies: Policy[] = []): string => {
      const h = host({ node: 'n2', iface: 'eth0', profiles, labels: { role: 'node' }, ips: ['192.168.0.2'] });
      const set = policySet(policies, { profiles: [sshOnly, web, labelled] });
      return formatDecision(compile(set, cluster({ endpoints: [h] })).evaluate(flow(f), outside, at(h))).split('; ')[1]!;
    };

    it.each<[string, string[], Partial<FlowRecord>, string]>([
      ['an Allow rule decides', ['ssh-only', 'web'], { dst_port: 2222 }, 'ingress=allow@(profile)/ssh-only#1'],
      // The same rule allows 22, but port 22 is failsafe, before any profile.
      ['a failsafe port decides before the profiles', ['ssh-only', 'web'], { dst_port: 22 }, 'ingress=allow@(failsafe)/TCP:22'],
      ['a Deny rule decides', ['ssh-only', 'web'], { dst_port: 23 }, 'ingress=deny@(profile)/ssh-only#3'],
      ['no rule matches: the next profile', ['ssh-only', 'web'], { dst_port: 80 }, 'ingress=allow@(profile)/web#0'],
      ['Pass goes on to the next profile', ['ssh-only', 'web'], { proto: UDP, dst_port: 5000 }, 'ingress=allow@(profile)/web#1'],
      ['no profile decides: default deny', ['ssh-only', 'web'], { dst_port: 8080 }, 'ingress=deny@(host-default-deny)/host:n2/eth0'],
      ['profiles run in the order the endpoint names them', ['web', 'ssh-only'], { dst_port: 23 }, 'ingress=deny@(profile)/ssh-only#3'],
      ['an unloaded profile before a deciding one: unknown', ['custom', 'web'], { dst_port: 80 }, 'ingress=unknown@(unknown-profile)/custom'],
      ['a loaded profile decides before an unloaded one is reached', ['web', 'custom'], { dst_port: 80 }, 'ingress=allow@(profile)/web#0'],
    ])('%s', (_n, profiles, f, expected) => {
      expect(decideProfiles(profiles, f)).toBe(expected);
    });

    it('a profile rule whose match the flow cannot decide makes the direction unknown, naming the rule', () => {
      expect(decideProfiles(['ssh-only'], { dst_port: undefined })).toBe('ingress=unknown@(profile)/ssh-only#1');
    });

    it('explain shows the preDNAT stage before the normal policies', () => {
      const pre = policy({ name: 'pre', selector: "role == 'node'", preDNAT: true, applyOnForward: true, ingress: [{ action: 'Log' }] });
      const h = host({ node: 'n2', iface: 'eth0', labels: { role: 'node' }, profiles: ['web'], ips: ['192.168.0.2'] });
      const set = compile(policySet([pre], { profiles: [web] }), cluster({ endpoints: [h] }));
      const text = formatExplanation(set.explain(flow({ dst_port: 80 }), outside, at(h)));
      expect(text).toContain('  pre-DNAT policy:\n  tier default: default.pre\n    default.pre ingress[0] Log\n  normal policy:\n  profiles: web\n    profile web ingress[0] Allow');
    });

    it('explain names the profile of each rule met', () => {
      const h = host({ node: 'n2', iface: 'eth0', profiles: ['ssh-only', 'web'], ips: ['192.168.0.2'] });
      const set = compile(policySet([], { profiles: [sshOnly, web] }), cluster({ endpoints: [h] }));
      const text = formatExplanation(set.explain(flow({ dst_port: 23 }), outside, at(h)));
      expect(text).toContain('  profiles: ssh-only, web\n    profile ssh-only ingress[0] Log\n    profile ssh-only ingress[3] Deny\n  => deny by (profile)/ssh-only#3');
    });

    it('the Log and Pass rules met are on the path', () => {
      const h = host({ node: 'n2', iface: 'eth0', profiles: ['ssh-only', 'web'], ips: ['192.168.0.2'] });
      const v = compile(policySet([], { profiles: [sshOnly, web] }), cluster({ endpoints: [h] })).evaluate(flow({ proto: UDP, dst_port: 5000 }), outside, at(h));
      expect(v.ingress.path.map((s) => `${s.tier}/${s.policy}#${s.rule} ${s.action}`)).toEqual(['(profile)/ssh-only#0 Log', '(profile)/ssh-only#2 Pass']);
    });

    it('policies decide before profiles', () => {
      const deny = policy({ name: 'deny-80', selector: "role == 'node'", ingress: [{ action: 'Deny', protocol: TCP, destination: { ports: [80] } }, { action: 'Pass' }] });
      expect(decideProfiles(['web'], { dst_port: 80 }, [deny])).toBe('ingress=deny@default/default.deny-80#0');
      expect(decideProfiles(['web'], { dst_port: 81 }, [deny])).toBe('ingress=deny@(host-default-deny)/host:n2/eth0');
    });

    it('profile rules match nets (their CIDRs are cut into the address space as policies\' are)', () => {
      const fromNet = profile('from-net', { ingress: [{ action: 'Allow', source: { nets: ['198.51.100.0/24'] } }] });
      const h = host({ node: 'n2', iface: 'eth0', profiles: ['from-net'], ips: ['192.168.0.2'] });
      const set = compile(policySet([], { profiles: [fromNet] }), cluster({ endpoints: [h] }));
      const ingress = (src: string) => formatDecision(set.evaluate(flow({ dst_port: 80 }), address(src), at(h))).split('; ')[1];
      expect(ingress('198.51.100.7')).toBe('ingress=allow@(profile)/from-net#0');
      expect(ingress('203.0.113.7')).toBe('ingress=deny@(host-default-deny)/host:n2/eth0');
    });

    it('a workload of another orchestrator is decided by the profiles it names, and dropped when none allows', () => {
      const vm = pod({ ns: 'prod', name: 'vm-1', ips: ['10.0.0.9'], profiles: ['web', 'ssh-only'] });
      const set = compile(policySet([], { profiles: [sshOnly, web, labelled] }), cluster({ namespaces: { prod: {} }, endpoints: [vm] }));
      const ingress = (f: Partial<FlowRecord>) => formatDecision(set.evaluate(flow(f), outside, at(vm))).split('; ')[1];
      expect(ingress({ dst_port: 80 })).toBe('ingress=allow@(profile)/web#0');
      expect(ingress({ dst_port: 23 })).toBe('ingress=deny@(profile)/ssh-only#3');
      expect(ingress({ dst_port: 8080 })).toBe('ingress=deny@(workload-default-deny)');
      // A Kubernetes pod (no profiles of its own) keeps its namespace profile.
      const k8sPod = pod({ ns: 'prod', name: 'api', ips: ['10.0.0.8'] });
      expect(formatDecision(set.evaluate(flow({ dst_port: 8080 }), outside, at(k8sPod))).split('; ')[1]).toBe('ingress=allow@(profile)/kns.prod');
    });

    it('a workload inherits the labels of the profiles it names, kns. ones as pcns.*', () => {
      const vm = pod({ ns: 'prod', name: 'vm-1', ips: ['10.0.0.9'], profiles: ['labelled', 'kns.prod'] });
      const edge = policy({ name: 'edge', selector: "tier == 'edge' && pcns.team == 'a'", ingress: [{ action: 'Allow' }] });
      const view = cluster({ namespaces: { prod: { team: 'a' } }, endpoints: [vm] });
      const v = compile(policySet([edge], { profiles: [labelled] }), view).evaluate(flow({ dst_port: 80 }), outside, at(vm));
      expect(formatDecision(v).split('; ')[1]).toBe('ingress=allow@default/default.edge#0');
    });

    it("a host endpoint inherits its profiles' labelsToApply, its own labels first", () => {
      const byTier = policy({ name: 'edge-in', selector: "tier == 'edge' && role == 'node'", ingress: [{ action: 'Allow' }] });
      expect(decideProfiles(['labelled'], { dst_port: 80 }, [byTier])).toBe('ingress=allow@default/default.edge-in#0');
      // Without the profile the endpoint has no `tier` label.
      expect(decideProfiles([], { dst_port: 80 }, [byTier])).toBe('ingress=deny@(host-default-deny)/host:n2/eth0');
    });
  });

  it('without dst_port a TCP flow might be on a failsafe port: a deny becomes unknown, an allow stays', () => {
    const noPort = { dst_port: undefined };
    expect(decide([], noPort, outside, at(node)).split('; ')[1]).toBe('ingress=unknown@(unknown-failsafe)/TCP');
    const allow = policy({ name: 'all-in', selector: "role == 'node'", ingress: [{ action: 'Allow' }] });
    expect(decide([allow], noPort, outside, at(node)).split('; ')[1]).toBe('ingress=allow@default/default.all-in#0');
  });
});

describe('hostNetwork pods are not workload endpoints', () => {
  const agent = pod({ ns: 'prod', name: 'agent', labels: { app: 'agent' }, ips: ['192.168.0.1'], hostNetwork: true });

  it('no workload policy applies to them', () => {
    const deny = policy({ name: 'deny-all', ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] });
    expect(decide([deny], {}, at(agent), outside)).toBe('egress=allow@(no-endpoint); ingress=allow@(no-endpoint)');
  });

  it('rule selectors do not match them; nets on their (node) IP do', () => {
    const p = policy({
      name: 'p',
      selector: "app == 'web'",
      ingress: [{ action: 'Deny', source: { selector: "app == 'agent'" } }, { action: 'Allow', source: { nets: ['192.168.0.0/24'] } }],
    });
    expect(decide([p], {}, at(agent), at(web)).split('; ')[1]).toBe('ingress=allow@default/default.p#1');
  });
});

describe('a pod and its own node (felix/rules/static.go: cali-wl-to-host, and the OUTPUT chain)', () => {
  const n1 = host({ node: 'n1', labels: { role: 'node' }, ips: ['192.168.0.1'] });
  const n2 = host({ node: 'n2', labels: { role: 'node' }, ips: ['192.168.0.2'] });
  const onN1 = pod({ ns: 'prod', name: 'web-1', labels: { app: 'web' }, ips: ['10.0.0.1'], node: 'n1' });
  const alsoOnN1 = pod({ ns: 'prod', name: 'web-2', labels: { app: 'web' }, ips: ['10.0.0.2'], node: 'n1' });
  const onN2 = pod({ ns: 'prod', name: 'web-3', labels: { app: 'web' }, ips: ['10.0.0.3'], node: 'n2' });
  const unscheduled = pod({ ns: 'prod', name: 'web-4', labels: { app: 'web' }, ips: ['10.0.0.4'] });
  const agentOnN1 = pod({ ns: 'kube-system', name: 'agent', ips: ['192.168.0.1'], hostNetwork: true, node: 'n1' });
  const allowIn = policy({ name: 'host-in', selector: "role == 'node'", ingress: [{ action: 'Allow' }] });
  const denyAll = policy({ name: 'deny-all', selector: "app == 'web'", ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] });
  const withAction = (action?: EndpointToHostAction): FelixConfig[] => [felixConfig('default', {}, action)];

  it.each<[EndpointToHostAction | undefined, string]>([
    ['Drop', 'ingress=deny@(endpoint-to-host)/Drop'],
    ['Accept', 'ingress=allow@(endpoint-to-host)/Accept'],
    ['Return', 'ingress=unknown@(endpoint-to-host)/Return'],
    [undefined, 'ingress=unknown@(endpoint-to-host)/unset'],
  ])('pod → its node: after the egress policy, DefaultEndpointToHostAction %s decides, not the host endpoint', (action, ingress) => {
    expect(decideWith(withAction(action), {}, at(onN1), at(n1))).toEqual(['egress=allow@(profile)/kns.prod', ingress]);
  });

  it('says why an unset or Return action is unknown', () => {
    const reasonOf = (felix: FelixConfig[]) => compile(policySet([], { felix }), view).evaluate(flow(), at(onN1), at(n1)).reason;
    expect(reasonOf(withAction('Return'))).toBe("ingress: DefaultEndpointToHostAction is Return: the node's own iptables INPUT rules decide");
    expect(reasonOf(withAction(undefined))).toMatch(/^ingress: neither a FelixConfiguration nor the calico-node DaemonSet sets defaultEndpointToHostAction \(Felix defaults to Drop, /);
  });

  it('the egress policy still applies first: a denied egress is denied whatever the action', () => {
    const set = compile(policySet([denyAll], { felix: withAction('Accept') }), view);
    expect(formatDecision(set.evaluate(flow(), at(onN1), at(n1)))).toBe('egress=deny@default/default.deny-all#0; ingress=allow@(endpoint-to-host)/Accept');
    expect(set.evaluate(flow(), at(onN1), at(n1)).verdict).toBe('deny');
  });

  it('Drop denies even where the egress is unknown', () => {
    const p = policy({ name: 'by-port', selector: "app == 'web'", egress: [{ action: 'Allow', protocol: TCP, source: { ports: [40000] } }] });
    const v = compile(policySet([p], { felix: withAction('Drop') }), view).evaluate(flow({ src_port: undefined }), at(onN1), at(n1));
    expect(formatDecision(v)).toBe('egress=unknown@default/default.by-port#0; ingress=deny@(endpoint-to-host)/Drop');
    expect(v.verdict).toBe('deny');
  });

  it('node.<name> wins over default', () => {
    const felix = [felixConfig('default', {}, 'Drop'), felixConfig('node.n1', {}, 'Accept')];
    expect(decideWith(felix, {}, at(onN1), at(n1))[1]).toBe('ingress=allow@(endpoint-to-host)/Accept');
    expect(decideWith(felix, {}, at(onN2), at(n2))[1]).toBe('ingress=deny@(endpoint-to-host)/Drop');
  });

  it("calico-node's environment wins over every FelixConfiguration, for the action and the failsafe ports", () => {
    const environment: FelixConfig = { ...felixConfig('default', { inbound: [{ protocol: TCP, port: 2222 }] }, 'Accept'), name: 'calico-system/calico-node', environment: true };
    const felix = [felixConfig('default', {}, 'Drop'), felixConfig('node.n1', { inbound: [{ protocol: TCP, port: 22 }] }, 'Return'), environment];
    expect(decideWith(felix, {}, at(onN1), at(n1))[1]).toBe('ingress=allow@(endpoint-to-host)/Accept');
    expect(decideWith(felix, {}, at(onN2), at(n2))[1]).toBe('ingress=allow@(endpoint-to-host)/Accept');
    expect(decideWith(felix, { dst_port: 2222 }, outside, at(n1))[1]).toBe('ingress=allow@(failsafe)/TCP:2222');
    expect(decideWith(felix, { dst_port: 22 }, outside, at(n1))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
    // A setting the environment leaves unset falls back to node.<name>, then default.
    const actionOnly: FelixConfig = { ...felixConfig('default', {}, 'Accept'), name: 'calico-system/calico-node', environment: true };
    const fallback = [felixConfig('node.n1', { inbound: [{ protocol: TCP, port: 22 }] }), actionOnly];
    expect(decideWith(fallback, { dst_port: 22 }, outside, at(n1))[1]).toBe('ingress=allow@(failsafe)/TCP:22');
    expect(decideWith(fallback, { dst_port: 6443 }, outside, at(n1))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
  });

  it('a host-networked pod on the node is the node too', () => {
    expect(decideWith(withAction('Drop'), {}, at(onN1), at(agentOnN1))[1]).toBe('ingress=deny@(endpoint-to-host)/Drop');
  });

  it('another node, or a pod whose node is not known, takes the ordinary path: the host endpoint decides', () => {
    expect(decideWith(withAction('Drop'), {}, at(onN2), at(n1))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
    expect(decideWith(withAction('Drop'), {}, at(unscheduled), at(n1))[1]).toBe('ingress=deny@(host-default-deny)/host:n1/*');
  });

  it('node → a pod on it: neither the pod ingress nor the host endpoint egress policy applies', () => {
    const set = compile(policySet([denyAll], { felix: withAction('Drop') }), view);
    expect(formatDecision(set.evaluate(flow(), at(n1), at(onN1)))).toBe('egress=allow@(host-to-workload); ingress=allow@(host-to-workload)');
    expect(formatDecision(set.evaluate(flow(), at(agentOnN1), at(onN1)))).toBe('egress=allow@(host-to-workload); ingress=allow@(host-to-workload)');
    // From another node the pod's policy applies (and the host endpoint's: default deny).
    expect(formatDecision(set.evaluate(flow(), at(n2), at(onN1)))).toBe('egress=deny@(host-default-deny)/host:n2/*; ingress=deny@default/default.deny-all#0');
  });

  it('one compiled set tells flows between the same sides apart by node (the verdict cache must not mix them)', () => {
    const set = compile(policySet([allowIn], { felix: withAction('Drop') }), view);
    const local = (src: Endpoint) => formatDecision(set.evaluate(flow(), at(src), at(n1)));
    // web-1 and web-3 are one endpoint class: first the other node's verdict, then the own node's, then again.
    expect(local(onN2)).toBe('egress=allow@(profile)/kns.prod; ingress=allow@default/default.host-in#0');
    expect(local(onN1)).toBe('egress=allow@(profile)/kns.prod; ingress=deny@(endpoint-to-host)/Drop');
    expect(local(alsoOnN1)).toBe('egress=allow@(profile)/kns.prod; ingress=deny@(endpoint-to-host)/Drop');
    expect(local(onN2)).toBe('egress=allow@(profile)/kns.prod; ingress=allow@default/default.host-in#0');
  });

  it('explain names the path', () => {
    const text = formatExplanation(compile(policySet([], { felix: withAction('Drop') }), view).explain(flow(), at(onN1), at(n1)));
    expect(text).toContain("from a pod to its own node n1: Felix's DefaultEndpointToHostAction decides, no host endpoint policy");
    expect(text).toContain('=> deny: from a pod to its own node, DefaultEndpointToHostAction Drop');
    const back = formatExplanation(compile(policySet([], {}), view).explain(flow(), at(n1), at(onN1)));
    expect(back).toContain('from node n1 to a pod on it: Felix applies no policy');
    expect(back).toContain('=> allow: from a node to a pod on it, which Felix does not police');
  });
});
