/**
 * Which rules block traffic: groups the rows denied under the evaluated view (the proposed one when there is
 * one, else the current one) by the element that denied them, with counts, first/last seen and examples.
 * Pure and incremental: rows are added one at a time, so a report over weeks of flows runs in bounded memory
 * (distinct peers and examples are kept per group, examples capped).
 */
import { parseRuleColumn, type RuleToken } from '../engine/format.js';
import { observedMismatch } from '../pipeline/classify.js';
import type { ChangeClass } from '../pipeline/result.js';
import type { ReportRow } from './row.js';

export type GroupBy = 'rule' | 'policy' | 'namespace' | 'pair';

export interface ExampleFlow {
  readonly src: string;
  readonly dst: string;
  readonly service: string;
  readonly flows: number;
}

export interface ReportGroup {
  readonly key: string;
  readonly direction: string;
  readonly flows: number;
  readonly bytes: number;
  readonly sources: number;
  readonly destinations: number;
  readonly firstSeen: number | undefined;
  readonly lastSeen: number | undefined;
  /** Of these flows, how many the current set allows (the proposal would block them). */
  readonly wouldBlock: number;
  /** Of these flows, how many the logs show as allowed: real traffic that got through. */
  readonly observedAllowed: number;
  readonly examples: readonly ExampleFlow[];
}

export interface Report {
  readonly by: GroupBy;
  /** Whether rows carried a proposed verdict (then groups are of the proposed view). */
  readonly proposed: boolean;
  readonly totals: {
    readonly rows: number;
    readonly flows: number;
    readonly verdicts: Readonly<Record<string, number>>;
    readonly classes: Readonly<Record<string, number>>;
    readonly mismatches: number;
    readonly unparsedRules: number;
  };
  readonly groups: readonly ReportGroup[];
  /**
   * The flows whose verdict under the evaluated view is unknown, by reason, most flows first (the top N): what to
   * add to the inputs (an EndpointSlice, a Profile, a FelixConfiguration...) or what flow logs cannot tell.
   */
  readonly unknown: readonly UnknownReason[];
  /**
   * Rule-level drift under the current view: the flows whose log names another deciding rule than the current
   * view's, by (logged rule, evaluated rule), most flows first (the top N).
   */
  readonly drift: {
    /** Flows whose logged deciding rule was compared (the current verdict known). */
    readonly compared: number;
    readonly mismatches: number;
    readonly groups: readonly DriftGroup[];
  };
}

export interface DriftGroup {
  /** `ingress=allow@default/prod/knp.default.db#1`, as the `observed_rule` column. */
  readonly observed: string;
  /** The current view's token for the same direction, as in the `rule` column. */
  readonly evaluated: string;
  readonly flows: number;
  /** The first (source, destination, service) seen with it. */
  readonly example: string;
}

export interface UnknownReason {
  /** The row's reason; `(reason not stored)` for rows kept without it. */
  readonly reason: string;
  readonly flows: number;
}

/** Distinct tuples tracked per group for examples; later tuples only count when already tracked. */
const EXAMPLE_CAP = 1000;
/**
 * Distinct unknown reasons counted one by one; later new ones count together as OTHER_REASONS (a reason can quote
 * a flow's malformed field, so distinct reasons are not bounded by the policies).
 */
const REASON_CAP = 1000;
const OTHER_REASONS = '(other reasons)';
/** Distinct (logged, evaluated) rule pairs counted one by one; later new ones count together as OTHER_DRIFT. */
const DRIFT_CAP = 1000;
const OTHER_DRIFT = '(other rules)';
const REASON_NOT_STORED = '(reason not stored)';

interface MutableGroup {
  key: string;
  direction: string;
  flows: number;
  bytes: number;
  sources: Set<string>;
  destinations: Set<string>;
  firstSeen: number | undefined;
  lastSeen: number | undefined;
  wouldBlock: number;
  observedAllowed: number;
  examples: Map<string, { src: string; dst: string; service: string; flows: number }>;
}

export class ReportBuilder {
  private readonly groups = new Map<string, MutableGroup>();
  private rows = 0;
  private flows = 0;
  private mismatches = 0;
  private unparsedRules = 0;
  private proposed = false;
  private readonly verdicts: Record<string, number> = {};
  private readonly classes: Record<string, number> = {};
  private readonly unknownReasons = new Map<string, number>();
  private driftCompared = 0;
  private driftMismatches = 0;
  private readonly driftGroups = new Map<string, { observed: string; evaluated: string; flows: number; example: string }>();

  constructor(
    private readonly by: GroupBy,
    private readonly top: number,
  ) {}

