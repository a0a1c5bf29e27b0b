/**
 * Outcome → ResultRow, the row the daemon and `replay --clickhouse-url` store, and the way back to a ReportRow, so
 * that a report over stored rows runs through the same ReportBuilder as a report over result files.
 */
import type { DecodedFlow, SourcePosition } from '../flows/record.js';
import type { Peer } from '../inventory/endpoint.js';
import type { ReportRow } from '../report/row.js';
import type { Outcome } from './outcome.js';
import { ruleColumn } from './output-row.js';
import type { ResultRow } from './result.js';
import { protocolName } from '../flows/protocol.js';

/** What every row of one batch shares. */
export interface RunStamp {
  readonly runId: string;
  /** AuditContext.policyVersion of the views that decided the batch. */
  readonly policyVersion: string;
}

/**
 * A flow from a Kafka message that held several newline-separated records: the 1-based line within the message
 * tells them apart, since they share the message's (topic, partition, offset).
 */
export interface KafkaLineFlow extends DecodedFlow {
  readonly lineInMessage: number;
}

/** `kafka:<topic>/<partition>/<offset>` (`#<line>` for a line of a multi-record message) or `file:<path>:<line>`. */
export function sourceCoordinates(pos: SourcePosition, lineInMessage?: number): string {
  if (pos.kind === 'file') return `file:${pos.file}:${pos.line}`;
  const base = `kafka:${pos.topic}/${pos.partition}/${pos.offset}`;
  return lineInMessage === undefined ? base : `${base}#${lineInMessage}`;
}

function sourceOf(flow: DecodedFlow | KafkaLineFlow): string {
  return sourceCoordinates(flow.pos, 'lineInMessage' in flow ? flow.lineInMessage : undefined);
}

export function resultRow(o: Outcome, stamp: RunStamp): ResultRow {
  const r = o.flow.record;
  const src = side(o.src, r.src_namespace, r.src_name);
  const dst = side(o.dst, r.dst_namespace, r.dst_name);
  return {
    run_id: stamp.runId,
    source: sourceOf(o.flow),
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
  };
}

/** The endpoint policy applied to, as it was at the flow's time; what the log said for any other peer. */
function side(p: Peer, namespace: string | undefined, name: string | undefined): { namespace: string; name: string } {
  if (p.kind === 'endpoint') {
    const e = p.endpoint;
    return e.kind === 'pod' ? { namespace: e.namespace, name: e.name } : { namespace: '', name: e.name };
  }
  return { namespace: namespace ?? '', name: name ?? '' };
}

function peerIp(p: Peer): string {
  return p.kind === 'unresolved' ? '' : (p.ip ?? '');
}

/**
 * A stored row as a report sees it: the inverse of `resultRow` for what reports use. It agrees with
 * `reportRowFromOutcome` (src/report/from-results.ts) for pods and addresses; two things the table does not keep
 * differ: a record's `count` (a stored row counts as one flow) and the identity of host and synthetic endpoints
 * (shown by name or IP instead of the inventory key).
 */
export function reportRowFromResult(row: ResultRow): ReportRow {
  return {
    time: row.time === 0 ? undefined : row.time,
    src: identity(row.src_namespace, row.src_name, row.src_ip),
    dst: identity(row.dst_namespace, row.dst_name, row.dst_ip),
    srcNamespace: nonEmpty(row.src_namespace),
    dstNamespace: nonEmpty(row.dst_namespace),
    service: row.dst_port === null ? protocolName(row.proto) : `${protocolName(row.proto)}/${row.dst_port}`,
    flows: 1,
    bytes: row.bytes,
    observedAction: row.observed_action === '' ? undefined : row.observed_action,
    verdict: row.verdict,
    rule: row.rule,
    proposedVerdict: row.proposed_verdict === '' ? undefined : row.proposed_verdict,
    proposedRule: row.proposed_verdict === '' ? undefined : row.proposed_rule,
    cls: row.class === '' ? undefined : row.class,
  };
}

function identity(namespace: string, name: string, ip: string): string {
  if (namespace !== '' && name !== '') return `${namespace}/${name}`;
  return nonEmpty(ip) ?? nonEmpty(name) ?? '?';
}

function nonEmpty(s: string): string | undefined {
  return s === '' ? undefined : s;
}
