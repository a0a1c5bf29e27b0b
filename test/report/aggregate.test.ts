import { describe, expect, it } from 'vitest';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { renderTable } from '../../src/report/render.js';
import type { ReportRow } from '../../src/report/row.js';

function row(over: Partial<ReportRow>): ReportRow {
  return {
    time: Date.parse('2026-11-20T10:00:00Z'),
    src: 'frontend/web-1',
    dst: 'backend/api-1',
    srcNamespace: 'frontend',
    dstNamespace: 'backend',
    service: 'TCP/8080',
    flows: 1,
    bytes: 100,
    observedAction: 'allow',
    verdict: 'allow',
    reason: undefined,
    rule: 'egress=allow@(profile)/kns.frontend; ingress=allow@default/backend/knp.default.api#0',
    proposedVerdict: undefined,
    proposedReason: undefined,
    proposedRule: undefined,
    cls: undefined,
    ...over,
  };
}

const BLOCKED = 'egress=allow@(profile)/kns.frontend; ingress=deny@default/backend/knp.default.api#(end-of-tier)';
const BOTH = 'egress=deny@security/security.egress-lockdown#1; ingress=deny@default/backend/knp.default.api#(end-of-tier)';

describe('ReportBuilder', () => {
  it('groups proposed denials by the denying rule with counts, peers and first/last seen', () => {
    const b = new ReportBuilder('rule', 2);
    b.add(row({ proposedVerdict: 'deny', proposedRule: BLOCKED, cls: 'would-block', bytes: 10 }));
    b.add(row({ proposedVerdict: 'deny', proposedRule: BLOCKED, cls: 'would-block', src: 'frontend/web-2', time: Date.parse('2026-11-20T12:00:00Z'), flows: 3 }));
    b.add(row({ proposedVerdict: 'allow', proposedRule: 'egress=allow@(no-endpoint); ingress=allow@(no-endpoint)', cls: 'unchanged-allow' }));
    const r = b.build();
    expect(r.proposed).toBe(true);
    expect(r.totals).toMatchObject({ rows: 3, flows: 5, classes: { 'would-block': 4, 'unchanged-allow': 1 } });
    expect(r.groups).toHaveLength(1);
    const g = r.groups[0]!;
    expect(g).toMatchObject({
      key: 'ingress default/backend/knp.default.api#(end-of-tier)',
      direction: 'ingress',
      flows: 4,
      bytes: 110,
      sources: 2,
      destinations: 1,
      wouldBlock: 4,
      observedAllowed: 4,
      firstSeen: Date.parse('2026-11-20T10:00:00Z'),
      lastSeen: Date.parse('2026-11-20T12:00:00Z'),
    });
    expect(g.examples[0]).toEqual({ src: 'frontend/web-2', dst: 'backend/api-1', service: 'TCP/8080', flows: 3 });
  });

  it('charges a flow denied in both directions to egress, where it is dropped first', () => {
    const b = new ReportBuilder('policy', 1);
    b.add(row({ verdict: 'deny', rule: BOTH }));
    expect(b.build().groups.map((g) => g.key)).toEqual(['egress security/security.egress-lockdown']);
  });

  it('counts an end-of-tier deny under the policy it is charged to when grouping by policy', () => {
    const b = new ReportBuilder('policy', 1);
    b.add(row({ verdict: 'deny', rule: BLOCKED }));
    b.add(row({ verdict: 'deny', rule: 'egress=allow@(profile)/kns.frontend; ingress=deny@default/backend/knp.default.api#2' }));
    expect(b.build().groups.map((g) => [g.key, g.flows])).toEqual([['ingress default/backend/knp.default.api', 2]]);
  });

  it('groups by the namespace of the endpoint whose policy denied', () => {
    const b = new ReportBuilder('namespace', 1);
    b.add(row({ verdict: 'deny', rule: BLOCKED }));
    b.add(row({ verdict: 'deny', rule: BOTH }));
    expect(b.build().groups.map((g) => g.key).sort()).toEqual(['egress frontend', 'ingress backend']);
  });

  it('uses the current verdict when rows carry no proposal, and counts observed mismatches', () => {
    const b = new ReportBuilder('pair', 1);
    b.add(row({ verdict: 'deny', rule: BLOCKED, observedAction: 'allow' }));
    const r = b.build();
    expect(r.proposed).toBe(false);
    expect(r.totals.mismatches).toBe(1);
    expect(r.groups[0]!.key).toBe('ingress frontend/web-1 -> backend/api-1');
  });

  it('counts denied rows whose rule column it cannot read instead of guessing', () => {
    const b = new ReportBuilder('rule', 1);
    b.add(row({ verdict: 'deny', rule: 'something else' }));
    const r = b.build();
    expect(r.groups).toHaveLength(0);
    expect(r.totals.unparsedRules).toBe(1);
  });

  it('writes totals with sorted keys, so the JSON of a report does not depend on the order of its rows', () => {
    const rows = [
      row({ verdict: 'unknown', proposedVerdict: 'unknown', proposedRule: BLOCKED, cls: 'unknown' }),
      row({ proposedVerdict: 'deny', proposedRule: BLOCKED, cls: 'would-block' }),
      row({ verdict: 'deny', rule: BLOCKED, proposedVerdict: 'allow', proposedRule: BLOCKED, cls: 'would-allow' }),
    ];
    const json = (ordered: ReportRow[]) => {
      const b = new ReportBuilder('rule', 5);
      for (const r of ordered) b.add(r);
      return JSON.stringify(b.build().totals);
    };
    expect(Object.keys(JSON.parse(json(rows)).verdicts)).toEqual(['allow', 'deny', 'unknown']);
    expect(Object.keys(JSON.parse(json(rows)).classes)).toEqual(['unknown', 'would-allow', 'would-block']);
    expect(json([...rows].reverse())).toBe(json(rows));
  });

  describe('unknown verdicts by reason', () => {
    const SLICE = 'ingress: destination.services (prod/db): the inventory holds no EndpointSlice of the Service';
    const PROFILE = 'ingress: profile "edge" is not among the loaded Profile resources';

    it("counts the evaluated view's unknown flows by reason, most first, the top N", () => {
      const b = new ReportBuilder('rule', 2);
      b.add(row({ verdict: 'unknown', reason: SLICE, flows: 2 }));
      b.add(row({ verdict: 'unknown', reason: PROFILE, flows: 3 }));
      b.add(row({ verdict: 'unknown', reason: SLICE, flows: 4 }));
      b.add(row({ verdict: 'unknown', reason: 'egress: third', flows: 1 }));
      b.add(row({ verdict: 'deny', rule: BLOCKED }));
      expect(b.build().unknown).toEqual([
        { reason: SLICE, flows: 6 },
        { reason: PROFILE, flows: 3 },
      ]);
    });

    it('with a proposal, the proposed reason; a store that kept none says so', () => {
      const b = new ReportBuilder('rule', 5);
      // Unknown now, decided by the proposal: not counted.
      b.add(row({ verdict: 'unknown', reason: SLICE, proposedVerdict: 'allow', proposedRule: BLOCKED }));
      b.add(row({ verdict: 'allow', proposedVerdict: 'unknown', proposedReason: PROFILE, proposedRule: BLOCKED }));
      b.add(row({ verdict: 'unknown', reason: SLICE, proposedVerdict: 'unknown', proposedReason: undefined, proposedRule: BLOCKED }));
      expect(b.build().unknown).toEqual([
        { reason: '(reason not stored)', flows: 1 },
        { reason: PROFILE, flows: 1 },
      ]);
    });

    it('shows them in the terminal table before the denials, and not at all when there are none', () => {
      const b = new ReportBuilder('rule', 5);
      b.add(row({ verdict: 'unknown', reason: SLICE, flows: 2 }));
      const text = renderTable(b.build());
      expect(text).toMatch(/Unknown under the current policy set, by reason \(top 1\):\n.*\n│ flows │ reason +│\n│ 2 +│ ingress: destination\.services \(prod\/db\)/);
      expect(text).toContain('No flows are denied under the current policy set.');
      const none = new ReportBuilder('rule', 5);
      none.add(row({}));
      expect(renderTable(none.build())).not.toContain('Unknown under');
    });
  });

  describe('rule drift', () => {
    const API_1 = 'ingress=allow@default/backend/knp.default.api#1';
    const SCRAPE = 'ingress=allow@security/security.allow-scrape#0';

    it('counts the compared flows, and groups the differing ones by (logged, evaluated) rule, most flows first', () => {
      const b = new ReportBuilder('rule', 5);
      b.add(row({ observedRule: 'ingress=allow@default/backend/knp.default.api#0', ruleMismatch: false, flows: 5 }));
      b.add(row({ observedRule: API_1, ruleMismatch: true, flows: 2 }));
      b.add(row({ observedRule: SCRAPE, ruleMismatch: true, src: 'monitoring/prom-0', flows: 1 }));
      b.add(row({ observedRule: SCRAPE, ruleMismatch: true, src: 'monitoring/prom-1', flows: 2 }));
      // Not compared (an unknown verdict), and no log rule at all: neither counts.
      b.add(row({ verdict: 'unknown', reason: 'x', observedRule: API_1, ruleMismatch: undefined, flows: 7 }));
      b.add(row({ flows: 11 }));
      const evaluated = 'ingress=allow@default/backend/knp.default.api#0';
      expect(b.build().drift).toEqual({
        compared: 10,
        mismatches: 5,
        groups: [
          { observed: SCRAPE, evaluated, flows: 3, example: 'monitoring/prom-0 -> backend/api-1 TCP/8080' },
          { observed: API_1, evaluated, flows: 2, example: 'frontend/web-1 -> backend/api-1 TCP/8080' },
        ],
      });
    });

    it("compares with the current view's rule of the logged direction, also when a proposal is evaluated", () => {
      const b = new ReportBuilder('rule', 5);
      b.add(row({ observedRule: 'egress=allow@default/frontend/default.web-out#0', ruleMismatch: true, proposedVerdict: 'allow', proposedRule: BLOCKED, cls: 'unchanged-allow' }));
      expect(b.build().drift.groups.map((g) => g.evaluated)).toEqual(['egress=allow@(profile)/kns.frontend']);
    });

    it('shows a table of them and a count in the summary line, and neither when no log named a rule', () => {
      const b = new ReportBuilder('rule', 5);
      b.add(row({ observedRule: API_1, ruleMismatch: true }));
      b.add(row({ observedRule: API_1.replace('#1', '#0'), ruleMismatch: false }));
      const text = renderTable(b.build());
      expect(text).toContain('1 of 2 flows decided by another rule than the log names');
      expect(text).toMatch(/Logged rule differs from the current policy set's \(top 1\):\n.*\n│ flows │ logged +│ evaluated +│ example +│\n│ 1 +│ ingress=allow@default\/backend\/knp\.default\.api#1 │ ingress=allow@default\/backend\/knp\.default\.api#0 │/);
      const none = new ReportBuilder('rule', 5);
      none.add(row({}));
      expect(renderTable(none.build())).not.toMatch(/Logged rule|the log names/);
    });
  });
});

