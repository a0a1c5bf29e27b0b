import type { ChangeClass } from '../pipeline/result.js';
import type { FinalVerdict } from '../engine/verdict.js';

/** What a report needs of one result row, whichever store it came from (results file, ClickHouse). */
export interface ReportRow {
  /** Epoch ms; undefined when the flow had no time. */
  readonly time: number | undefined;
  /** `<namespace>/<name>` for endpoints, else the IP, else `?`. */
  readonly src: string;
  readonly dst: string;
  readonly srcNamespace: string | undefined;
  readonly dstNamespace: string | undefined;
  /** `TCP/443`, `ICMP`. */
  readonly service: string;
  /** Connections this row stands for (`count`, default 1). */
  readonly flows: number;
  readonly bytes: number;
  readonly observedAction: 'allow' | 'deny' | undefined;
  readonly verdict: FinalVerdict;
  /** Why `verdict` is unknown; undefined otherwise. */
  readonly reason: string | undefined;
  readonly rule: string;
  readonly proposedVerdict: FinalVerdict | undefined;
  /** Why `proposedVerdict` is unknown, when the store keeps it (ClickHouse keeps the current reason only). */
  readonly proposedReason: string | undefined;
  readonly proposedRule: string | undefined;
  readonly cls: ChangeClass | undefined;
  /** The log's deciding rule (`observed_rule`), when the log names one (pipeline/rule-drift.ts). */
  readonly observedRule?: string | undefined;
  /** Whether the current view decided that direction otherwise; undefined when not compared. */
  readonly ruleMismatch?: boolean | undefined;
}
