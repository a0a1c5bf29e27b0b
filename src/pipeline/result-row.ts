/**
 * Outcome → ResultRow, the row the daemon and `replay --clickhouse-url` store, and the way back to a ReportRow, so
 * that a report over stored rows runs through the same ReportBuilder as a report over result files.
 */
import type { SourcePosition } from '../flows/record.js';
import type { Peer } from '../inventory/endpoint.js';
import { serviceName, sideIdentity, sideNamespace } from '../report/naming.js';
import type { ReportRow } from '../report/row.js';
import type { Outcome } from './outcome.js';
import { ruleColumn } from './output-row.js';
import type { ResultRow } from './result.js';

/** What every row of one batch shares. */
export interface RunStamp {
  readonly runId: string;
  /** AuditContext.policyVersion of the views that decided the batch. */
  readonly policyVersion: string;
}

/** `kafka:<topic>/<partition>/<offset>` (`#<line>` for a line of a multi-record message) or `file:<path>:<line>`. */
export function sourceCoordinates(pos: SourcePosition): string {
  if (pos.kind === 'file') return `file:${pos.file}:${pos.line}`;
  const base = `kafka:${pos.topic}/${pos.partition}/${pos.offset}`;
  return pos.line === undefined ? base : `${base}#${pos.line}`;
}

export function resultRow(o: Outcome, stamp: RunStamp): ResultRow {
  const r = o.flow.record;
  const src = side(o.src, r.src_namespace, r.src_name);
  const dst = side(o.dst, r.dst_namespace, r.dst_name);
  return {
    run_id: stamp.runId,
    source: sourceCoordinates(o.flow.pos),
    // The table's DateTime cannot hold times before 1970; such a time is as good as none.
    time: r.time !== undefined && r.time > 0 ? r.time : 0,
    src_ip: r.src_ip ?? peerIp(o.src),
    src_port: r.src_port ?? null,
    dst_ip: r.dst_ip ?? peerIp(o.dst),
    dst_port: r.dst_port ?? null,
    proto: r.proto,
    src_namespace: src.namespace,
    src_name: src.name,
    dst_namespace: dst.namespace,
    dst_name: dst.name,
    src_endpoint: src.endpoint,
    dst_endpoint: dst.endpoint,
    observed_action: r.action ?? '',
    verdict: o.current.verdict,
    reason: o.current.reason ?? '',
    rule: ruleColumn(o.current),
    proposed_verdict: o.proposed?.verdict ?? '',
    proposed_rule: o.proposed === undefined ? '' : ruleColumn(o.proposed),
    class: o.cls ?? '',
    observed_mismatch: o.mismatch,
    policy_version: stamp.policyVersion,
    bytes: r.bytes ?? 0,
    packets: r.packets ?? 0,
    count: r.count ?? 1,
  };
}

/**
 * The endpoint policy applied to, as it was at the flow's time: its key, its name, and a pod's namespace (a host
 * endpoint has none, so the log's stands, as in a results file); what the log said for any other peer.
 */
function side(p: Peer, namespace: string | undefined, name: string | undefined): { namespace: string; name: string; endpoint: string } {
  if (p.kind !== 'endpoint') return { namespace: namespace ?? '', name: name ?? '', endpoint: '' };
  const e = p.endpoint;
  return { namespace: e.kind === 'pod' ? e.namespace : (namespace ?? ''), name: e.name, endpoint: e.key };
}

function peerIp(p: Peer): string {
  return p.kind === 'unresolved' ? '' : (p.ip ?? '');
}

/**
 * A stored row as a report sees it: the inverse of `resultRow` for what reports use, through the same naming as
 * `reportRowFromOutcome` and result files (src/report/from-results.ts), so the report modes agree row for row.
 * Rows stored before schema version 2 read back with count 1 and no endpoint keys: they show as pods by
 * namespace/name and as anything else by IP.
 */
export function reportRowFromResult(row: ResultRow): ReportRow {
  const srcEndpoint = nonEmpty(row.src_endpoint);
  const dstEndpoint = nonEmpty(row.dst_endpoint);
  return {
    time: row.time === 0 ? undefined : row.time,
    src: sideIdentity(srcEndpoint, nonEmpty(row.src_namespace), nonEmpty(row.src_name), nonEmpty(row.src_ip)),
    dst: sideIdentity(dstEndpoint, nonEmpty(row.dst_namespace), nonEmpty(row.dst_name), nonEmpty(row.dst_ip)),
    srcNamespace: sideNamespace(srcEndpoint, nonEmpty(row.src_namespace)),
    dstNamespace: sideNamespace(dstEndpoint, nonEmpty(row.dst_namespace)),
    service: serviceName(row.proto, row.dst_port ?? undefined),
    flows: row.count,
    bytes: row.bytes,
    observedAction: row.observed_action === '' ? undefined : row.observed_action,
    verdict: row.verdict,
    rule: row.rule,
    proposedVerdict: row.proposed_verdict === '' ? undefined : row.proposed_verdict,
    proposedRule: row.proposed_verdict === '' ? undefined : row.proposed_rule,
    cls: row.class === '' ? undefined : row.class,
  };
}

function nonEmpty(s: string): string | undefined {
  return s === '' ? undefined : s;
}
