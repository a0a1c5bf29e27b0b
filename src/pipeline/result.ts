/**
 * One result row per input flow: what replay writes (JSONL/CSV), what the daemon inserts into ClickHouse and what
 * reports aggregate. Field names are the column names everywhere.
 */
import type { FinalVerdict } from '../engine/verdict.js';

/** How the proposed set changes a flow's fate. `unknown` when either view could not decide. */
export const CHANGE_CLASSES = ['unchanged-allow', 'unchanged-deny', 'would-block', 'would-allow', 'unknown'] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

export interface ResultRow {
  /** Groups the rows of one replay or one daemon deployment. */
  readonly run_id: string;
  /**
   * Source coordinates (`sourceCoordinates`): `kafka:<topic>/<partition>/<offset>`, with `#<line>` for a line of a
   * multi-record message, or `file:<path>:<line>`; unique per input record.
   */
  readonly source: string;
  /** Flow time in epoch milliseconds (0 when the record had none). */
  readonly time: number;
  readonly src_ip: string;
  readonly src_port: number | null;
  readonly dst_ip: string;
  readonly dst_port: number | null;
  readonly proto: number;
  /** A pod endpoint's namespace; what the log said for any other side ('' when it said nothing). */
  readonly src_namespace: string;
  /** The endpoint's name; what the log said for a side that is no endpoint. */
  readonly src_name: string;
  readonly dst_namespace: string;
  readonly dst_name: string;
  /**
   * Inventory key of the endpoint the side resolved to at the flow's time (`pod:<ns>/<name>`,
   * `host:<node>/<interface>`, `synthetic:...`); '' when the side is no endpoint. Reports name endpoints by it.
   */
  readonly src_endpoint: string;
  readonly dst_endpoint: string;
  /** Observed action from the log, '' when the log had none. */
  readonly observed_action: '' | 'allow' | 'deny';
  readonly verdict: FinalVerdict;
  /** Why an `unknown` verdict is unknown; '' otherwise. */
  readonly reason: string;
  /**
   * Deciding rules of both directions, formatted by engine/format.ts (docs/results.md). ClickHouse stores it by
   * id, the text once in the rules table (sinks/clickhouse/rule-ids.ts).
   */
  readonly rule: string;
  readonly proposed_verdict: FinalVerdict | '';
  readonly proposed_rule: string;
  readonly class: ChangeClass | '';
  readonly observed_mismatch: boolean;
  /** The deciding rule the log names (`observed_rule`, pipeline/rule-drift.ts); '' when it names none. */
  readonly observed_rule: string;
  /** Whether the current view decided otherwise; null when not compared (no logged rule, or an unknown verdict). */
  readonly observed_rule_mismatch: boolean | null;
  /** Content hash of the policy set(s) that produced the verdicts. */
  readonly policy_version: string;
  readonly bytes: number;
  readonly packets: number;
  /** Connections the record stands for (`FlowRecord.count`, 1 when the log does not say). */
  readonly count: number;
}
