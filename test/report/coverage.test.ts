import { describe, expect, it } from 'vitest';
import { formatDecision, type CompiledPolicySet } from '../../src/engine/index.js';
import type { FlowRecord } from '../../src/flows/record.js';
import type { Peer } from '../../src/inventory/endpoint.js';
import type { Outcome } from '../../src/pipeline/outcome.js';
import type { ReportRow } from '../../src/report/row.js';
import type { Tier } from '../../src/policy/model.js';
import { CoverageCounter, type CoverageRow } from '../../src/report/coverage.js';
import { coverageSummary, renderCoverageCsv } from '../../src/report/render.js';
import { at, cluster, compile, flow, pod, policy, policySet, TCP, UDP } from '../engine/builder.js';

const web = pod({ ns: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.0.1'] });
const db = pod({ ns: 'prod', name: 'db', labels: { app: 'db' }, ips: ['10.0.0.2'] });
const cache = pod({ ns: 'prod', name: 'cache', labels: { app: 'cache' }, ips: ['10.0.0.3'] });
const view = cluster({ namespaces: { prod: {} } });
const security: Tier = { name: 'security', order: 100, defaultAction: 'Deny' };

const current = compile(
  policySet(
    [
      policy({ name: 'security.watch', tier: 'security', ingress: [{ action: 'Log', protocol: UDP }, { action: 'Pass' }] }),
      policy({
        name: 'db-in',
        namespace: 'prod',
        selector: "app == 'db'",
        ingress: [
          { action: 'Allow', protocol: TCP, source: { selector: "app == 'web'" } },
          { action: 'Deny', protocol: 132 },
          { action: 'Allow', protocol: UDP, undecidable: 'an http match' },
        ],
      }),
      // Selects the cache and allows nothing: every flow to it is an end-of-tier drop charged to this policy.
      policy({ name: 'cache-isolate', namespace: 'prod', selector: "app == 'cache'", types: ['Ingress'] }),
    ],
    { tiers: [security] },
  ),
  view,
);
const proposed = compile(policySet([policy({ name: 'db-in', namespace: 'prod', selector: "app == 'db'", ingress: [{ action: 'Deny' }] })]), view);

const T0 = Date.parse('2026-03-02T00:00:00Z');

function outcomes(sets: { current: CompiledPolicySet; proposed?: CompiledPolicySet }, flows: [Partial<FlowRecord>, Peer, Peer][]): Outcome[] {
  return flows.map(([f, src, dst]) => {
    const record = flow(f);
    return {
      flow: { record, pos: { kind: 'file', file: 'f', line: 1 }, json: undefined, srcV4: -1, dstV4: -1 },
      src,
      dst,
      current: sets.current.evaluate(record, src, dst),
      proposed: sets.proposed?.evaluate(record, src, dst),
      cls: undefined,
      mismatch: false,
    };
  });
}

function byRule(rows: readonly CoverageRow[], view: string, policyName: string, rule: number | 'end-of-tier', direction = 'ingress'): CoverageRow | undefined {
  return rows.find((r) => r.view === view && r.policy === policyName && r.rule === rule && r.direction === direction);
}

describe('rule coverage', () => {
  const flows: [Partial<FlowRecord>, Peer, Peer][] = [
    [{ time: T0 + 1000, proto: TCP, dst_port: 5432 }, at(web), at(db)],
    [{ time: T0 + 5000, proto: TCP, dst_port: 5432 }, at(web), at(db)],
    [{ time: T0 + 3000, proto: UDP, dst_port: 53 }, at(web), at(db)],
    [{ time: T0 + 4000, proto: TCP, dst_port: 6379 }, at(web), at(cache)],
  ];

  it('counts the flows each rule decided or was met by, with first and last seen, and lists the rules nothing hit', () => {
    const counter = new CoverageCounter();
    for (const o of outcomes({ current }, flows)) counter.add(o);
    const c = counter.build({ current, proposed: undefined });
    const rows = c.rows;
    expect(rows.every((r) => r.view === 'current')).toBe(true);
    // Pass met by every flow at an endpoint the tier's policy selects (all three pods), Log by the UDP one only.
    expect(byRule(rows, 'current', 'security.watch', 1)).toMatchObject({ action: 'Pass', flows: 4, unknown: 0 });
    expect(byRule(rows, 'current', 'security.watch', 0)).toMatchObject({ action: 'Log', flows: 1, firstSeen: T0 + 3000, lastSeen: T0 + 3000 });
    expect(byRule(rows, 'current', 'prod/default.db-in', 0)).toMatchObject({ action: 'Allow', flows: 2, firstSeen: T0 + 1000, lastSeen: T0 + 5000 });
    expect(byRule(rows, 'current', 'prod/default.db-in', 1)).toMatchObject({ action: 'Deny', flows: 0, unknown: 0, firstSeen: undefined });
    expect(byRule(rows, 'current', 'prod/default.db-in', 2)).toMatchObject({ flows: 0, unknown: 1 });
    expect(byRule(rows, 'current', 'prod/default.cache-isolate', 'end-of-tier')).toMatchObject({ action: 'Deny', flows: 1, lastSeen: T0 + 4000 });
    // No policy applies to egress (none has egress rules or types): no egress rows, not even empty ones.
    expect(rows.filter((r) => r.direction === 'egress')).toEqual([]);
    // Rules: watch 0 and 1, db-in 0..2; nothing hit db-in#1 (end-of-tier rows are not rules).
    expect(c.totals).toEqual({ current: { rules: 5, unhit: 1, unreadable: 0 } });
  });

  it('lists policies in evaluation order: tier, then policy, each policy its rules as written and then its end-of-tier row', () => {
    const counter = new CoverageCounter();
    for (const o of outcomes({ current }, flows)) counter.add(o);
    expect(counter.build({ current, proposed: undefined }).rows.map((r) => `${r.policy}#${r.rule}`)).toEqual([
      'security.watch#0',
      'security.watch#1',
      'prod/default.cache-isolate#end-of-tier',
      'prod/default.db-in#0',
      'prod/default.db-in#1',
      'prod/default.db-in#2',
    ]);
  });

  it('covers the proposed view apart, from the proposed verdicts', () => {
    const counter = new CoverageCounter();
    for (const o of outcomes({ current, proposed }, flows)) counter.add(o);
    const c = counter.build({ current, proposed });
    expect(byRule(c.rows, 'proposed', 'prod/default.db-in', 0)).toMatchObject({ action: 'Deny', flows: 3, firstSeen: T0 + 1000, lastSeen: T0 + 5000 });
    expect(byRule(c.rows, 'current', 'prod/default.db-in', 0)).toMatchObject({ action: 'Allow', flows: 2 });
    expect(c.totals.proposed).toEqual({ rules: 1, unhit: 0, unreadable: 0 });
  });

  it('renders CSV with a header, times in RFC 3339 and empty cells for what is unknown', () => {
    const counter = new CoverageCounter();
    for (const o of outcomes({ current }, flows.slice(0, 1))) counter.add(o);
    const lines = renderCoverageCsv(counter.build({ current, proposed: undefined })).trim().split('\n');
    expect(lines[0]).toBe('view,tier,policy,direction,rule,action,flows,unknown,logged,first_seen,last_seen,source');
    // No flow's log named a deciding rule: the logged cells are empty, not 0.
    expect(lines).toContain('current,default,prod/default.db-in,ingress,0,Allow,1,0,,2026-03-02T00:00:01.000Z,2026-03-02T00:00:01.000Z,');
    expect(lines).toContain('current,default,prod/default.db-in,ingress,1,Deny,0,0,,,,');
  });

  describe('from result rows (their rule column)', () => {
    /** The rows replay would have written for these outcomes, as the report reads them back. */
    function rowsOf(list: Outcome[]): ReportRow[] {
      return list.map((o) => ({
        time: o.flow.record.time,
        src: 'a',
        dst: 'b',
        srcNamespace: undefined,
        dstNamespace: undefined,
        service: 'TCP/1',
        flows: o.flow.record.count ?? 1,
        bytes: 0,
        observedAction: undefined,
        verdict: o.current.verdict,
        reason: o.current.reason,
        rule: formatDecision(o.current),
        proposedVerdict: o.proposed?.verdict,
        proposedReason: o.proposed?.reason,
        proposedRule: o.proposed && formatDecision(o.proposed),
        cls: undefined,
      }));
    }

    it('counts what decided as a replay does, but cannot know the Pass and Log rules met', () => {
      const list = outcomes({ current, proposed }, flows);
      const fromOutcomes = new CoverageCounter();
      for (const o of list) fromOutcomes.add(o);
      const fromRows = new CoverageCounter();
      for (const r of rowsOf(list)) fromRows.addRow(r);
      const replayed = fromOutcomes.build({ current, proposed }).rows;
      const read = fromRows.build({ current, proposed }).rows;
      expect(read.map((r) => `${r.view} ${r.policy}#${r.rule}`)).toEqual(replayed.map((r) => `${r.view} ${r.policy}#${r.rule}`));
      for (const [i, r] of read.entries()) {
        if (r.action === 'Pass' || r.action === 'Log') expect(r).toMatchObject({ flows: undefined, firstSeen: undefined, lastSeen: undefined });
        else expect(r).toEqual(replayed[i]);
      }
      expect(read.filter((r) => r.action === 'Pass' || r.action === 'Log')).toHaveLength(2);
      expect(byRule(read, 'current', 'prod/default.db-in', 2)).toMatchObject({ flows: 0, unknown: 1 });
      expect(byRule(read, 'current', 'prod/default.cache-isolate', 'end-of-tier')).toMatchObject({ flows: 1 });
    });

    it('weighs a row by its flow count, and counts the flows of a rule column it cannot read', () => {
      const [one] = rowsOf(outcomes({ current }, flows.slice(0, 1)));
      const counter = new CoverageCounter();
      counter.addRow({ ...one!, flows: 7 });
      counter.addRow({ ...one!, flows: 3, rule: 'allowed by something' });
      const c = counter.build({ current, proposed: undefined });
      expect(byRule(c.rows, 'current', 'prod/default.db-in', 0)).toMatchObject({ flows: 7 });
      // Pass and Log rules are not counted as unhit when the rows cannot say.
      expect(c.totals.current).toEqual({ rules: 5, unhit: 2, unreadable: 3 });
      expect(coverageSummary(c, 'rules.csv')).toBe('rules nothing hit: 2 of 5 (current; 3 flows with an unreadable rule column) in rules.csv');
    });
  });

  describe('the deciding rules the logs name (the logged column)', () => {
    const logged = (observedRule: string, flows: number): [string, number] => [observedRule, flows];
    /** One flow from web to db (allowed by db-in rule 0 here), whose log names `observedRule`. */
    function counted(...logs: [string, number][]): readonly CoverageRow[] {
      const [o] = outcomes({ current, proposed }, flows.slice(0, 1));
      const counter = new CoverageCounter();
      for (const [observed, n] of logs) {
        counter.add({ ...o!, flow: { ...o!.flow, record: { ...o!.flow.record, count: n } }, drift: { observed, mismatch: false } });
      }
      return counter.build({ current, proposed }).rows;
    }

    it("counts each deciding rule's logged flows in the current view, end-of-tier drops included, and none without an index", () => {
      const rows = counted(
        logged('ingress=allow@default/prod/default.db-in#0', 3),
        logged('ingress=deny@default/prod/default.db-in#(end-of-tier)', 2),
        logged('ingress=allow@default/prod/default.db-in#?', 5),
        logged('ingress=allow@default/prod/default.gone#0', 7),
      );
      expect(byRule(rows, 'current', 'prod/default.db-in', 0)).toMatchObject({ flows: 17, logged: 3 });
      expect(byRule(rows, 'current', 'prod/default.db-in', 1)).toMatchObject({ logged: 0 });
      // Listed for the logs' drops alone: this view charged none to the policy.
      expect(byRule(rows, 'current', 'prod/default.db-in', 'end-of-tier')).toMatchObject({ flows: 0, logged: 2 });
      // Pass and Log rules decide nothing; the proposed view is not what ran.
      expect(byRule(rows, 'current', 'security.watch', 1)).toMatchObject({ action: 'Pass', logged: undefined });
      expect(byRule(rows, 'proposed', 'prod/default.db-in', 0)).toMatchObject({ logged: undefined });
    });
  });
});

