/**
 * The benchmark workload's flows as Calico flow logs (docs/flow-record.md, "calico"), with the policy hits a
 * cluster running the workload's policies would log: each flow's deciding rule at the reporting endpoint, taken
 * from a replay of the canonical flows. So the Calico replay decodes names, hits and counters as it would from a
 * real log, and checks every logged rule against the policies (rule drift). It finds none: a line's time is its
 * interval's start, and a side resolves to the pod that came to hold the address during the interval when the
 * line names it or none held it at the start (docs/flow-record.md, "Intervals").
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { access, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { parseRuleColumn } from '../engine/format.js';
import type { WorkloadDir } from './workload.js';

const run = promisify(execFile);

/** Calico's default flush interval: a log line's start and end times span one. */
const INTERVAL_SECONDS = 300;

/** The first `count` flows of the workload as Calico log lines, made once per workload and count. */
export async function ensureCalicoFlows(w: WorkloadDir, change: string, count: number): Promise<string> {
  const path = join(w.dir, `calico-${count}.jsonl`);
  const ready = `${path}.complete`;
  try {
    await access(ready);
    return path;
  } catch {
    // made below
  }
  const canonical = join(w.dir, `canonical-${count}.jsonl`);
  const rows = join(w.dir, `rows-${count}.jsonl`);
  await writeLines(canonical, firstLines(w.flows, count));
  await run('node', [
    'bin/flowaudit', 'replay', '--flows', canonical, '--policies', w.policies, '--inventory', w.inventory,
    '--change', change, '--out', rows, '--dead-letters', '/dev/null',
  ], { maxBuffer: 64 << 20 });
  await writeLines(path, calicoLines(rows));
  await rm(canonical);
  await rm(rows);
  await writeFile(ready, '');
  return path;
}

async function* firstLines(path: string, count: number): AsyncGenerator<string> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (n++ === count) break;
    yield line;
  }
}

async function* calicoLines(rowsPath: string): AsyncGenerator<string> {
  for await (const line of createInterface({ input: createReadStream(rowsPath), crlfDelay: Infinity })) {
    if (line !== '') yield JSON.stringify(calicoLine(JSON.parse(line) as ResultRow));
  }
}

async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for await (const line of lines) if (!out.write(`${line}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

interface ResultRow {
  readonly time: string;
  readonly src_ip: string;
  readonly src_port?: number;
  readonly dst_ip: string;
  readonly dst_port?: number;
  readonly proto: string;
  readonly action?: 'allow' | 'deny';
  readonly reporter?: 'src' | 'dst';
  readonly bytes?: number;
  readonly packets?: number;
  readonly src_endpoint?: string;
  readonly dst_endpoint?: string;
  readonly verdict: string;
  readonly rule: string;
}

function calicoLine(row: ResultRow): Record<string, unknown> {
  const start = Math.floor(Date.parse(row.time) / 1000 / INTERVAL_SECONDS) * INTERVAL_SECONDS;
  const reporter = row.reporter ?? 'dst';
  const decided = loggedHit(row.rule, reporter === 'src' ? 'egress' : 'ingress');
  return {
    start_time: start,
    end_time: start + INTERVAL_SECONDS,
    ...endpoint('source', row.src_endpoint),
    source_ip: row.src_ip,
    source_port: row.src_port,
    ...endpoint('dest', row.dst_endpoint),
    dest_ip: row.dst_ip,
    dest_port: row.dst_port,
    proto: row.proto.toLowerCase(),
    // What the reporter's policy did (the workload's own `action` disagrees with the policies on purpose for some).
    action: decided?.action ?? (row.verdict === 'deny' ? 'deny' : 'allow'),
    reporter,
    bytes_in: row.bytes ?? 0,
    bytes_out: 0,
    packets_in: row.packets ?? 0,
    packets_out: 0,
    num_flows: 1,
    policies: { enforced_policies: decided === undefined ? [] : [decided.hit] },
  };
}

/** Calico's endpoint fields of a result row's endpoint key (`pod:ns/name`, `host:name`); a network otherwise. */
function endpoint(side: 'source' | 'dest', key: string | undefined): Record<string, string> {
  const m = key === undefined ? null : /^(pod|host):(?:([^/]+)\/)?(.+)$/.exec(key);
  if (m === null) return { [`${side}_type`]: 'net', [`${side}_namespace`]: '-', [`${side}_name`]: '-', [`${side}_name_aggr`]: 'pub' };
  const [, kind, namespace, name] = m as unknown as [string, string, string | undefined, string];
  return {
    [`${side}_type`]: kind === 'pod' ? 'wep' : 'hep',
    [`${side}_namespace`]: namespace ?? '-',
    [`${side}_name`]: name,
    // A pod's name without its generated suffix, as Calico aggregates by workload.
    [`${side}_name_aggr`]: name.replace(/-[^-]+$/, '-*'),
  };
}

/**
 * The Calico hit text (`INDEX|TIER|NAME|ACTION|RULE`) of what decided `direction` in a `rule` column, and its
 * action: a policy rule or end-of-tier drop, or a profile; undefined when no policy decided (no endpoint, default
 * deny).
 */
function loggedHit(rule: string, direction: 'ingress' | 'egress'): { hit: string; action: string } | undefined {
  const token = parseRuleColumn(rule)?.find((t) => t.direction === direction);
  if (token === undefined || token.verdict === 'unknown') return undefined;
  const action = token.verdict;
  if (token.where.startsWith(PROFILE_WHERE)) {
    // A pod's namespace profile (`(profile)/kns.prod`), or a rule of a host endpoint's profile (`(profile)/edge#2`).
    const profile = token.policy ?? token.where.slice(PROFILE_WHERE.length);
    return { hit: `0|__PROFILE__|__PROFILE__.${profile}|${action}|${token.rule ?? 0}`, action };
  }
  if (token.tier === undefined || token.policy === undefined) return undefined;
  // A token with a tier and policy but no rule index is an end-of-tier drop (rule -1 in Calico's text).
  return { hit: `0|${token.tier}|${token.policy}|${action}|${token.rule ?? -1}`, action };
}

/** How the rule column names a profile's decision (engine/format.ts). */
const PROFILE_WHERE = '(profile)/';
