/**
 * Selector fields of policy resources: parsed through the selector module, with parse errors reported at the
 * column inside the selector text, and Calico's placement rules for `global()` (api `policy_common.go` CEL
 * rules, validator `validateEntityRule`): only a rule's `namespaceSelector` may use it, and only alone.
 */
import { parseSelector, SelectorParseError, type Selector } from '../selector/index.js';
import type { FieldMap, ResourceCheck } from './fields.js';

export type GlobalUse = 'forbidden' | 'alone';

/**
 * The selector written at `key`, or undefined when absent, empty (`""` means "not set" for every selector field
 * Calico has; a policy's own selector then defaults to all()), or invalid (reported).
 */
export function readSelector(m: FieldMap, key: string, global: GlobalUse): Selector | undefined {
  const text = m.string(key);
  if (text === undefined || text === '') return undefined;
  const path = m.pathOf(key);
  const selector = parseReported(m.check, text, path, true);
  if (selector === undefined) return undefined;
  if (global === 'forbidden' && text.includes('global(')) {
    m.check.reportInString('bad-selector', `global() may only be used in a rule's namespaceSelector`, path, text.indexOf('global('));
    return undefined;
  }
  if (global === 'alone' && text.includes('global(') && !selector.isGlobal) {
    m.check.reportInString('bad-selector', 'global() cannot be combined with other selector terms', path, text.indexOf('global('));
    return undefined;
  }
  return selector;
}

/**
 * Parses selector text, reporting failures at `path`. `written` says the text is the field's own value, so a
 * parse error can point at its column in the file; generated text (from a Kubernetes label selector) cannot.
 */
export function parseReported(check: ResourceCheck, text: string, path: string, written: boolean): Selector | undefined {
  try {
    return parseSelector(text);
  } catch (e) {
    if (!(e instanceof SelectorParseError)) throw e;
    if (written) check.reportInString('bad-selector', e.message, path, utf16Offset(text, e.column));
    else check.report('bad-selector', e.message, path);
    return undefined;
  }
}

/** SelectorParseError columns count code points from 1; positions in the file count UTF-16 units from 0. */
function utf16Offset(text: string, column: number): number {
  return Array.from(text).slice(0, column - 1).join('').length;
}