  add(row: ReportRow): void {
    this.rows++;
    this.flows += row.flows;
    const verdict = row.proposedVerdict ?? row.verdict;
    this.verdicts[verdict] = (this.verdicts[verdict] ?? 0) + row.flows;
    if (row.cls !== undefined) {
      this.proposed = true;
      this.classes[row.cls] = (this.classes[row.cls] ?? 0) + row.flows;
    }
    if (observedMismatch(row.observedAction, row.verdict)) this.mismatches += row.flows;
    if (row.ruleMismatch !== undefined) this.countDrift(row);
    if (verdict === 'unknown') this.countUnknown((row.proposedVerdict === undefined ? row.reason : row.proposedReason) ?? REASON_NOT_STORED, row.flows);
    if (verdict !== 'deny') return;
    const tokens = parseRuleColumn(row.proposedRule ?? row.rule);
    // Egress is checked first on the wire: when both directions deny, egress is what dropped the packet.
    const denied = tokens?.find((t) => t.direction === 'egress' && t.verdict === 'deny') ??
      tokens?.find((t) => t.verdict === 'deny');
    if (!denied) {
      this.unparsedRules++;
      return;
    }
    const key = groupKey(this.by, denied, row);
    let g = this.groups.get(key);
    if (!g) {
      g = {
        key,
        direction: denied.direction,
        flows: 0,
        bytes: 0,
        sources: new Set(),
        destinations: new Set(),
        firstSeen: undefined,
        lastSeen: undefined,
        wouldBlock: 0,
        observedAllowed: 0,
        examples: new Map(),
      };
      this.groups.set(key, g);
    }
    g.flows += row.flows;
    g.bytes += row.bytes;
    g.sources.add(row.src);
    g.destinations.add(row.dst);
    if (row.time !== undefined) {
      if (g.firstSeen === undefined || row.time < g.firstSeen) g.firstSeen = row.time;
      if (g.lastSeen === undefined || row.time > g.lastSeen) g.lastSeen = row.time;
    }
    if (row.cls === ('would-block' satisfies ChangeClass)) g.wouldBlock += row.flows;
    if (row.observedAction === 'allow') g.observedAllowed += row.flows;
    const exKey = `${row.src}\u0000${row.dst}\u0000${row.service}`;
    const ex = g.examples.get(exKey);
    if (ex) ex.flows += row.flows;
    else if (g.examples.size < EXAMPLE_CAP) {
      g.examples.set(exKey, { src: row.src, dst: row.dst, service: row.service, flows: row.flows });
    }
  }

  private countUnknown(reason: string, flows: number): void {
    const key = this.unknownReasons.has(reason) || this.unknownReasons.size < REASON_CAP ? reason : OTHER_REASONS;
    this.unknownReasons.set(key, (this.unknownReasons.get(key) ?? 0) + flows);
  }

  private countDrift(row: ReportRow): void {
    this.driftCompared += row.flows;
    if (!row.ruleMismatch || row.observedRule === undefined) return;
    this.driftMismatches += row.flows;
    const direction = row.observedRule.slice(0, row.observedRule.indexOf('='));
    const token = parseRuleColumn(row.rule)?.find((t) => t.direction === direction);
    const evaluated = token === undefined ? row.rule : `${token.direction}=${token.verdict}@${token.where}`;
    let key = `${row.observedRule}\u0000${evaluated}`;
    if (!this.driftGroups.has(key) && this.driftGroups.size >= DRIFT_CAP) key = OTHER_DRIFT;
    const g = this.driftGroups.get(key);
    if (g !== undefined) g.flows += row.flows;
    else {
      const other = key === OTHER_DRIFT;
      this.driftGroups.set(key, {
        observed: other ? OTHER_DRIFT : row.observedRule,
        evaluated: other ? OTHER_DRIFT : evaluated,
        flows: row.flows,
        example: `${row.src} -> ${row.dst} ${row.service}`,
      });
    }
  }

  build(): Report {
    const groups = [...this.groups.values()]
      .map(
        (g): ReportGroup => ({
          key: g.key,
          direction: g.direction,
          flows: g.flows,
          bytes: g.bytes,
          sources: g.sources.size,
          destinations: g.destinations.size,
          firstSeen: g.firstSeen,
          lastSeen: g.lastSeen,
          wouldBlock: g.wouldBlock,
          observedAllowed: g.observedAllowed,
          examples: [...g.examples.values()]
            .sort((a, b) => b.flows - a.flows || cmp(a.src, b.src) || cmp(a.dst, b.dst) || cmp(a.service, b.service))
            .slice(0, this.top),
        }),
      )
      .sort((a, b) => b.flows - a.flows || cmp(a.key, b.key));
    return {
      by: this.by,
      proposed: this.proposed,
      totals: {
        rows: this.rows,
        flows: this.flows,
        verdicts: sortedKeys(this.verdicts),
        classes: sortedKeys(this.classes),
        mismatches: this.mismatches,
        unparsedRules: this.unparsedRules,
      },
      groups,
      unknown: [...this.unknownReasons]
        .map(([reason, flows]) => ({ reason, flows }))
        .sort((a, b) => b.flows - a.flows || cmp(a.reason, b.reason))
        .slice(0, this.top),
      drift: {
        compared: this.driftCompared,
        mismatches: this.driftMismatches,
        groups: [...this.driftGroups.values()]
          .sort((a, b) => b.flows - a.flows || cmp(a.observed, b.observed) || cmp(a.evaluated, b.evaluated))
          .slice(0, this.top),
      },
    };
  }
}

function groupKey(by: GroupBy, t: RuleToken, row: ReportRow): string {
  switch (by) {
    case 'rule':
      return `${t.direction} ${t.where}`;
    case 'policy':
      return t.policy !== undefined ? `${t.direction} ${t.tier}/${t.policy}` : `${t.direction} ${t.where}`;
    case 'namespace': {
      // The namespace of the endpoint whose policy denied: egress at the source, ingress at the destination.
      const ns = t.direction === 'egress' ? row.srcNamespace : row.dstNamespace;
      return `${t.direction} ${ns ?? '(no namespace)'}`;
    }
    case 'pair':
      return `${t.direction} ${row.src} -> ${row.dst}`;
  }
}

/** A copy with keys in sorted order, so JSON output does not depend on which row came first. */
function sortedKeys(counts: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort(cmp)) out[key] = counts[key]!;
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
