import type { FinalVerdict } from '../engine/verdict.js';
import type { ChangeClass } from './result.js';

/** How a proposal changes a flow's fate; `unknown` when either side could not decide (never a guess). */
export function classify(current: FinalVerdict, proposed: FinalVerdict): ChangeClass {
  if (current === 'unknown' || proposed === 'unknown') return 'unknown';
  if (current === 'allow') return proposed === 'allow' ? 'unchanged-allow' : 'would-block';
  return proposed === 'deny' ? 'unchanged-deny' : 'would-allow';
}

/**
 * True when the log says the dataplane did something else than the policies given decide: drift between the
 * logs and the policy files. An unknown verdict or a record without an observed action is never a mismatch.
 */
export function observedMismatch(observed: 'allow' | 'deny' | undefined, verdict: FinalVerdict): boolean {
  return observed !== undefined && verdict !== 'unknown' && observed !== verdict;
}
