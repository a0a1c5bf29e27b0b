/**
 * What `flowaudit explain` shows: the events of one evaluation, reported to a sink while the ordinary evaluation
 * runs (OPA's QueryTracer pattern). Without a sink the evaluation pays one branch per event and allocates nothing
 * for tracing; with one it decides exactly as without.
 */
import type { Direction, RuleAction } from '../policy/model.js';
import type { HostStageKind } from './host-stages.js';
import type { LocalPath } from './local-host.js';

export type TraceEvent =
  /** The endpoint whose policy decides this direction (`key`), or why no endpoint's policy applies. */
  | { readonly kind: 'side'; readonly direction: Direction; readonly at: string }
  /** Host endpoint failsafe ports were checked (before any policy). */
  | { readonly kind: 'failsafe'; readonly direction: Direction; readonly result: 'yes' | 'no' | 'unknown' }
  /**
   * A host endpoint's doNotTrack or preDNAT policies run, before its normal ones (engine/host-stages.ts); `normal`
   * when the normal ones follow them.
   */
  | { readonly kind: 'stage'; readonly direction: Direction; readonly stage: HostStageKind | 'normal' }
  /** A tier with applicable policies starts. */
  | {
      readonly kind: 'tier';
      readonly direction: Direction;
      readonly tier: string;
      readonly policies: readonly string[];
    }
  /** A rule's match held (or could not be decided); rules that did not match are not reported, so a policy
   *  listed in its tier but absent from the rule events had no rule that matched. */
  | {
      readonly kind: 'rule';
      readonly direction: Direction;
      readonly tier: string;
      readonly policy: string;
      readonly rule: number;
      readonly action: RuleAction;
      readonly match: 'yes' | 'unknown';
      readonly reason?: string;
    }
  /** The tier ended without Allow, Deny or Pass; its default action applies. */
  | {
      readonly kind: 'tier-default';
      readonly direction: Direction;
      readonly tier: string;
      readonly action: 'Deny' | 'Pass';
    }
  /** No tier decided: the endpoint's profiles, in order. */
  | { readonly kind: 'profiles'; readonly direction: Direction; readonly profiles: readonly string[] }
  /** The flow runs between a pod and its own node, which Felix decides apart (engine/local-host.ts). */
  | { readonly kind: 'local-host'; readonly direction: Direction; readonly path: LocalPath; readonly node: string };

export type TraceSink = (event: TraceEvent) => void;
