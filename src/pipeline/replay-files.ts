/**
 * Replay of flow files (or stdin) through the audit: source → decode → resolve/evaluate/classify (Auditor, per
 * batch) → sinks. Streaming end to end: one batch of lines in memory at a time, and every sink awaited per batch.
 */
import type { Readable } from 'node:stream';
import { FINAL_VERDICTS, type FinalVerdict } from '../engine/verdict.js';
import type { DeadLetterSink } from '../flows/dead-letter.js';
import { decodeFlowSource, newDecodeStats, type DecodeStats } from '../flows/decode.js';
import type { DecoderOptions, FlowFormat } from '../flows/decoders/index.js';
import { countComparison, newComparisons, type Comparisons } from './classify.js';
import type { Auditor } from './audit.js';
import { KeyCounts } from './key-counts.js';
import type { Outcome } from './outcome.js';
import { CHANGE_CLASSES, type ChangeClass } from './result.js';

export interface OutcomeConsumer {
  write(batch: readonly Outcome[]): Promise<void> | void;
}

export interface ReplayInput {
  /** Paths; `-` is `stdin`. */
  readonly flows: readonly string[];
  readonly stdin: Readable;
  readonly format: FlowFormat | 'auto';
  readonly decoderOptions?: DecoderOptions;
  readonly maxLineBytes?: number;
}

export interface ReplayTally {
  readonly decode: DecodeStats;
  flows: number;
  readonly verdicts: KeyCounts<FinalVerdict>;
  readonly classes: KeyCounts<ChangeClass>;
  mismatches: number;
  /** Flows whose log names the deciding rule, compared with the current view's (pipeline/rule-drift.ts). */
  readonly rules: Comparisons;
}

export function newReplayTally(): ReplayTally {
  return { decode: newDecodeStats(), flows: 0, verdicts: new KeyCounts(FINAL_VERDICTS), classes: new KeyCounts(CHANGE_CLASSES), mismatches: 0, rules: newComparisons() };
}

export async function replayFiles(
  input: ReplayInput,
  auditor: Auditor,
  consumers: readonly OutcomeConsumer[],
  deadLetters: DeadLetterSink,
  onBatch: (flows: number) => void = () => {},
): Promise<ReplayTally> {
  const tally = newReplayTally();
  for (const path of input.flows) {
    const source = path === '-' ? input.stdin : path;
    const batches = decodeFlowSource(source, {
      file: path === '-' ? '(stdin)' : path,
      format: input.format,
      deadLetters,
      stats: tally.decode,
      ...(input.decoderOptions ? { decoderOptions: input.decoderOptions } : {}),
      ...(input.maxLineBytes ? { maxLineBytes: input.maxLineBytes } : {}),
    });
    for await (const flows of batches) {
      const outcomes = auditor.auditBatch(flows);
      countOutcomes(tally, outcomes);
      for (const c of consumers) await c.write(outcomes);
      onBatch(outcomes.length);
    }
  }
  return tally;
}

export function countOutcomes(t: ReplayTally, outcomes: readonly Outcome[]): void {
  t.flows += outcomes.length;
  for (const o of outcomes) {
    t.verdicts.add(o.current.verdict);
    if (o.cls !== undefined) t.classes.add(o.cls);
    if (o.mismatch) t.mismatches++;
    countComparison(t.rules, o.drift?.mismatch);
  }
}
