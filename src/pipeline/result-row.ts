/**
 * What a stored result row says about an Outcome, column by column where a column is more than a copy of the
 * record (sinks/clickhouse/rows.ts writes the rows from these), and the way back from a stored row to a ReportRow,
 * so that a report over stored rows runs through the same ReportBuilder as a report over result files.
 */
import type { FlowRecord, SourcePosition } from '../flows/record.js';
import type { Peer } from '../inventory/endpoint.js';
import { serviceName, sideIdentity, sideNamespace } from '../report/naming.js';
import type { ReportRow } from '../report/row.js';
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

/** The `time` column: the table's DateTime cannot hold times before 1970, and such a time is as good as none (0). */
export function rowTime(record: FlowRecord): number {
  return record.time !== undefined && record.time > 0 ? record.time : 0;
}

/** The `*_ip` column: the log's address, else the one the side resolved to, else ''. */
export function rowIp(logged: string | undefined, p: Peer): string {
  return logged ?? (p.kind === 'unresolved' ? '' : (p.ip ?? ''));
}

export interface SideColumns {
  readonly namespace: string;
  readonly name: string;
  /** The endpoint's inventory key; '' for a side that is no endpoint. */
  readonly endpoint: string;
}

/**
 * The `*_namespace`, `*_name` and `*_endpoint` columns: the endpoint policy applied to, as it was at the flow's
 * time (its key, its name, and a pod's namespace; a host endpoint has none, so the log's stands, as in a results
 * file); what the log said for any other peer. A pod's columns depend on the endpoint alone, so a writer may
 * compute them once per endpoint.
 */
export function sideColumns(p: Peer, namespace: string | undefined, name: string | undefined): SideColumns {
  if (p.kind !== 'endpoint') return { namespace: namespace ?? '', name: name ?? '', endpoint: '' };
  const e = p.endpoint;
  return { namespace: e.kind === 'pod' ? e.namespace : (namespace ?? ''), name: e.name, endpoint: e.key };
}

/**
 * A stored row as a report sees it, through the same naming as `reportRowFromOutcome` and result files
 * (src/report/from-results.ts), so the report modes agree row for row. Rows stored before schema version 2 read
 * back with count 1 and no endpoint keys: they show as pods by namespace/name and as anything else by IP.
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
    reason: nonEmpty(row.reason),
    rule: row.rule,
    proposedVerdict: row.proposed_verdict === '' ? undefined : row.proposed_verdict,
    // The table keeps the current view's reason only.
    proposedReason: undefined,
    proposedRule: row.proposed_verdict === '' ? undefined : row.proposed_rule,
    cls: row.class === '' ? undefined : row.class,
    observedRule: nonEmpty(row.observed_rule),
    ruleMismatch: row.observed_rule_mismatch ?? undefined,
  };
}

function nonEmpty(s: string): string | undefined {
  return s === '' ? undefined : s;
}
