/**
 * Synthetic flow logs in flowaudit's canonical JSONL form (docs: shared/spec/flow-formats.md, "canonical
 * record"), one line per flow, spread evenly over one UTC day. A generator: memory stays constant however many
 * flows are drawn, and every line is assembled from strings computed once (quoted addresses, protocol and action
 * fragments) rather than through JSON.stringify.
 *
 * The `action` some lines carry is the generator's intent (allow for traffic the call graph means, deny for
 * probes, blocklisted peers and stray ports), not a verdict computed from the generated policy.
 */
import type { Call, CallGraph } from './callgraph.js';
import { EXTERNAL, STRAY_PORTS } from './catalog.js';
import { DAY_MS, DAY_START_MS, ipv4, type SyntheticApp, type SyntheticCluster, type SyntheticPod } from './cluster.js';
import type { Random } from './random.js';

/**
 * A pod as flows need it: its address already quoted for JSON, and its lifetime in milliseconds from the start of
 * the day (small integers, which compare faster than epoch milliseconds).
 */
interface FlowPod {
  readonly ip: string;
  readonly from: number;
  readonly until: number;
}

interface FlowCall {
  readonly clients: readonly FlowPod[];
  readonly servers: readonly FlowPod[];
  /** `,"dst_port":N,"proto":"P"`, the same on every flow of the call. */
  readonly portProto: string;
}

/** Share of lines that say what the dataplane did. */
const OBSERVED_SHARE = 0.7;
const ALLOW = ',"action":"allow"';
const DENY = ',"action":"deny"';
const SRC = ',"reporter":"src"';
const DST = ',"reporter":"dst"';
const ICMP_ECHO = ',"proto":"ICMP","icmp_type":8,"icmp_code":0';
const MAX_PACKETS = 2000;
const EPHEMERAL_FIRST = 32768;
/** Linux's default ip_local_port_range is 32768-60999. */
const EPHEMERAL_COUNT = 28232;
// Number fragments drawn on every flow, printed once.
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const SRC_PORTS = Array.from({ length: EPHEMERAL_COUNT }, (_, i) => `,"src_port":${EPHEMERAL_FIRST + i}`);
const PACKETS = Array.from({ length: MAX_PACKETS + 1 }, (_, i) => `,"packets":${i}}`);

const portProto = (port: number, protocol: 'TCP' | 'UDP'): string => `,"dst_port":${port},"proto":"${protocol}"`;
const EXTERNAL_PORTS = { https: portProto(443, 'TCP'), http: portProto(80, 'TCP'), gateway: portProto(8443, 'TCP'), api: portProto(8080, 'TCP') };
const STRAY = STRAY_PORTS.map((p) => portProto(p, 'TCP'));

type TrafficKind = 'call' | 'dns' | 'scrape' | 'egress' | 'ingress' | 'stray' | 'icmp';
/** The traffic mix, before dropping kinds the cluster has nothing for. */
const MIX: readonly (readonly [TrafficKind, number])[] = [
  ['call', 0.58], ['dns', 0.12], ['scrape', 0.05], ['egress', 0.09], ['ingress', 0.07], ['stray', 0.08], ['icmp', 0.01],
];

const quoted = (ip: string): string => `"${ip}"`;

function flowPod(pod: SyntheticPod): FlowPod {
  const from = Math.max(pod.createdAt - DAY_START_MS, -1);
  return { ip: quoted(pod.ip), from, until: pod.deletedAt === null ? DAY_MS : pod.deletedAt - DAY_START_MS };
}

