/**
 * One result row per input flow: what replay writes (JSONL/CSV), what the daemon inserts into ClickHouse and what
 * reports aggregate. Field names are the column names everywhere.
 */
import type { FinalVerdict } from '../engine/verdict.js';

/** How the proposed set changes a flow's fate. `unknown` when either view could not decide. */
export type ChangeClass = 'unchanged-allow' | 'unchanged-deny' | 'would-block' | 'would-allow' | 'unknown';

export interface ResultRow {
  /** Groups the rows of one replay or one daemon deployment. */
  readonly run_id: string;
  /** Source coordinates: `kafka:<topic>/<partition>/<offset>` or `file:<path>:<line>`; unique per input record. */
  readonly source: string;
  /** Flow time in epoch milliseconds (0 when the record had none). */
  readonly time: number;
  readonly src_ip: string;
  readonly src_port: number | null;
  readonly dst_ip: string;
  readonly dst_port: number | null;
  readonly proto: number;
  readonly src_namespace: string;
  readonly src_name: string;
  readonly dst_namespace: string;
  readonly dst_name: string;
  /** Observed action from the log, '' when the log had none. */
  readonly observed_action: '' | 'allow' | 'deny';
  readonly verdict: FinalVerdict;
  /** Why an `unknown` verdict is unknown; '' otherwise. */
  readonly reason: string;
  /** Deciding rules of both directions, formatted by engine/format-rule (docs/results.md). */
  readonly rule: string;
  readonly proposed_verdict: FinalVerdict | '';
  readonly proposed_rule: string;
  readonly class: ChangeClass | '';
  readonly observed_mismatch: boolean;
  /** Content hash of the policy set(s) that produced the verdicts. */
  readonly policy_version: string;
  readonly bytes: number;
  readonly packets: number;
}
