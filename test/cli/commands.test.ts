import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCapture } from './harness.js';

const F = 'fixtures/cli';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'flowaudit-cli-'));
}

const HOST_ENDPOINT_N1 =
  'apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {role: node}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [192.168.0.1]}';

function felixConfig(spec: string): string {
  return `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {${spec}}\n`;
}

/**
 * Replays TCP flows (the fields given over one time and source port) against YAML documents written to
 * cluster.yaml, and a change when given, in a fresh folder: the run and its result rows.
 */
async function replayDocuments(opts: { policies: string[]; change?: string; flows: Record<string, unknown>[] }) {
  const dir = await tmp();
  const cluster = join(dir, 'cluster.yaml');
  await writeFile(cluster, opts.policies.join('\n---\n'));
  const flows = join(dir, 'flows.jsonl');
  const base = { time: '2026-03-02T00:00:00.000Z', src_port: 40000, proto: 'TCP' };
  await writeFile(flows, opts.flows.map((f) => `${JSON.stringify({ ...base, ...f })}\n`).join(''));
  const out = join(dir, 'results.jsonl');
  const args = ['replay', '--flows', flows, '--policies', cluster, '--out', out];
  if (opts.change !== undefined) {
    const change = join(dir, 'change.yaml');
    await writeFile(change, opts.change);
    args.push('--change', change);
  }
  const r = await runCapture(args);
  const rows = r.code === 0 ? (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  return { r, rows };
}

describe('replay', () => {
  it('writes one row per good flow in input order, dead-letters the bad line, and classifies against the change', async () => {
    const dir = await tmp();
    const out = join(dir, 'results.jsonl');
    const r = await runCapture(['replay', '--flows', `${F}/flows.jsonl`, '--policies', `${F}/cluster.yaml`, '--change', `${F}/change.yaml`, '--out', out]);
    expect(r.code).toBe(0);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => x.class)).toEqual(['would-block', 'unchanged-deny', 'unchanged-allow']);
    expect(rows[0]).toMatchObject({
      expect: 'allowed',
      src_endpoint: 'pod:prod/web-1',
      dst_endpoint: 'pod:prod/db-1',
      verdict: 'allow',
      rule: 'egress=allow@(profile)/kns.prod; ingress=allow@default/prod/knp.default.db-ingress#0',
      proposed_rule: 'egress=allow@(profile)/kns.prod; ingress=deny@default/prod/knp.default.db-ingress#(end-of-tier)',
    });
    expect(rows[1]!.observed_mismatch).toBe(true);
    const dead = (await readFile(join(dir, 'results.dead-letters.jsonl'), 'utf8')).trim().split('\n');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!)).toMatchObject({ reason: 'invalid-json', pos: { line: 4 } });
    expect(r.stderr).toMatch(/replayed 3 flows .*would-block 1.*1 dead letters/);
  });

  it('takes the failsafe ports from a FelixConfiguration, and a change to them shows as would-block', async () => {
    const flow = (port: number) => ({ src_ip: '198.51.100.7', dst_ip: '192.168.0.1', dst_port: port });
    const { r, rows } = await replayDocuments({
      policies: [HOST_ENDPOINT_N1, felixConfig('failsafeInboundHostPorts: [{protocol: TCP, port: 2222}]')],
      change: felixConfig('failsafeInboundHostPorts: []'),
      flows: [flow(2222), flow(22)],
    });
    expect(r.stderr).toContain('replayed 2 flows');
    expect(r.code).toBe(0);
    expect(rows.map((x) => [x.rule, x.class])).toEqual([
      ['egress=allow@(no-endpoint); ingress=allow@(failsafe)/TCP:2222', 'would-block'],
      ['egress=allow@(no-endpoint); ingress=deny@(host-default-deny)/host:n1/eth0', 'unchanged-deny'],
    ]);
  });

  it("decides a pod's traffic to its own node by DefaultEndpointToHostAction, and a change to it shows as would-block", async () => {
    const flow = (src: string, dst: string) => ({ src_ip: src, dst_ip: dst, dst_port: 10250 });
    const { r, rows } = await replayDocuments({
      policies: [
        HOST_ENDPOINT_N1,
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\nspec: {nodeName: n1}\nstatus: {podIP: 10.0.0.1}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: prod}\nspec: {nodeName: n2}\nstatus: {podIP: 10.0.0.2}',
        felixConfig('defaultEndpointToHostAction: Accept'),
      ],
      change: felixConfig('defaultEndpointToHostAction: Drop'),
      flows: [flow('10.0.0.1', '192.168.0.1'), flow('10.0.0.2', '192.168.0.1'), flow('192.168.0.1', '10.0.0.1')],
    });
    expect(r.stderr).toContain('replayed 3 flows');
    expect(r.code).toBe(0);
    expect(rows.map((x) => [x.rule, x.proposed_rule, x.class])).toEqual([
      // web runs on n1: its traffic to n1 is Felix's DefaultEndpointToHostAction's, not the host endpoint's.
      ['egress=allow@(profile)/kns.prod; ingress=allow@(endpoint-to-host)/Accept', 'egress=allow@(profile)/kns.prod; ingress=deny@(endpoint-to-host)/Drop', 'would-block'],
      // api runs on n2: the host endpoint of n1 decides (default deny, no policy).
      ['egress=allow@(profile)/kns.prod; ingress=deny@(host-default-deny)/host:n1/eth0', 'egress=allow@(profile)/kns.prod; ingress=deny@(host-default-deny)/host:n1/eth0', 'unchanged-deny'],
      // n1 to a pod on it (a kubelet probe): no policy applies.
      ['egress=allow@(host-to-workload); ingress=allow@(host-to-workload)', 'egress=allow@(host-to-workload); ingress=allow@(host-to-workload)', 'unchanged-allow'],
    ]);
  });

  it("reads the calico-node DaemonSet's FELIX_* environment over the FelixConfiguration", async () => {
    const calicoNode = (action: string) =>
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: calico-system}\nspec:\n  template:\n    spec:\n      containers:\n        - name: calico-node\n          env: [{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ${action}}]`;
    const { r, rows } = await replayDocuments({
      policies: [
        HOST_ENDPOINT_N1,
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\nspec: {nodeName: n1}\nstatus: {podIP: 10.0.0.1}',
        felixConfig('defaultEndpointToHostAction: Drop'),
        calicoNode('ACCEPT'),
      ],
      // The same DaemonSet with another value: --change replaces it.
      change: calicoNode('RETURN'),
      flows: [{ src_ip: '10.0.0.1', dst_ip: '192.168.0.1', dst_port: 10250 }],
    });
    expect(r.code).toBe(0);
    expect(rows.map((x) => [x.rule, x.proposed_rule, x.proposed_verdict])).toEqual([
      ['egress=allow@(profile)/kns.prod; ingress=allow@(endpoint-to-host)/Accept', 'egress=allow@(profile)/kns.prod; ingress=unknown@(endpoint-to-host)/Return', 'unknown'],
    ]);
  });

  it("knows a node's address from its hostNetwork pods: a kubelet probe passes a pod's deny-all, as in Felix", async () => {
    const { r, rows } = await replayDocuments({
      policies: [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: kube-proxy-x, namespace: kube-system}\nspec: {nodeName: n1, hostNetwork: true}\nstatus: {podIP: 192.168.0.1}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\nspec: {nodeName: n1}\nstatus: {podIP: 10.0.0.1}',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: prod}\nspec: {podSelector: {}, policyTypes: [Ingress]}',
      ],
      flows: [
        { src_ip: '192.168.0.1', dst_ip: '10.0.0.1', dst_port: 8080 },
        // Another node's address is an address like any other.
        { src_ip: '192.168.0.2', dst_ip: '10.0.0.1', dst_port: 8080 },
      ],
    });
    expect(r.code).toBe(0);
    expect(rows.map((x) => [x.src_endpoint, x.verdict, x.rule])).toEqual([
      ['node:n1', 'allow', 'egress=allow@(host-to-workload); ingress=allow@(host-to-workload)'],
      [undefined, 'deny', 'egress=allow@(no-endpoint); ingress=deny@default/prod/knp.default.deny-all#(end-of-tier)'],
    ]);
  });

  it("decides a host endpoint's traffic by the rules of the Profiles it names, and lists them in coverage and the report", async () => {
    const dir = await tmp();
    const cluster = join(dir, 'cluster.yaml');
    await writeFile(
      cluster,
      [
        'apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [192.168.0.1], profiles: [edge]}',
        'apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: edge}\nspec:\n  ingress:\n    - {action: Allow, protocol: TCP, destination: {ports: [443]}}\n    - {action: Deny}\n  egress: [{action: Allow}]',
      ].join('\n---\n'),
    );
    const flows = join(dir, 'flows.jsonl');
    const flow = (port: number) => JSON.stringify({ time: '2026-03-02T00:00:00.000Z', src_ip: '198.51.100.1', src_port: 40000, dst_ip: '192.168.0.1', dst_port: port, proto: 'TCP' });
    await writeFile(flows, `${flow(443)}\n${flow(80)}\n`);
    const out = join(dir, 'results.jsonl');
    const coverage = join(dir, 'coverage.csv');
    const r = await runCapture(['replay', '--flows', flows, '--policies', cluster, '--out', out, '--coverage', coverage]);
    expect(r.code).toBe(0);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => x.rule)).toEqual([
      'egress=allow@(no-endpoint); ingress=allow@(profile)/edge#0',
      'egress=allow@(no-endpoint); ingress=deny@(profile)/edge#1',
    ]);
    const covered = (await readFile(coverage, 'utf8')).trim().split('\n').filter((l) => l.includes('(profile)'));
    expect(covered.map((l) => l.split(',').slice(1, 7).join(','))).toEqual([
      '(profile),edge,ingress,0,Allow,1',
      '(profile),edge,ingress,1,Deny,1',
      '(profile),edge,egress,0,Allow,0',
    ]);
    // `-` is stdout, the CSV before the table.
    const report = await runCapture(['report', '--results', out, '--by', 'rule', '--csv', '-']);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^group,direction,flows,.*\ningress \(profile\)\/edge#1,ingress,1,.*Denied under the current policy set/s);
  });

  it('a change to a preDNAT policy changes the verdicts of traffic to the host it selects', async () => {
    const preDnat = (action: string) =>
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: nodes-in}\nspec:\n  selector: role == 'node'\n  preDNAT: true\n  applyOnForward: true\n  types: [Ingress]\n  ingress: [{action: ${action}, protocol: TCP, destination: {ports: [10250]}}]`;
    const { r, rows } = await replayDocuments({
      policies: [HOST_ENDPOINT_N1, preDnat('Allow')],
      change: preDnat('Deny'),
      flows: [{ src_ip: '198.51.100.1', dst_ip: '192.168.0.1', dst_port: 10250 }],
    });
    expect(r.code).toBe(0);
    expect(rows.map((x) => [x.rule, x.proposed_rule, x.class])).toEqual([
      ['egress=allow@(no-endpoint); ingress=allow@default/default.nodes-in#0', 'egress=allow@(no-endpoint); ingress=deny@default/default.nodes-in#0', 'would-block'],
    ]);
  });

  it('warns before the replay of preDNAT and forward policies on host endpoints, whose forwarded traffic it does not evaluate', async () => {
    const gnp = (name: string, flags: string) =>
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  selector: role == 'node'\n  ${flags}\n  types: [Ingress]\n  ingress: [{action: Deny}]`;
    const { r, rows } = await replayDocuments({
      policies: [HOST_ENDPOINT_N1, gnp('nodeports', 'preDNAT: true\n  applyOnForward: true'), gnp('forward', 'applyOnForward: true')],
      flows: [{ src_ip: '198.51.100.1', dst_ip: '192.168.0.1', dst_port: 80 }],
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cluster\.yaml:\d+:\d+: warning host-path-not-evaluated: policy nodeports is preDNAT and selects host endpoints host:n1\/eth0: flowaudit evaluates it for traffic to those hosts themselves, not for traffic arriving through them for elsewhere/);
    expect(r.stderr).toMatch(/warning host-path-not-evaluated: policy forward applies on forward and selects host endpoints host:n1\/eth0: flowaudit evaluates it for traffic to and from those hosts/);
    // Traffic to the host itself meets the preDNAT policy first, then the normal ones (applyOnForward included).
    expect(rows.map((x) => x.rule)).toEqual(['egress=allow@(no-endpoint); ingress=deny@default/default.nodeports#0']);
  });

  it('decides Calico rules that match services from the EndpointSlices in the inventory', async () => {
    const flow = (port: number) => ({ src_ip: '10.0.0.1', dst_ip: '10.0.0.2', dst_port: port });
    const { r, rows } = await replayDocuments({
      policies: [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod, labels: {app: web}}\nstatus: {podIP: 10.0.0.1}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: prod, labels: {app: api}}\nstatus: {podIP: 10.0.0.2}',
        'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: api-x, namespace: prod, labels: {kubernetes.io/service-name: api}}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.2]}]\nports: [{name: http, port: 8080}]',
        'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: web-out, namespace: prod}\nspec:\n  selector: app == "web"\n  types: [Egress]\n  egress:\n    - {action: Allow, destination: {services: {name: api}}}\n    - {action: Allow, destination: {services: {name: db}}}',
      ],
      flows: [flow(8080), flow(9090)],
    });
    expect(r.code).toBe(0);
    // Said before the replay: the rule that names the db Service will be unknown, and why.
    expect(r.stderr).toMatch(/cluster\.yaml:\d+:\d+: warning service-without-endpoints: egress\[1\] of policy web-out matches destination\.services prod\/db, of which the inventory holds no EndpointSlice/);
    expect(r.stderr).not.toContain('prod/api');
    expect(rows.map((x) => [x.rule, x.reason])).toEqual([
      ['egress=allow@default/prod/default.web-out#0; ingress=allow@(profile)/kns.prod', undefined],
      // Not the api Service's port; the db Service has no EndpointSlice in the inventory.
      ['egress=unknown@default/prod/default.web-out#1; ingress=allow@(profile)/kns.prod', 'egress: destination.services (prod/db): the inventory holds no EndpointSlice of the Service'],
    ]);
  });

  it("decides services rules by the EndpointSlices of the inventory snapshot valid at each flow's time", async () => {
    const dir = await tmp();
    const pods = [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod, labels: {app: web}}\nstatus: {podIP: 10.0.0.1}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: prod, labels: {app: api}}\nstatus: {podIP: 10.0.0.2}',
    ];
    const slice = (ips: string) =>
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: api-x, namespace: prod, labels: {kubernetes.io/service-name: api}}\naddressType: IPv4\nendpoints: [{addresses: [${ips}]}]\nports: [{port: 8080}]`;
    await writeFile(join(dir, 'at-10.yaml'), [...pods, slice('10.0.0.9')].join('\n---\n'));
    await writeFile(join(dir, 'at-11.yaml'), [...pods, slice('10.0.0.2')].join('\n---\n'));
    const policy =
      'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: web-out, namespace: prod}\nspec:\n  selector: app == "web"\n  types: [Egress]\n  egress: [{action: Allow, destination: {services: {name: api}}}]';
    await writeFile(join(dir, 'policy.yaml'), policy);
    const flow = (time: string) => JSON.stringify({ time, src_ip: '10.0.0.1', src_port: 40000, dst_ip: '10.0.0.2', dst_port: 8080, proto: 'TCP' });
    await writeFile(join(dir, 'flows.jsonl'), `${flow('2026-03-02T10:30:00Z')}\n${flow('2026-03-02T11:30:00Z')}\n`);
    const out = join(dir, 'results.jsonl');
    const r = await runCapture([
      'replay', '--flows', join(dir, 'flows.jsonl'), '--policies', join(dir, 'policy.yaml'), '--out', out,
      '--inventory', `${join(dir, 'at-10.yaml')}@2026-03-02T10:00:00Z`, `${join(dir, 'at-11.yaml')}@2026-03-02T11:00:00Z`,
    ]);
    expect(r.code).toBe(0);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // At 10:30 the Service's endpoint was 10.0.0.9; from 11:00 it is the api pod.
    expect(rows.map((x) => x.verdict)).toEqual(['deny', 'allow']);
  });

  it('writes CSV when the output file ends in .csv, with extra fields in the extra column', async () => {
    const dir = await tmp();
    const out = join(dir, 'results.csv');
    const r = await runCapture(['replay', '--flows', `${F}/flows.jsonl`, '--policies', `${F}/cluster.yaml`, '--out', out]);
    expect(r.code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/^time,end_time,src_ip,.*,verdict,reason,rule,observed_mismatch,observed_rule,observed_rule_mismatch,extra$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('"{""expect"":""allowed""}"');
  });

  it('refuses invalid policy files with every problem listed and exit 1', async () => {
    const r = await runCapture(['replay', '--flows', `${F}/flows.jsonl`, '--policies', `${F}/broken.yaml`, '--out', '-']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:5:\d+: error bad-selector/);
    expect(r.stdout).toBe('');
  });

  it('names an output it cannot make (its folder would be a file), and exits 1', async () => {
    const r = await runCapture(['replay', '--flows', `${F}/flows.jsonl`, '--policies', `${F}/cluster.yaml`, '--out', join(`${F}/flows.jsonl`, 'results.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot open ${F}/flows.jsonl: EEXIST\n`);
  });

  it('names a flow file it cannot read, and exits 1', async () => {
    const r = await runCapture(['replay', '--flows', `${F}/no-such-flows.jsonl`, '--policies', `${F}/cluster.yaml`, '--out', '-']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot open ${F}/no-such-flows.jsonl: ENOENT`);
  });

  it('exits 2 on conflicting flags', async () => {
    const r = await runCapture(['replay', '--flows', 'x', '--policies', 'y', '--staged', '--change', 'z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('at most one of --proposed, --change and --staged');
  });
});

describe('report', () => {
  it('reads replay results back and groups denials by rule', async () => {
    const dir = await tmp();
    const out = join(dir, 'r.jsonl');
    await runCapture(['replay', '--flows', `${F}/flows.jsonl`, '--policies', `${F}/cluster.yaml`, '--change', `${F}/change.yaml`, '--out', out]);
    const r = await runCapture(['report', '--results', out, '-o', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { groups: { key: string; flows: number; wouldBlock: number }[] };
    expect(report.groups).toEqual([expect.objectContaining({ key: 'ingress default/prod/knp.default.db-ingress#(end-of-tier)', flows: 2, wouldBlock: 1 })]);
  });

  it('names the file and line of a row that is no result', async () => {
    const r = await runCapture(['report', '--results', `${F}/flows.jsonl`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flows.jsonl:1: not a flowaudit result row');
  });
});

describe('explain', () => {
  it('shows the deciding rule in both directions, now and proposed', async () => {
    const r = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--change', `${F}/change.yaml`, '--from', 'prod/web-1', '--to', 'prod/db-1', '--port', '5432']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('egress at pod:prod/web-1: allow');
    expect(r.stdout).toContain('=> allow by default/prod/knp.default.db-ingress#0');
    expect(r.stdout).toContain('=> deny by default/prod/knp.default.db-ingress#(end-of-tier): end of tier default (default action Deny)');
  });

  describe('--flow: one flow record, with what its log says', () => {
    const HIT = (rule: number) =>
      `{"index":0,"tier":"default","name":"db-ingress","namespace":"prod","kind":"KubernetesNetworkPolicy","action":"allow","rule":${rule},"staged":false,"set":"enforced"}`;
    const record = (rule: number) =>
      `{"time":"2026-11-20T10:00:00Z","src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":5432,"proto":"TCP","action":"allow","reporter":"dst","observed_policies":[${HIT(rule)}],"verdict":"allow"}`;

    it('decides the record as replay does, and says where its log agrees', async () => {
      const r = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--flow', record(0)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ingress at pod:prod/db-1: allow');
      expect(r.stdout).toMatch(
        /\n== the log\naction: allow \(as the current policy set decides\)\ndeciding rule: ingress=allow@default\/prod\/knp\.default\.db-ingress#0 \(as the current policy set decides\)\n$/,
      );
    });

    it('says where the log names another rule, in text and in JSON', async () => {
      const text = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--flow', record(3)]);
      expect(text.stdout).toContain('deciding rule: ingress=allow@default/prod/knp.default.db-ingress#3 (the current policy set decides that direction otherwise)');
      const json = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--flow', record(3), '--json']);
      expect((JSON.parse(json.stdout) as { logged: unknown }).logged).toEqual({
        action: 'allow',
        actionDiffers: false,
        rule: { observed: 'ingress=allow@default/prod/knp.default.db-ingress#3', mismatch: true },
      });
    });

    it('reads the other JSON formats with --format, and says nothing of a log that says nothing', async () => {
      const calico = '{"start_time":1763892000,"source_ip":"10.0.0.1","source_port":4000,"dest_ip":"10.0.0.2","dest_port":22,"proto":"tcp","reporter":"dst","num_flows":1}';
      const r = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--flow', calico, '--format', 'calico']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ingress at pod:prod/db-1: deny');
      expect(r.stdout).not.toContain('== the log');
    });

    it('refuses a record that is no flow (exit 1), and --flow with --from or --to (exit 2)', async () => {
      const bad = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--flow', '{"src_ip":"10.0.0.1","dst_ip":"10.0.0.2"}']);
      expect([bad.code, bad.stdout]).toEqual([1, '']);
      expect(bad.stderr).toMatch(/^--flow: missing-field: .*proto/);
      const mixed = await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--flow', record(0), '--from', 'prod/web-1', '--protocol', 'UDP']);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toContain('--flow gives the whole flow: leave out --from, --protocol');
      expect((await runCapture(['explain', '--policies', `${F}/cluster.yaml`, '--from', 'prod/web-1'])).stderr).toContain('give --from and --to, or --flow');
    });
  });
});

describe('validate', () => {
  it('lists errors with file:line:column and field path and exits 1', async () => {
    const r = await runCapture(['validate', '--policies', `${F}/broken.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken\.yaml:5:\d+: error bad-selector/);
    expect(r.stdout).toMatch(/error ports-without-protocol: .*\(at spec\.ingress\[0\]\.destination\.ports\)/);
  });

  it('exits 0 on clean files', async () => {
    const r = await runCapture(['validate', '--policies', `${F}/cluster.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('1 policies, 0 network sets, 0 Felix configurations (FelixConfiguration, calico-node environment), 0 profiles, 3 inventory resources: 0 errors, 0 warnings\n');
  });

  it('warns of a preDNAT policy that selects a host endpoint among the files, exit 0', async () => {
    const dir = await tmp();
    const file = join(dir, 'hosts.yaml');
    const gnp = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: nodeports}\nspec:\n  selector: role == 'node'\n  preDNAT: true\n  applyOnForward: true\n  ingress: [{action: Deny}]";
    await writeFile(file, `${HOST_ENDPOINT_N1}\n---\n${gnp}\n`);
    const r = await runCapture(['validate', '--policies', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/hosts\.yaml:\d+:1: warning host-path-not-evaluated: policy nodeports is preDNAT and selects host endpoints host:n1\/eth0/);
    expect(r.stderr).toMatch(/: 0 errors, 1 warnings\n$/);
  });
});
