import type { FinalVerdict } from '../engine/verdict.js';
import type { ChangeClass } from './result.js';

/** How a proposal changes a flow's fate; `unknown` when either side could not decide (never a guess). */
export function classify(current: FinalVerdict, proposed: FinalVerdict): ChangeClass {
  if (current === 'unknown' || proposed === 'unknown') return 'unknown';
  if (current === 'allow') return proposed === 'allow' ? 'unchanged-allow' : 'would-block';
  return proposed === 'deny' ? 'unchanged-deny' : 'would-allow';
}

/**
 * Whether the log says the dataplane did something else than the policies given decide (drift between the logs
 * and the policy files); undefined when there is nothing to compare: no observed action, or an unknown verdict.
 */
export function actionDrift(observed: 'allow' | 'deny' | undefined, verdict: FinalVerdict): boolean | undefined {
  return observed === undefined || verdict === 'unknown' ? undefined : observed !== verdict;
}

/** actionDrift as a flag: an unknown verdict or a record without an observed action is never a mismatch. */
export function observedMismatch(observed: 'allow' | 'deny' | undefined, verdict: FinalVerdict): boolean {
  return actionDrift(observed, verdict) === true;
}

/** Flows compared with what their logs say, and of them those that differ (action or rule drift). */
export interface Comparisons {
  compared: number;
  differ: number;
}

export function newComparisons(): Comparisons {
  return { compared: 0, differ: 0 };
}

/** Counts one flow; `differs` undefined: not compared. */
export function countComparison(c: Comparisons, differs: boolean | undefined): void {
  if (differs === undefined) return;
  c.compared++;
  if (differs) c.differ++;
}
