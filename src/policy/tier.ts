/**
 * Calico `Tier` (api `tier.go`): `order` (absent = after every number) and `defaultAction` Deny (default) or
 * Pass. The built-in tiers may be written out, but only with their fixed order and action (CRD rules on Tier).
 */
import type { FieldMap } from './fields.js';
import { isTierName } from './identity.js';
import { BUILTIN_TIERS, type Tier } from './model.js';
import { childPath } from './path.js';
import { readMetadata } from './resource.js';

export function convertTier(root: FieldMap): Tier | undefined {
  const metadata = readMetadata(root, 'cluster');
  const spec = root.map('spec', ['order', 'defaultAction']);
  if (metadata === undefined) return undefined;
  const name = metadata.name;
  if (!isTierName(name)) {
    root.check.report('bad-value', `tier name "${name}" must be a DNS label (lower-case alphanumerics and "-", no dots)`, childPath(root.pathOf('metadata'), 'name'));
  }
  const order = spec?.number('order') ?? null;
  const action = spec?.string('defaultAction') ?? 'Deny';
  if (action !== 'Deny' && action !== 'Pass') {
    root.check.report('bad-value', `defaultAction must be Deny or Pass, found "${action}"`, spec?.pathOf('defaultAction') ?? root.path);
    return undefined;
  }
  const builtin = BUILTIN_TIERS.find((t) => t.name === name);
  if (builtin !== undefined && (builtin.order !== order || builtin.defaultAction !== action)) {
    root.check.report('bad-value', `the built-in tier "${name}" must have order ${builtin.order} and defaultAction ${builtin.defaultAction}`, spec?.path ?? root.path);
  }
  return { name, order, defaultAction: action };
}
