import type { ObservedPolicyHit } from './record.js';

/**
 * Policy hits as flow logs write them, to ObservedPolicyHit. Each parser returns a string (the error message) for
 * a malformed hit. References: Calico Enterprise `lma/pkg/api` PolicyHitFromFlowLogPolicyString (legacy and
 * modern name formats), `goldmane/proto/api.proto` PolicyHit, `whisker-backend/pkg/apis/v1/flows.go`.
 */

type HitSet = ObservedPolicyHit['set'];
type HitAction = ObservedPolicyHit['action'];

/** Rule index when the log does not say (`-`, `*`, or the old four-part string). */
export const RULE_UNKNOWN = -2;
/** Rule index of an end-of-tier hit: the policy selected the endpoint but no rule matched. */
export const RULE_END_OF_TIER = -1;

/** Short kinds of the modern name format `<kind>:[<namespace>/]<name>` (goldmane/proto policy strings). */
const SHORT_KINDS: ReadonlyMap<string, string> = new Map([
  ['gnp', 'GlobalNetworkPolicy'],
  ['sgnp', 'StagedGlobalNetworkPolicy'],
  ['np', 'NetworkPolicy'],
  ['snp', 'StagedNetworkPolicy'],
  ['knp', 'KubernetesNetworkPolicy'],
  ['sknp', 'StagedKubernetesNetworkPolicy'],
  ['kcnp', 'ClusterNetworkPolicy'],
  ['kanp', 'AdminNetworkPolicy'],
  ['kbanp', 'BaselineAdminNetworkPolicy'],
  ['pro', 'Profile'],
]);

const ACTIONS: ReadonlyMap<string, HitAction> = new Map([
  ['allow', 'allow'],
  ['deny', 'deny'],
  ['pass', 'pass'],
]);

/** `INDEX|TIER|NAME|ACTION|RULE` (Calico Enterprise / Cloud flow logs; the RULE part is absent in old logs). */
export function parseCalicoPolicyHit(text: string, set: HitSet): ObservedPolicyHit | string {
  const parts = text.split('|');
  if (parts.length !== 4 && parts.length !== 5) return `policy hit ${JSON.stringify(text)} is not INDEX|TIER|NAME|ACTION|RULE`;
  const [indexText, tier, namePart, actionText, ruleText] = parts as [string, string, string, string, string?];
  const index = integer(indexText);
  const action = ACTIONS.get(actionText.toLowerCase());
  const rule = ruleText === undefined || ruleText === '-' || ruleText === '*' ? RULE_UNKNOWN : integer(ruleText);
  if (index === undefined || index < 0 || tier === '' || namePart === '' || action === undefined || rule === undefined) {
    return `policy hit ${JSON.stringify(text)} has a bad index, tier, name, action or rule`;
  }
  const name = modernName(namePart) ?? legacyName(namePart, tier);
  return { index, tier, ...name, action, rule, set };
}

interface ParsedName {
  readonly name: string;
  readonly namespace?: string;
  readonly kind?: string;
  readonly staged: boolean;
}

/** `np:ns1/tier1.policy1`, `gnp:tier.name`, `pro:kns.default`; undefined when the prefix is no known kind. */
function modernName(part: string): ParsedName | undefined {
  const colon = part.indexOf(':');
  const kind = colon < 0 ? undefined : SHORT_KINDS.get(part.slice(0, colon));
  if (kind === undefined) return undefined;
  const rest = part.slice(colon + 1);
  const slash = rest.indexOf('/');
  const staged = kind.startsWith('Staged');
  return slash < 0 ? { name: rest, kind, staged } : { name: rest.slice(slash + 1), namespace: rest.slice(0, slash), kind, staged };
}

/**
 * The legacy name part: `[<namespace>/]<tier>.<name>` for Calico policies, `<namespace>/knp.default.<name>` for
 * Kubernetes ones, `__PROFILE__.<profile>` for profiles, with `staged:` before the policy part (Calico also writes
 * `<tier>.staged:<name>`). Like upstream, a Calico policy name keeps (or regains) its `<tier>.` prefix.
 */
function legacyName(part: string, tier: string): ParsedName {
  if (part === '*') return { name: part, staged: false }; // an obfuscated hit: `N|*|*|action|*`
  const slash = part.indexOf('/');
  const namespace = slash < 0 ? undefined : part.slice(0, slash);
  let name = slash < 0 ? part : part.slice(slash + 1);
  const stagedAt = name.indexOf('staged:');
  const staged = stagedAt >= 0;
  if (staged) name = name.slice(stagedAt + 'staged:'.length);
  let kind: string;
  if (name.startsWith('knp.default.')) {
    name = name.slice('knp.default.'.length);
    kind = staged ? 'StagedKubernetesNetworkPolicy' : 'KubernetesNetworkPolicy';
  } else if (name.startsWith('__PROFILE__.')) {
    name = name.slice('__PROFILE__.'.length);
    kind = 'Profile';
  } else {
    if (!name.startsWith(`${tier}.`)) name = `${tier}.${name}`;
    if (namespace === undefined) kind = staged ? 'StagedGlobalNetworkPolicy' : 'GlobalNetworkPolicy';
    else kind = staged ? 'StagedNetworkPolicy' : 'NetworkPolicy';
  }
  return namespace === undefined ? { name, kind, staged } : { name, namespace, kind, staged };
}

