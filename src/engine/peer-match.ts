/**
 * The identity half of a rule side: `selector`, `notSelector`, `namespaceSelector` (as NamespaceScope) and
 * `serviceAccounts`, matched the way Felix enforces them: each becomes an IP set holding the IPs of every
 * endpoint and the CIDRs of every network set whose labels match (libcalico-go updateprocessors/rules.go
 * `getEndpointSelector`, felix/calc IP-set members). So a peer matches when its own labels match, or when its
 * address lies in a matching network set; for addresses that are no endpoint only the second applies.
 *
 * Upstream details mirrored here:
 * - the positive IP set is `scope && serviceAccounts && selector`, and exists only when one of them constrains
 *   (a GlobalNetworkPolicy side with only `notSelector` has none, so it also admits external addresses);
 * - `notSelector` is not confined to the namespace: it is applied as written;
 * - a `namespaceSelector` is evaluated over `pcns.`-prefixed labels, which non-namespaced peers (host endpoints,
 *   global network sets) do not carry, so it sees no labels for them (`!has(x)` matches them) — except
 *   `all()`, which Calico rewrites to `has(projectcalico.org/namespace)`;
 * - a service-account selector likewise sees no labels for peers that are not pods.
 *
 * What labels decide is computed once per endpoint class and kept in a byte per class (0 not yet known, then
 * LABELS_NO or LABELS_YES), so selectors run once per (matcher, class), not once per flow.
 */
import type { Cidr, EntityMatch, NamespaceScope } from '../policy/model.js';
import type { Selector } from '../selector/types.js';
import { type AddressSpace, CidrSet } from './address-space.js';
import { type EvalContext, NO, type Side, type Tri, UNKNOWN, YES } from './context.js';
import { bytesHolding } from './grow.js';
import { EMPTY_LABELS, type EndpointClass, type NetworkSetSubject, type SelectorSubject } from './subject.js';

const LABELS_NO = 1;
const LABELS_YES = 2;

interface PositiveMatch {
  readonly scope: NamespaceScope;
  readonly serviceAccountNames: ReadonlySet<string> | undefined;
  readonly serviceAccountSelector: Selector | undefined;
  readonly selector: Selector | undefined;
}

export class PeerMatcher {
  private readonly positive: PositiveMatch | undefined;
  private readonly positiveNets: CidrSet;
  private readonly negative: Selector | undefined;
  private readonly negativeNets: CidrSet;
  /** Per class id: whether the class's labels match the positive side, and the notSelector. */
  private positiveByClass: Uint8Array = new Uint8Array(0);
  private negativeByClass: Uint8Array = new Uint8Array(0);

  constructor(entity: EntityMatch, networkSets: readonly NetworkSetSubject[], space: AddressSpace) {
    const scope = entity.namespaceScope ?? { kind: 'any' };
    const names = entity.serviceAccounts?.names;
    const saNames = names !== undefined && names.length > 0 ? new Set(names) : undefined;
    const saSelector = entity.serviceAccounts?.selector;
    const constrains = scope.kind !== 'any' || entity.selector !== undefined || saNames !== undefined || saSelector;
    this.positive = constrains
      ? { scope, serviceAccountNames: saNames, serviceAccountSelector: saSelector, selector: entity.selector }
      : undefined;
    const positive = this.positive;
    this.positiveNets = new CidrSet(
      space,
      positive === undefined ? [] : networkSets.filter((s) => matchesPositive(positive, s)).flatMap(netsOf),
    );
    this.negative = entity.notSelector;
    const negative = this.negative;
    this.negativeNets = new CidrSet(
      space,
      negative === undefined ? [] : networkSets.filter((s) => negative.matches(s.labels)).flatMap(netsOf),
    );
  }

  /** Identity text for de-duplicating matchers across rules; equal keys match exactly the same peers. */
  static key(entity: EntityMatch): string {
    const scope = entity.namespaceScope;
    const scopeText =
      scope === undefined || scope.kind === 'any' || scope.kind === 'global'
        ? (scope?.kind ?? 'any')
        : scope.kind === 'namespace'
          ? `ns:${scope.name}`
          : `sel:${scope.selector.canonical}`;
    const sa = entity.serviceAccounts;
    return [
      scopeText,
      entity.selector?.canonical ?? '',
      entity.notSelector?.canonical ?? '',
      sa?.names === undefined ? '' : [...sa.names].sort().join(','),
      sa?.selector?.canonical ?? '',
    ].join('\u0000');
  }

