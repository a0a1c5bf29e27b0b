/** Renders a Report as a terminal table, CSV (one row per group) or JSON. */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { Report, ReportGroup } from './aggregate.js';
import type { Coverage } from './coverage.js';

const CSV_COLUMNS = [
  'group', 'direction', 'flows', 'bytes', 'sources', 'destinations', 'first_seen', 'last_seen', 'would_block',
  'observed_allowed', 'examples',
] as const;

export function renderCsv(r: Report): string {
  return stringify([
    [...CSV_COLUMNS],
    ...r.groups.map((g) => [
      g.key, g.direction, g.flows, g.bytes, g.sources, g.destinations, iso(g.firstSeen), iso(g.lastSeen),
      g.wouldBlock, g.observedAllowed, g.examples.map(exampleText).join('; '),
    ]),
  ]);
}

const COVERAGE_COLUMNS = [
  'view', 'tier', 'policy', 'direction', 'rule', 'action', 'flows', 'unknown', 'logged', 'first_seen', 'last_seen', 'source',
] as const;

/** One row per rule (and per end-of-tier drop), in evaluation order; rules nothing hit have 0 flows. */
export function renderCoverageCsv(c: Coverage): string {
  return stringify([
    [...COVERAGE_COLUMNS],
    ...c.rows.map((r) => [
      r.view, r.tier, r.policy, r.direction, r.rule, r.action, r.flows, r.unknown, r.logged, iso(r.firstSeen), iso(r.lastSeen), r.source ?? '',
    ]),
  ]);
}

/** `rules nothing hit: 1 of 19 (current), 1 of 19 (proposed) in FILE`, with the flows whose rule text was unreadable. */
export function coverageSummary(c: Coverage, path: string): string {
  const views = Object.entries(c.totals).map(
    ([view, n]) => `${n.unhit} of ${n.rules} (${view}${n.unreadable ? `; ${n.unreadable} flows with an unreadable rule column` : ''})`,
  );
  return `rules nothing hit: ${views.join(', ')} in ${path}`;
}

export function renderJson(r: Report): string {
  const groups = r.groups.map((g) => ({ ...g, firstSeen: iso(g.firstSeen), lastSeen: iso(g.lastSeen) }));
  return `${JSON.stringify({ ...r, groups }, null, 2)}\n`;
}

export function renderTable(r: Report): string {
  const lines: string[] = [summaryLine(r), ''];
  const view = r.proposed ? 'proposed' : 'current';
  if (r.unknown.length > 0) {
    lines.push(`Unknown under the ${view} policy set, by reason (top ${r.unknown.length}):`);
    const table = new Table({ head: ['flows', 'reason'], style: { head: [], border: [], compact: true }, chars: COMPACT });
    for (const u of r.unknown) table.push([u.flows, u.reason]);
    lines.push(table.toString(), '');
  }
  if (r.drift.groups.length > 0) {
    lines.push(`Logged rule differs from the current policy set's (top ${r.drift.groups.length}):`);
    const table = new Table({ head: ['flows', 'logged', 'evaluated', 'example'], style: { head: [], border: [], compact: true }, chars: COMPACT });
    for (const d of r.drift.groups) table.push([d.flows, d.observed, d.evaluated, d.example]);
    lines.push(table.toString(), '');
  }
  if (r.groups.length === 0) {
    lines.push(`No flows are denied under the ${view} policy set.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Denied under the ${view} policy set, by ${r.by}:`);
  const table = new Table({
    head: ['group', 'flows', 'would block', 'seen allowed', 'bytes', 'srcs', 'dsts', 'first seen', 'last seen'],
    style: { head: [], border: [], compact: true },
    chars: COMPACT,
  });
  for (const g of r.groups) {
    table.push([g.key, g.flows, g.wouldBlock, g.observedAllowed, g.bytes, g.sources, g.destinations, iso(g.firstSeen), iso(g.lastSeen)]);
  }
  lines.push(table.toString(), '');
  for (const g of r.groups) lines.push(...examplesBlock(g));
  return `${lines.join('\n')}\n`;
}

/** Table borders without a line between rows. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function summaryLine(r: Report): string {
  const t = r.totals;
  const parts = [`${t.rows} rows, ${t.flows} flows`];
  const verdicts = Object.entries(t.verdicts).map(([k, v]) => `${k} ${v}`);
  if (verdicts.length) parts.push(`${r.proposed ? 'proposed: ' : ''}${verdicts.join(', ')}`);
  const classes = Object.entries(t.classes).map(([k, v]) => `${k} ${v}`);
  if (classes.length) parts.push(classes.join(', '));
  if (t.mismatches) parts.push(`${t.mismatches} flows disagree with the observed action`);
  if (r.drift.compared) parts.push(`${r.drift.mismatches} of ${r.drift.compared} flows decided by another rule than the log names`);
  if (t.unparsedRules) parts.push(`${t.unparsedRules} denied rows with an unreadable rule column`);
  return parts.join(' | ');
}

function examplesBlock(g: ReportGroup): string[] {
  if (g.examples.length === 0) return [];
  return [`${g.key}:`, ...g.examples.map((e) => `  ${exampleText(e)}`), ''];
}

function exampleText(e: { src: string; dst: string; service: string; flows: number }): string {
  return `${e.src} -> ${e.dst} ${e.service} (${e.flows})`;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}
