/**
 * Calico v3 NetworkPolicy, GlobalNetworkPolicy and their staged kinds → model `Policy`
 * (api `networkpolicy.go`, `globalnetworkpolicy.go`, `staged*.go`; validator `validate*NetworkPolicy*`;
 * `updateprocessors/globalnetworkpolicyprocessor.go` for how a GNP's namespaceSelector narrows its selector).
 */
import { ALL_SELECTOR } from '../selector/index.js';
import { convertCalicoRule, type RuleContext } from './calico-rule.js';
import { compact, FieldMap } from './fields.js';
import { isGlobalPolicyName, isNamespacedPolicyName, isTierName, policyId, policyName } from './identity.js';
import { childPath } from './path.js';
import type { Direction, Policy, Rule } from './model.js';
import { calicoDefaultTypes, readTypes, warnIgnoredRules } from './policy-types.js';
import { readMetadata } from './resource.js';
import { readSelector } from './selectors.js';
import { checkDeleteHasNoSpec, readStagedAction } from './staged.js';

export type CalicoPolicyKind = 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy';

const COMMON_SPEC = ['tier', 'order', 'selector', 'types', 'ingress', 'egress', 'serviceAccountSelector', 'performanceHints'];
const GLOBAL_SPEC = [...COMMON_SPEC, 'namespaceSelector', 'doNotTrack', 'preDNAT', 'applyOnForward'];

export function convertCalicoPolicy(root: FieldMap, kind: CalicoPolicyKind): Policy | undefined {
  const global = kind === 'GlobalNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  const staged = kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  const metadata = readMetadata(root, global ? 'cluster' : 'namespaced');
  if (metadata !== undefined) checkName(root, metadata.name, global);
  const known = [...(global ? GLOBAL_SPEC : COMMON_SPEC), ...(staged ? ['stagedAction'] : [])];
  const spec = root.has('spec') ? root.map('spec', known) : FieldMap.of(root.check, {}, root.pathOf('spec'));
  if (spec === undefined || metadata === undefined) return undefined;

  const stagedAction = staged ? readStagedAction(spec) : null;
  if (stagedAction === 'skip' || stagedAction === 'invalid') return undefined;
  const tier = readTier(spec);
  const base = {
    id: policyId(kind, metadata.namespace, metadata.name),
    sourceKind: kind,
    name: policyName(kind, metadata.name, tier),
    namespace: metadata.namespace,
    tier,
    staged: stagedAction,
    origin: root.check.origin(root.path),
  };
  if (stagedAction === 'Delete') {
    checkDeleteHasNoSpec(spec, ['tier']);
    return deletion(base);
  }

  const order = readOrder(spec);
  const selector = readSelector(spec, 'selector', 'forbidden') ?? ALL_SELECTOR;
  const namespaceSelector = global ? readSelector(spec, 'namespaceSelector', 'forbidden') : undefined;
  const serviceAccountSelector = readSelector(spec, 'serviceAccountSelector', 'forbidden');
  const ingress = readRules(spec, 'ingress', metadata.namespace);
  const egress = readRules(spec, 'egress', metadata.namespace);
  const types = readTypes(spec, 'types') ?? calicoDefaultTypes(countRules(spec, 'ingress'), countRules(spec, 'egress'));
  warnIgnoredRules(spec, types, { ingress: 'ingress', egress: 'egress' });
  const flags = global ? readHostFlags(spec, types) : { applyOnForward: false, preDNAT: false, doNotTrack: false };

  return compact<Policy>({ ...base, order, selector, namespaceSelector, serviceAccountSelector, types, ingress, egress, ...flags });
}

/** A staged Delete: only its identity and tier matter. */
export function deletion(base: Pick<Policy, 'id' | 'sourceKind' | 'name' | 'namespace' | 'tier' | 'staged' | 'origin'>): Policy {
  return compact<Policy>({
    ...base,
    order: null,
    selector: ALL_SELECTOR,
    types: { ingress: false, egress: false },
    ingress: [],
    egress: [],
    applyOnForward: false,
    preDNAT: false,
    doNotTrack: false,
  });
}

function checkName(root: FieldMap, name: string, global: boolean): void {
  if (name !== '' && !(global ? isGlobalPolicyName(name) : isNamespacedPolicyName(name))) {
    const rule = global ? ', with at most one "."' : '';
    root.check.report('bad-value', `policy name "${name}" must be lower-case alphanumerics and "-"${rule}`, childPath(root.pathOf('metadata'), 'name'));
  }
}

function readTier(spec: FieldMap): string {
  const tier = spec.string('tier');
  if (tier === undefined || tier === '') return 'default';
  if (!isTierName(tier)) {
    spec.check.report('bad-value', `tier name "${tier}" must be a DNS label (lower-case alphanumerics and "-")`, spec.pathOf('tier'));
  }
  return tier;
}

function readOrder(spec: FieldMap): number | null {
  return spec.number('order') ?? null;
}

function countRules(spec: FieldMap, key: Direction): number {
  const rules = spec.raw(key);
  return Array.isArray(rules) ? rules.length : 0;
}

/** The rules of `spec[direction]`, the ones with errors left out (also a Profile's: policy/profile.ts). */
export function readRules(spec: FieldMap, direction: Direction, namespace: string | undefined): Rule[] {
  const ctx: RuleContext = { namespace, direction };
  const out: Rule[] = [];
  for (const [i, item] of (spec.list(direction) ?? []).entries()) {
    const rule = convertCalicoRule(spec.check, item, i, ctx);
    if (rule !== undefined) out.push(rule);
  }
  return out;
}

/** GlobalNetworkPolicy CEL rules on doNotTrack, preDNAT and applyOnForward. */
function readHostFlags(spec: FieldMap, types: { ingress: boolean; egress: boolean }): Pick<Policy, 'applyOnForward' | 'preDNAT' | 'doNotTrack'> {
  const doNotTrack = spec.boolean('doNotTrack') ?? false;
  const preDNAT = spec.boolean('preDNAT') ?? false;
  const applyOnForward = spec.boolean('applyOnForward') ?? false;
  if (doNotTrack && preDNAT) spec.check.report('conflicting-fields', 'preDNAT and doNotTrack cannot both be true', spec.pathOf('preDNAT'));
  if (preDNAT && countRules(spec, 'egress') > 0) spec.check.report('conflicting-fields', 'a preDNAT policy cannot have egress rules', spec.pathOf('egress'));
  else if (preDNAT && types.egress) spec.check.report('conflicting-fields', 'a preDNAT policy cannot have type Egress', spec.pathOf('types'));
  if ((doNotTrack || preDNAT) && !applyOnForward) {
    spec.check.report('conflicting-fields', `applyOnForward must be true when ${doNotTrack ? 'doNotTrack' : 'preDNAT'} is`, spec.pathOf(doNotTrack ? 'doNotTrack' : 'preDNAT'));
  }
  return { applyOnForward, preDNAT, doNotTrack };
}