/** Lines for `count` flows. The same cluster and random source state give the same lines. */
export function* flowLines(cluster: SyntheticCluster, graph: CallGraph, count: number, rng: Random): Generator<string> {
  if (count <= 0) return;
  if (cluster.apps.length === 0) throw new RangeError('flows need at least one pod');

  const podsOf = new Map<SyntheticApp, FlowPod[]>(cluster.apps.map((a) => [a, a.pods.map(flowPod)]));
  const all = [...podsOf.values()];
  const toFlowCall = (c: Call): FlowCall => ({
    clients: podsOf.get(c.client)!, servers: podsOf.get(c.server)!, portProto: portProto(c.port, c.protocol),
  });
  const calls = graph.calls.map(toFlowCall);
  const dns = graph.dns.map(toFlowCall);
  const scrapes = graph.scrapes.map(toFlowCall);
  const backends = cluster.apps.filter((a) => a.kind.tier === 'backend').map((a) => podsOf.get(a)!);
  const egressClients = backends.length > 0 ? backends : all;
  const gateways = cluster.apps.filter((a) => a.kind.app === 'gateway').map((a) => podsOf.get(a)!);
  const vpnTargets = cluster.networkSets.flatMap((s) => {
    const api = cluster.apps.find((a) => a.namespace === s.namespace && a.kind.app === 'api');
    return api ? [{ base: s.base, pods: podsOf.get(api)! }] : [];
  });

  const available: Record<TrafficKind, boolean> = {
    call: calls.length > 0, dns: dns.length > 0, scrape: scrapes.length > 0, egress: true,
    ingress: gateways.length > 0 || vpnTargets.length > 0, stray: true, icmp: true,
  };
  const mix = MIX.filter(([k]) => available[k]);
  const total = mix.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  const cumulative = mix.map(([k, w]) => ({ kind: k, upTo: (acc += w / total) }));

  // A random replica alive at `at` (milliseconds into the day); the first replica lives all day (cluster.ts),
  // so it stands in.
  const alive = (pods: readonly FlowPod[], at: number): FlowPod => {
    const p = pods[Math.floor(rng.next() * pods.length)]!;
    return p.from <= at && at < p.until ? p : pods[0]!;
  };
  const external = (range: { readonly base: number }, size = 256): string =>
    quoted(ipv4(range.base + 1 + Math.floor(rng.next() * (size - 2))));

  let lastSecond = -1;
  let secondPrefix = '';
  for (let i = 0; i < count; i++) {
    const time = Math.floor((i * DAY_MS) / count);
    const second = Math.floor(time / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      secondPrefix = `{"time":"${new Date(DAY_START_MS + second * 1000).toISOString().slice(0, 20)}`;
    }

    const r = rng.next();
    let kind: TrafficKind = cumulative[cumulative.length - 1]!.kind;
    for (const c of cumulative) {
      if (r < c.upTo) {
        kind = c.kind;
        break;
      }
    }

    let src: string;
    let dst: string;
    let ports = '';
    let intent = ALLOW;
    let reporter = rng.next() < 0.5 ? SRC : DST;
    switch (kind) {
      case 'call':
      case 'dns':
      case 'scrape': {
        const list = kind === 'call' ? calls : kind === 'dns' ? dns : scrapes;
        const c = list[Math.floor(rng.next() * list.length)]!;
        src = alive(c.clients, time).ip;
        dst = alive(c.servers, time).ip;
        ports = c.portProto;
        break;
      }
      case 'egress': {
        src = alive(egressClients[Math.floor(rng.next() * egressClients.length)]!, time).ip;
        const e = rng.next();
        if (e < 0.6) dst = external(EXTERNAL.saas);
        else if (e < 0.75) dst = external(EXTERNAL.partners);
        else if (e < 0.97) dst = external(EXTERNAL.internet, EXTERNAL.internet.size);
        else {
          dst = external(EXTERNAL.blocklist);
          intent = DENY;
        }
        ports = rng.next() < 0.9 ? EXTERNAL_PORTS.https : EXTERNAL_PORTS.http;
        reporter = SRC;
        break;
      }
      case 'ingress': {
        const e = rng.next();
        if (vpnTargets.length > 0 && (e < 0.2 || gateways.length === 0)) {
          const v = vpnTargets[Math.floor(rng.next() * vpnTargets.length)]!;
          src = external(v);
          dst = alive(v.pods, time).ip;
          ports = EXTERNAL_PORTS.api;
        } else {
          src = e < 0.95 ? external(EXTERNAL.internet, EXTERNAL.internet.size) : external(EXTERNAL.blocklist);
          if (e >= 0.95) intent = DENY;
          dst = alive(gateways[Math.floor(rng.next() * gateways.length)]!, time).ip;
          ports = EXTERNAL_PORTS.gateway;
        }
        reporter = DST;
        break;
      }
      case 'stray': {
        src = alive(all[Math.floor(rng.next() * all.length)]!, time).ip;
        dst = alive(all[Math.floor(rng.next() * all.length)]!, time).ip;
        ports = STRAY[Math.floor(rng.next() * STRAY.length)]!;
        intent = DENY;
        break;
      }
      case 'icmp': {
        src = alive(all[Math.floor(rng.next() * all.length)]!, time).ip;
        dst = alive(all[Math.floor(rng.next() * all.length)]!, time).ip;
        break;
      }
    }

    // Mostly short exchanges, a few bulk transfers.
    const packets = 1 + Math.floor(rng.next() ** 3 * (MAX_PACKETS - 1));
    const bytes = packets * (60 + Math.floor(rng.next() * 1400));
    const action = rng.next() < OBSERVED_SHARE ? intent : '';
    const head = secondPrefix + MILLIS[time % 1000] + 'Z","src_ip":' + src;
    yield kind === 'icmp'
      ? head + ',"dst_ip":' + dst + ICMP_ECHO + action + reporter + ',"bytes":' + bytes + PACKETS[packets]
      : head + SRC_PORTS[Math.floor(rng.next() * EPHEMERAL_COUNT)] + ',"dst_ip":' + dst + ports + action + reporter
        + ',"bytes":' + bytes + PACKETS[packets];
  }
}
