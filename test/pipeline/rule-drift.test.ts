import { describe, expect, it } from 'vitest';
import type { Decider, DirectionVerdict, FinalVerdict, Verdict } from '../../src/engine/verdict.js';
import { goldmaneHit, parseCalicoPolicyHit, sharedHitList } from '../../src/flows/policy-hits.js';
import type { FlowRecord, ObservedPolicyHit } from '../../src/flows/record.js';
import { ruleDrift } from '../../src/pipeline/rule-drift.js';

const NO_ENDPOINT: DirectionVerdict = { direction: 'egress', verdict: 'allow', decider: { kind: 'no-endpoint' }, path: [] };

/** A verdict whose ingress (or egress) was decided by `decider`; the other direction has no endpoint. */
function decided(direction: 'ingress' | 'egress', verdict: FinalVerdict, decider: Decider): Verdict {
  const dv: DirectionVerdict = { direction, verdict, decider, path: [] };
  const other: DirectionVerdict = { ...NO_ENDPOINT, direction: direction === 'ingress' ? 'egress' : 'ingress' };
  return direction === 'ingress' ? { verdict, egress: other, ingress: dv } : { verdict, egress: dv, ingress: other };
}

function rule(tier: string, policy: string, index: number, action: 'Allow' | 'Deny'): Decider {
  return { kind: 'rule', tier, policy, rule: index, action };
}

/** Hits as a Calico flow log writes them (enforced set unless told). */
function hits(...texts: string[]): ObservedPolicyHit[] {
  return texts.map((t) => {
    const h = parseCalicoPolicyHit(t, 'enforced');
    if (typeof h === 'string') throw new Error(h);
    return h;
  });
}

function flow(reporter: 'src' | 'dst' | undefined, observed: readonly ObservedPolicyHit[]): FlowRecord {
  return { proto: 6, ...(reporter === undefined ? {} : { reporter }), observed_policies: observed };
}

const DB_RULE_0 = decided('ingress', 'allow', rule('default', 'prod/knp.default.db', 0, 'Allow'));

