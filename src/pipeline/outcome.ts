import type { Verdict } from '../engine/verdict.js';
import type { DecodedFlow } from '../flows/record.js';
import type { Peer } from '../inventory/endpoint.js';
import type { ChangeClass } from './result.js';
import type { RuleDrift } from './rule-drift.js';

/** What the pipeline decided for one input flow, before any sink shapes it into rows. */
export interface Outcome {
  readonly flow: DecodedFlow;
  /** Each side as resolved at the flow's time (the endpoint, as it was then, that policy applied to). */
  readonly src: Peer;
  readonly dst: Peer;
  readonly current: Verdict;
  /** Present only when a proposed view was given. */
  readonly proposed: Verdict | undefined;
  readonly cls: ChangeClass | undefined;
  readonly mismatch: boolean;
  /** What the log says decided the flow, next to the current view's decision; when the log says (pipeline/rule-drift.ts). */
  readonly drift?: RuleDrift | undefined;
}
