/**
 * `spec.stagedAction` of the staged kinds (api `policy_common.go` StagedAction): Set (default) or Delete.
 * Learn and Ignore exist in the enum but have no meaning for a what-if view, so such policies are skipped.
 */
import type { FieldMap } from './fields.js';
import type { StagedAction } from './model.js';

export type StagedRead = StagedAction | 'skip' | 'invalid';

export function readStagedAction(spec: FieldMap | undefined): StagedRead {
  const action = spec?.string('stagedAction');
  if (spec === undefined || action === undefined) return spec?.has('stagedAction') === true ? 'invalid' : 'Set';
  if (action === 'Set' || action === 'Delete') return action;
  if (action === 'Learn' || action === 'Ignore') {
    spec.check.report('staged-action-ignored', `stagedAction ${action} has no proposed effect; the policy is skipped`, spec.pathOf('stagedAction'));
    return 'skip';
  }
  spec.check.report('bad-value', `stagedAction must be Set or Delete, found "${action}"`, spec.pathOf('stagedAction'));
  return 'invalid';
}

/**
 * validateStaged*Policy: with Delete every spec field except `allowed` (tier for Calico kinds) must be unset
 * or empty; the staged policy only names what to remove.
 */
export function checkDeleteHasNoSpec(spec: FieldMap, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(spec.fields)) {
    if (key === 'stagedAction' || allowed.includes(key) || isZero(value)) continue;
    spec.check.report('conflicting-fields', `stagedAction Delete takes no "${key}"`, spec.pathOf(key), 'key');
  }
}

function isZero(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === false || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.values(value).every(isZero);
}