  get constrains(): boolean {
    return this.positive !== undefined || this.negative !== undefined;
  }

  match(side: Side, ctx: EvalContext): Tri {
    if (this.positive !== undefined) {
      const r = this.matchPositive(this.positive, side, ctx);
      if (r === NO) return NO;
      const n = this.matchNegative(side, ctx);
      if (n === YES) return NO;
      if (r === UNKNOWN || n === UNKNOWN) return UNKNOWN;
      return YES;
    }
    const n = this.matchNegative(side, ctx);
    return n === YES ? NO : n === NO ? YES : UNKNOWN;
  }

  /**
   * False when no endpoint of the class can match, whatever the flow's addresses: used to leave the rule out
   * of the class's program when the class is the rule side's own endpoint (engine/program.ts).
   */
  admitsClass(cls: EndpointClass): boolean {
    if (this.positive !== undefined && !this.positiveMatches(this.positive, cls) && this.positiveNets.isEmpty) {
      return false;
    }
    return this.negative === undefined || !this.negativeMatches(this.negative, cls);
  }

  /** Membership of the positive IP set: matching endpoints and matching network sets. */
  private matchPositive(positive: PositiveMatch, side: Side, ctx: EvalContext): Tri {
    if (side.kind === 'unresolved') return ctx.unknown(`${side.role}.selector: the ${side.role} is unresolved`);
    if (side.cls !== undefined && this.positiveMatches(positive, side.cls)) return YES;
    if (this.positiveNets.isEmpty) return NO;
    return ctx.addressIn(side, this.positiveNets, `${side.role}.selector (network sets)`);
  }

  /** Membership of the notSelector IP set. */
  private matchNegative(side: Side, ctx: EvalContext): Tri {
    const negative = this.negative;
    if (negative === undefined) return NO;
    if (side.kind === 'unresolved') return ctx.unknown(`${side.role}.notSelector: the ${side.role} is unresolved`);
    if (side.cls !== undefined && this.negativeMatches(negative, side.cls)) return YES;
    if (this.negativeNets.isEmpty) return NO;
    return ctx.addressIn(side, this.negativeNets, `${side.role}.notSelector (network sets)`);
  }

  private positiveMatches(positive: PositiveMatch, cls: EndpointClass): boolean {
    if (cls.id >= this.positiveByClass.length) this.positiveByClass = bytesHolding(this.positiveByClass, cls.id);
    let r = this.positiveByClass[cls.id]!;
    if (r === 0) this.positiveByClass[cls.id] = r = matchesPositive(positive, cls) ? LABELS_YES : LABELS_NO;
    return r === LABELS_YES;
  }

  private negativeMatches(negative: Selector, cls: EndpointClass): boolean {
    if (cls.id >= this.negativeByClass.length) this.negativeByClass = bytesHolding(this.negativeByClass, cls.id);
    let r = this.negativeByClass[cls.id]!;
    if (r === 0) this.negativeByClass[cls.id] = r = negative.matches(cls.labels) ? LABELS_YES : LABELS_NO;
    return r === LABELS_YES;
  }
}

function matchesPositive(m: PositiveMatch, s: SelectorSubject): boolean {
  return (
    scopeMatches(m.scope, s) &&
    (m.serviceAccountNames === undefined ||
      (s.serviceAccount !== undefined && m.serviceAccountNames.has(s.serviceAccount))) &&
    (m.serviceAccountSelector === undefined ||
      m.serviceAccountSelector.matches(s.serviceAccountLabels ?? EMPTY_LABELS)) &&
    (m.selector === undefined || m.selector.matches(s.labels))
  );
}

function scopeMatches(scope: NamespaceScope, s: SelectorSubject): boolean {
  switch (scope.kind) {
    case 'any':
      return true;
    case 'namespace':
      return s.namespace === scope.name;
    case 'global':
      return s.namespace === undefined;
    case 'selector':
      return namespaceSelectorMatches(scope.selector, s);
  }
}

/** A namespaceSelector over a subject (see the file comment for non-namespaced subjects). */
export function namespaceSelectorMatches(selector: Selector, s: SelectorSubject): boolean {
  if (s.namespace !== undefined) return selector.matches(s.namespaceLabels);
  return !selector.isAll && selector.matches(EMPTY_LABELS);
}

function netsOf(s: NetworkSetSubject): readonly Cidr[] {
  return s.cidrs;
}
