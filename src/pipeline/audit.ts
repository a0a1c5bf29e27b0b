/**
 * The synchronous heart of every entry point (replay, daemon, stdin): resolve both sides of a decoded flow,
 * evaluate it under the current view and, when given, the proposed one, and classify the difference.
 * No I/O: callers hand it whole batches.
 */
import type { CompiledPolicySet } from '../engine/index.js';
import type { DecodedFlow } from '../flows/record.js';
import type { Peer } from '../inventory/endpoint.js';
import { classify, observedMismatch } from './classify.js';
import { ruleDrift } from './rule-drift.js';
import type { ViewDifference } from './view-difference.js';
import type { Outcome } from './outcome.js';

/** What the auditor needs of the inventory: time-aware resolution of one side of a flow. */
export interface PeerResolver {
  /** `v4`: the side's IP as a number, as DecodedFlow has it. */
  resolve(record: DecodedFlow['record'], side: 'src' | 'dst', v4: number): Peer;
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

  audit(flow: DecodedFlow): Outcome {
    const { current, proposed, difference } = this.views;
    const record = flow.record;
    const src = this.resolver.resolve(record, 'src', flow.srcV4);
    const dst = this.resolver.resolve(record, 'dst', flow.dstV4);
    const now = current.evaluate(record, src, dst);
    // The same compiled set in both views means the proposal changes nothing (pipeline/context.ts); else the
    // proposal may change nothing at these endpoints.
    const next =
      proposed === undefined ? undefined : proposed === current || difference?.decidesAlike(src, dst) === true ? now : proposed.evaluate(record, src, dst);
    return {
      flow,
      src,
      dst,
      current: now,
      proposed: next,
      cls: next === undefined ? undefined : classify(now.verdict, next.verdict),
      mismatch: observedMismatch(record.action, now.verdict),
      drift: record.observed_policies === undefined ? undefined : ruleDrift(record, now),
    };
  }

  auditBatch(flows: readonly DecodedFlow[]): Outcome[] {
    const out = new Array<Outcome>(flows.length);
    for (let i = 0; i < flows.length; i++) out[i] = this.audit(flows[i]!);
    return out;
  }
}