/**
 * Goldmane `PolicyKind` (numbers in the emitter's NDJSON, names in Whisker's JSON) to our kind names. 7 and 8 were
 * AdminNetworkPolicy / BaselineAdminNetworkPolicy, then the ClusterNetworkPolicy tiers, and are reserved now.
 */
const GOLDMANE_KINDS: ReadonlyMap<number | string, string> = new Map<number | string, string>([
  [1, 'NetworkPolicy'],
  ['CalicoNetworkPolicy', 'NetworkPolicy'],
  [2, 'GlobalNetworkPolicy'],
  ['GlobalNetworkPolicy', 'GlobalNetworkPolicy'],
  [3, 'StagedNetworkPolicy'],
  ['StagedNetworkPolicy', 'StagedNetworkPolicy'],
  [4, 'StagedGlobalNetworkPolicy'],
  ['StagedGlobalNetworkPolicy', 'StagedGlobalNetworkPolicy'],
  [5, 'StagedKubernetesNetworkPolicy'],
  ['StagedKubernetesNetworkPolicy', 'StagedKubernetesNetworkPolicy'],
  [6, 'KubernetesNetworkPolicy'],
  ['NetworkPolicy', 'KubernetesNetworkPolicy'],
  [7, 'AdminNetworkPolicy'],
  ['AdminNetworkPolicy', 'AdminNetworkPolicy'],
  ['ClusterNetworkPolicyAdminTier', 'ClusterNetworkPolicy'],
  [8, 'BaselineAdminNetworkPolicy'],
  ['BaselineAdminNetworkPolicy', 'BaselineAdminNetworkPolicy'],
  ['ClusterNetworkPolicyBaselineTier', 'ClusterNetworkPolicy'],
  [9, 'Profile'],
  ['Profile', 'Profile'],
  [11, 'ClusterNetworkPolicy'],
  ['ClusterNetworkPolicy', 'ClusterNetworkPolicy'],
]);
const END_OF_TIER: ReadonlySet<unknown> = new Set([10, 'EndOfTier']);

/** Goldmane `Action` (1 Allow, 2 Deny, 3 Pass, or the names). */
export function goldmaneAction(value: unknown): HitAction | undefined {
  switch (value) {
    case 1:
    case 'Allow':
      return 'allow';
    case 2:
    case 'Deny':
      return 'deny';
    case 3:
    case 'Pass':
      return 'pass';
    default:
      return undefined;
  }
}

/**
 * A Goldmane / Whisker PolicyHit. Zero values are omitted by the emitter (a missing `rule_index` is 0). An
 * end-of-tier hit names the policy that selected the endpoint in its `trigger`: it becomes that policy's hit with
 * rule -1, the way Calico's policy strings write it.
 */
export function goldmaneHit(value: unknown, set: HitSet): ObservedPolicyHit | string {
  if (value === null || typeof value !== 'object') return `policy hit ${JSON.stringify(value)} is not an object`;
  const h = value as Record<string, unknown>;
  const index = h.policy_index ?? 0;
  const action = goldmaneAction(h.action);
  const tier = h.tier ?? '';
  const endOfTier = END_OF_TIER.has(h.kind);
  const named = endOfTier ? h.trigger : h;
  if (named === null || typeof named !== 'object') return `end-of-tier hit ${JSON.stringify(value)} has no trigger`;
  const n = named as Record<string, unknown>;
  const kind = GOLDMANE_KINDS.get(n.kind as number | string);
  const rule = endOfTier ? RULE_END_OF_TIER : (h.rule_index ?? 0);
  const name = n.name ?? '';
  const namespace = n.namespace ?? '';
  if (
    !Number.isInteger(index) ||
    !Number.isInteger(rule) ||
    typeof tier !== 'string' ||
    typeof name !== 'string' ||
    typeof namespace !== 'string' ||
    action === undefined ||
    kind === undefined
  ) {
    return `policy hit ${JSON.stringify(value)} has a bad kind, action, index or name`;
  }
  const staged = kind.startsWith('Staged');
  const base = { index: index as number, tier, name, kind, action, rule: rule as number, staged, set };
  return namespace === '' ? base : { ...base, namespace };
}

const SET_ORDER: Readonly<Record<HitSet, number>> = { enforced: 0, pending: 1, transit: 2 };

/**
 * A hit list a decoder gives to every line that names the same hits (flows/decoders/calico.ts). It is frozen, and
 * frozen marks it shared: what is made from a shared list (its JSON in result rows, its deciding hit) is made
 * once and kept by the list.
 */
export function sharedHitList(hits: ObservedPolicyHit[]): readonly ObservedPolicyHit[] {
  return Object.freeze(hits);
}

/** Whether a record's hit list is one sharedHitList made (a list JSON.parse or a decoder made for one line is not). */
export function isSharedHitList(hits: readonly ObservedPolicyHit[]): boolean {
  return Object.isFrozen(hits);
}

/** Hits grouped by set (enforced, pending, transit), each set in the order its policies were met (by index). */
export function byIndex(hits: ObservedPolicyHit[]): ObservedPolicyHit[] {
  return hits.sort((a, b) => SET_ORDER[a.set] - SET_ORDER[b.set] || a.index - b.index);
}

function integer(text: string): number | undefined {
  if (text === '' || text === '-') return undefined;
  const n = Number(text);
  return Number.isInteger(n) ? n : undefined;
}
