/**
 * The synchronous heart of every entry point (replay, daemon, stdin): resolve both sides of a decoded flow,
 * evaluate it under the current view and, when given, the proposed one, and classify the difference.
 * No I/O: callers hand it whole batches.
 */
import type { CompiledPolicySet } from '../engine/index.js';
import type { Verdict } from '../engine/verdict.js';
import type { DecodedFlow } from '../flows/record.js';
import type { Peer } from '../inventory/endpoint.js';
import { classify, observedMismatch } from './classify.js';
import { ruleDrift } from './rule-drift.js';
import type { ViewDifference } from './view-difference.js';
import type { Outcome } from './outcome.js';

/** What the auditor needs of the inventory: time-aware resolution of both sides of flows. */
export interface PeerResolver {
  /** Both sides of each flow, into `src[i]` and `dst[i]` (inventory/inventory.ts resolveBatch). */
  resolveBatch(flows: readonly DecodedFlow[], src: Peer[], dst: Peer[]): void;
}

export interface AuditViews {
  readonly current: CompiledPolicySet;
  readonly proposed: CompiledPolicySet | undefined;
  /** Which flows the proposed view decides as the current one (pipeline/view-difference.ts), when known. */
  readonly difference?: ViewDifference;
}

export class Auditor {
  constructor(
    private views: AuditViews,
    private readonly resolver: PeerResolver,
  ) {}

  /** Swaps the policy views atomically between batches (daemon reloads). */
  setViews(views: AuditViews): void {
    this.views = views;
  }

  auditBatch(flows: readonly DecodedFlow[]): Outcome[] {
    const { current, proposed, difference } = this.views;
    const n = flows.length;
    const src = new Array<Peer>(n);
    const dst = new Array<Peer>(n);
    this.resolver.resolveBatch(flows, src, dst);
    const now = new Array<Verdict>(n);
    current.evaluateBatch(flows, src, dst, now);
    const out = new Array<Outcome>(n);
    for (let i = 0; i < n; i++) {
      const flow = flows[i]!;
      const record = flow.record;
      const s = src[i]!;
      const d = dst[i]!;
      const v = now[i]!;
      // The same compiled set in both views means the proposal changes nothing (pipeline/context.ts); else the
      // proposal may change nothing at these endpoints.
      const next =
        proposed === undefined ? undefined : proposed === current || difference?.decidesAlike(s, d) === true ? v : proposed.evaluate(record, s, d);
      out[i] = {
        flow,
        src: s,
        dst: d,
        current: v,
        proposed: next,
        cls: next === undefined ? undefined : classify(v.verdict, next.verdict),
        mismatch: observedMismatch(record.action, v.verdict),
        drift: record.observed_policies === undefined ? undefined : ruleDrift(record, v),
      };
    }
    return out;
  }
}
