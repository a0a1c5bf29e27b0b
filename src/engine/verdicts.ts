/**
 * Interning of verdicts: every distinct DirectionVerdict and every distinct pair of them exists once, frozen, so
 * cached flows share objects and consumers may key caches of their own by verdict identity (the `rule` column
 * is formatted once per verdict object). Deciders and path steps are canonical objects (built once per rule,
 * tier, profile...), so interning goes by identity and builds no strings for the common empty path. Each
 * distinct Verdict also has a number, from 0, which is what the verdict cache stores.
 */
import type { Direction } from '../policy/model.js';
import type { Decider, DirectionVerdict, FinalVerdict, PathStep, Verdict } from './verdict.js';

export function verdictOf(d: Decider): FinalVerdict {
  switch (d.kind) {
    case 'rule':
      return d.action === 'Allow' ? 'allow' : 'deny';
    case 'profile':
    case 'failsafe':
    case 'no-endpoint':
    case 'host-to-workload':
      return 'allow';
    case 'endpoint-to-host':
      return d.action === 'Drop' ? 'deny' : d.action === 'Accept' ? 'allow' : 'unknown';
    case 'end-of-tier':
    case 'host-default-deny':
    case 'workload-default-deny':
      return 'deny';
    case 'undecidable':
    case 'unknown-endpoint':
    case 'unknown-profile':
    case 'unknown-failsafe':
      return 'unknown';
  }
}

/** The reason an unknown decider carries; undefined for deciders that decide. */
export function unknownReason(d: Decider): string | undefined {
  switch (d.kind) {
    case 'undecidable':
    case 'unknown-endpoint':
    case 'unknown-profile':
    case 'unknown-failsafe':
      return d.reason;
    case 'endpoint-to-host':
      return 'reason' in d ? d.reason : undefined;
    default:
      return undefined;
  }
}

/** Canonical objects by key: the first object made for a key is the one every later request gets. */
export class Canonical<K, V> {
  private readonly byKey = new Map<K, V>();

  get(key: K, make: (key: K) => V): V {
    let v = this.byKey.get(key);
    if (v === undefined) this.byKey.set(key, (v = Object.freeze(make(key))));
    return v;
  }
}

export class VerdictInterner {
  private readonly directions: Record<Direction, Map<Decider, Map<string, DirectionVerdict>>> = {
    ingress: new Map(),
    egress: new Map(),
  };
  private readonly pairs = new Map<DirectionVerdict, Map<DirectionVerdict, number>>();
  private readonly verdicts: Verdict[] = [];
  private readonly stepIds = new Map<PathStep, number>();

  /**
   * The verdict for `decider` after the first `length` steps of `path`. The decider and the steps must be
   * canonical objects; `path` is the caller's reusable buffer and is copied when a new verdict is made.
   */
  direction(direction: Direction, decider: Decider, path: readonly PathStep[], length: number): DirectionVerdict {
    const byDecider = this.directions[direction];
    let byPath = byDecider.get(decider);
    if (byPath === undefined) byDecider.set(decider, (byPath = new Map()));
    const key = length === 0 ? '' : this.pathKey(path, length);
    let v = byPath.get(key);
    if (v === undefined) {
      const steps = Object.freeze(path.slice(0, length));
      v = Object.freeze({ direction, verdict: verdictOf(decider), decider, path: steps });
      byPath.set(key, v);
    }
    return v;
  }

  /**
   * The number of the verdict combining both directions: allow only if both allow; deny if either denies;
   * otherwise unknown (spec section 1).
   */
  combine(egress: DirectionVerdict, ingress: DirectionVerdict): number {
    let byIngress = this.pairs.get(egress);
    if (byIngress === undefined) this.pairs.set(egress, (byIngress = new Map()));
    let id = byIngress.get(ingress);
    if (id === undefined) {
      id = this.verdicts.push(Object.freeze(build(egress, ingress))) - 1;
      byIngress.set(ingress, id);
    }
    return id;
  }

  verdict(id: number): Verdict {
    return this.verdicts[id]!;
  }

  private pathKey(path: readonly PathStep[], length: number): string {
    let key = '';
    for (let i = 0; i < length; i++) {
      const step = path[i]!;
      let id = this.stepIds.get(step);
      if (id === undefined) this.stepIds.set(step, (id = this.stepIds.size));
      key += `${id},`;
    }
    return key;
  }
}

function build(egress: DirectionVerdict, ingress: DirectionVerdict): Verdict {
  if (egress.verdict === 'deny' || ingress.verdict === 'deny') return { verdict: 'deny', egress, ingress };
  if (egress.verdict === 'allow' && ingress.verdict === 'allow') return { verdict: 'allow', egress, ingress };
  const first = egress.verdict === 'unknown' ? egress : ingress;
  return { verdict: 'unknown', egress, ingress, reason: `${first.direction}: ${unknownReason(first.decider)}` };
}