describe('rule drift: the deciding hit of a flow log against the current view', () => {
  it('agrees when the logged policy and rule are the ones that decided, and says which hit that was', () => {
    const d = ruleDrift(flow('dst', hits('0|security|security.pass|pass|0', '1|default|prod/knp.default.db|allow|0')), DB_RULE_0);
    expect(d).toEqual({ observed: 'ingress=allow@default/prod/knp.default.db#0', mismatch: false });
  });

  it('differs when the log names another rule of the same policy', () => {
    const d = ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|allow|2')), DB_RULE_0);
    expect(d).toEqual({ observed: 'ingress=allow@default/prod/knp.default.db#2', mismatch: true });
  });

  it('differs when the log names another policy, or the same one with the other action', () => {
    expect(ruleDrift(flow('dst', hits('0|default|prod/knp.default.web|allow|0')), DB_RULE_0)?.mismatch).toBe(true);
    expect(ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|deny|0')), DB_RULE_0)?.mismatch).toBe(true);
  });

  it('matches any rule of the policy when the log does not give the index', () => {
    const d = ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|allow')), DB_RULE_0);
    expect(d).toEqual({ observed: 'ingress=allow@default/prod/knp.default.db#?', mismatch: false });
  });

  it('compares the egress decision for a flow the source reported', () => {
    const egress = decided('egress', 'deny', rule('security', 'security.block', 1, 'Deny'));
    expect(ruleDrift(flow('src', hits('0|security|security.block|deny|1')), egress)).toEqual({
      observed: 'egress=deny@security/security.block#1',
      mismatch: false,
    });
    // The same hit reported by the destination speaks of ingress, which no policy decided here.
    expect(ruleDrift(flow('dst', hits('0|security|security.block|deny|1')), egress)?.mismatch).toBe(true);
  });

  it('names Calico policies the way verdicts do, with or without the tier prefix in the log', () => {
    const v = decided('ingress', 'allow', rule('platform', 'prod/platform.allow-web', 3, 'Allow'));
    expect(ruleDrift(flow('dst', hits('0|platform|prod/platform.allow-web|allow|3')), v)?.mismatch).toBe(false);
    expect(ruleDrift(flow('dst', hits('0|platform|np:prod/allow-web|allow|3')), v)?.mismatch).toBe(false);
    const global = decided('ingress', 'allow', rule('default', 'default.allow-dns', 0, 'Allow'));
    expect(ruleDrift(flow('dst', hits('0|default|default.allow-dns|allow|0')), global)?.mismatch).toBe(false);
    // A namespaced policy of the same name is another policy.
    expect(ruleDrift(flow('dst', hits('0|default|prod/default.allow-dns|allow|0')), global)?.mismatch).toBe(true);
  });

  it('agrees on an end-of-tier drop charged to the same policy, and not with a rule of it', () => {
    const eot = decided('ingress', 'deny', { kind: 'end-of-tier', tier: 'default', policy: 'prod/knp.default.db' });
    expect(ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|deny|-1')), eot)).toEqual({
      observed: 'ingress=deny@default/prod/knp.default.db#(end-of-tier)',
      mismatch: false,
    });
    expect(ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|deny|0')), eot)?.mismatch).toBe(true);
    expect(ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|deny|-1')), decided('ingress', 'deny', rule('default', 'prod/knp.default.db', 0, 'Deny')))?.mismatch).toBe(true);
  });

  it("agrees on a namespace profile's allow, whatever rule index the log gives it, and tells profiles from policies", () => {
    const profile = decided('egress', 'allow', { kind: 'profile', profile: 'kns.prod' });
    expect(ruleDrift(flow('src', hits('0|__PROFILE__|__PROFILE__.kns.prod|allow|0')), profile)).toEqual({
      observed: 'egress=allow@(profile)/kns.prod#0',
      mismatch: false,
    });
    expect(ruleDrift(flow('src', hits('0|__PROFILE__|__PROFILE__.kns.other|allow|0')), profile)?.mismatch).toBe(true);
    expect(ruleDrift(flow('src', hits('0|default|kns.prod|allow|0')), profile)?.mismatch).toBe(true);
    const hostProfile = decided('egress', 'deny', rule('(profile)', 'edge', 2, 'Deny'));
    expect(ruleDrift(flow('src', hits('0|__PROFILE__|__PROFILE__.edge|deny|2')), hostProfile)?.mismatch).toBe(false);
    expect(ruleDrift(flow('src', hits('0|__PROFILE__|__PROFILE__.edge|deny|1')), hostProfile)?.mismatch).toBe(true);
  });

  it('differs when no policy decided here but the log names one (the side is unknown to the inventory, say)', () => {
    expect(ruleDrift(flow('src', hits('0|default|prod/knp.default.db|allow|0')), decided('egress', 'allow', { kind: 'no-endpoint' }))?.mismatch).toBe(true);
  });

  it('leaves the mismatch out when the current verdict of that direction is unknown', () => {
    const unknown = decided('ingress', 'unknown', { kind: 'unknown-endpoint', reason: 'pod prod/x not found' });
    expect(ruleDrift(flow('dst', hits('0|default|prod/knp.default.db|allow|0')), unknown)).toEqual({
      observed: 'ingress=allow@default/prod/knp.default.db#0',
      mismatch: undefined,
    });
  });

  it('takes the enforced Allow or Deny hit met last (by index), whatever order the record lists them in', () => {
    const observed = [...hits('1|default|prod/knp.default.db|allow|0', '0|security|security.pass|pass|0')];
    expect(ruleDrift(flow('dst', observed), DB_RULE_0)?.mismatch).toBe(false);
  });

  it('reads a shared list as a list of its own, in each direction and against each verdict', () => {
    const shared = sharedHitList(hits('0|security|security.pass|pass|0', '1|default|prod/knp.default.db|allow|0'));
    const egressDb = decided('egress', 'allow', rule('default', 'prod/knp.default.db', 0, 'Allow'));
    for (const [reporter, verdict] of [['dst', DB_RULE_0], ['src', egressDb], ['dst', egressDb], ['dst', DB_RULE_0]] as const) {
      expect(ruleDrift(flow(reporter, shared), verdict)).toEqual(ruleDrift(flow(reporter, [...shared]), verdict));
    }
    expect(ruleDrift(flow('src', shared), egressDb)).toEqual({ observed: 'egress=allow@default/prod/knp.default.db#0', mismatch: false });
    expect(ruleDrift(flow('dst', sharedHitList(hits('0|security|security.pass|pass|0'))), DB_RULE_0)).toBeUndefined();
  });

  it('compares nothing for a staged (pending) hit, Pass hits alone, a missing reporter or a policy of Cilium', () => {
    const pending = parseCalicoPolicyHit('0|default|prod/staged:knp.default.db|allow|0', 'pending') as ObservedPolicyHit;
    expect(ruleDrift(flow('dst', [pending]), DB_RULE_0)).toBeUndefined();
    expect(ruleDrift(flow('dst', hits('0|security|security.pass|pass|0')), DB_RULE_0)).toBeUndefined();
    expect(ruleDrift(flow(undefined, hits('0|default|prod/knp.default.db|allow|0')), DB_RULE_0)).toBeUndefined();
    const cilium: ObservedPolicyHit = { index: 0, tier: '', name: 'db', namespace: 'prod', kind: 'NetworkPolicy', action: 'allow', rule: -2, staged: false, set: 'enforced' };
    expect(ruleDrift(flow('dst', [cilium]), DB_RULE_0)).toBeUndefined();
    expect(ruleDrift({ proto: 6, reporter: 'dst' }, DB_RULE_0)).toBeUndefined();
  });

  it("reads Goldmane's hits the same way: kinds by number or name, an end-of-tier hit by its trigger", () => {
    const hit = (value: unknown) => goldmaneHit(value, 'enforced') as ObservedPolicyHit;
    const allow = hit({ kind: 6, name: 'db', namespace: 'prod', tier: 'default', action: 1, policy_index: 1, rule_index: 0 });
    const pass = hit({ kind: 'GlobalNetworkPolicy', name: 'pass', tier: 'security', action: 'Pass' });
    expect(ruleDrift(flow('dst', [pass, allow]), DB_RULE_0)).toEqual({ observed: 'ingress=allow@default/prod/knp.default.db#0', mismatch: false });
    const eot = hit({ kind: 10, tier: 'default', action: 2, trigger: { kind: 'NetworkPolicy', name: 'db', namespace: 'prod' } });
    const dropped = decided('ingress', 'deny', { kind: 'end-of-tier', tier: 'default', policy: 'prod/knp.default.db' });
    expect(ruleDrift(flow('dst', [eot]), dropped)).toEqual({ observed: 'ingress=deny@default/prod/knp.default.db#(end-of-tier)', mismatch: false });
  });
});

