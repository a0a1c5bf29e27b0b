/** Turns result rows (written by replay, as JSONL or CSV, or Outcomes in process) into ReportRows. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { FinalVerdict } from '../engine/verdict.js';
import { protocolNumber } from '../flows/protocol.js';
import type { Peer } from '../inventory/endpoint.js';
import type { Outcome } from '../pipeline/outcome.js';
import { ruleColumn } from '../pipeline/output-row.js';
import type { ChangeClass } from '../pipeline/result.js';
import { InputError } from '../cli/io.js';
import { serviceName, sideIdentity, sideNamespace } from './naming.js';
import type { ReportRow } from './row.js';

type Fields = Record<string, unknown>;

export function reportRowFromOutcome(o: Outcome): ReportRow {
  const r = o.flow.record;
  return {
    time: r.time,
    src: sideIdentity(endpointKey(o.src), r.src_namespace, r.src_name, r.src_ip),
    dst: sideIdentity(endpointKey(o.dst), r.dst_namespace, r.dst_name, r.dst_ip),
    srcNamespace: sideNamespace(endpointKey(o.src), r.src_namespace),
    dstNamespace: sideNamespace(endpointKey(o.dst), r.dst_namespace),
    service: serviceName(r.proto, r.dst_port),
    flows: r.count ?? 1,
    bytes: r.bytes ?? 0,
    observedAction: r.action,
    verdict: o.current.verdict,
    reason: o.current.reason,
    rule: ruleColumn(o.current),
    proposedVerdict: o.proposed?.verdict,
    proposedReason: o.proposed?.reason,
    proposedRule: o.proposed ? ruleColumn(o.proposed) : undefined,
    cls: o.cls,
    observedRule: o.drift?.observed,
    ruleMismatch: o.drift?.mismatch,
  };
}

/** Reads one results file (JSONL, or CSV by extension) as ReportRows; a malformed row is an InputError naming it. */
export async function* readResultsFile(path: string): AsyncGenerator<ReportRow> {
  if (/\.csv$/i.test(path)) {
    let line = 1;
    const parser = createReadStream(path).pipe(parse({ columns: true, skip_empty_lines: true }));
    for await (const rec of parser as AsyncIterable<Fields>) {
      line++;
      yield rowFromFields(rec, path, line);
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let rec: Fields;
    try {
      rec = JSON.parse(text) as Fields;
    } catch (err) {
      throw new InputError(`${path}:${line}: not a JSON object: ${(err as Error).message}`);
    }
    yield rowFromFields(rec, path, line);
  }
}

const VERDICTS = new Set(['allow', 'deny', 'unknown']);

function rowFromFields(f: Fields, path: string, line: number): ReportRow {
  const verdict = f.verdict;
  if (typeof verdict !== 'string' || !VERDICTS.has(verdict) || typeof f.rule !== 'string') {
    throw new InputError(`${path}:${line}: not a flowaudit result row (needs "verdict" and "rule")`);
  }
  const str = (k: string): string | undefined => (typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : undefined);
  const num = (k: string): number | undefined => {
    const v = f[k];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
  };
  const time = str('time');
  const proto = f.proto === undefined ? undefined : protocolNumber(f.proto as string | number);
  const action = str('action');
  return {
    time: time === undefined ? undefined : Date.parse(time),
    src: sideIdentity(str('src_endpoint'), str('src_namespace'), str('src_name'), str('src_ip')),
    dst: sideIdentity(str('dst_endpoint'), str('dst_namespace'), str('dst_name'), str('dst_ip')),
    srcNamespace: sideNamespace(str('src_endpoint'), str('src_namespace')),
    dstNamespace: sideNamespace(str('dst_endpoint'), str('dst_namespace')),
    service: serviceName(proto ?? 0, num('dst_port')),
    flows: num('count') ?? 1,
    bytes: num('bytes') ?? 0,
    observedAction: action === 'allow' || action === 'deny' ? action : undefined,
    verdict: verdict as FinalVerdict,
    reason: str('reason'),
    rule: f.rule,
    proposedVerdict: str('proposed_verdict') as FinalVerdict | undefined,
    proposedReason: str('proposed_reason'),
    proposedRule: str('proposed_rule'),
    cls: str('class') as ChangeClass | undefined,
    observedRule: str('observed_rule'),
    ruleMismatch: bool(f.observed_rule_mismatch),
  };
}

/** A JSONL boolean, or CSV's `true` / `false`; undefined for anything else (an empty cell). */
function bool(v: unknown): boolean | undefined {
  return v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
}

/** The inventory key of the endpoint a side resolved to, as the `src_endpoint` / `dst_endpoint` columns hold it. */
function endpointKey(p: Peer): string | undefined {
  return p.kind === 'endpoint' ? p.endpoint.key : undefined;
}
